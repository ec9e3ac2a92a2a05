"""Property: any valid pharma payload renders with every backend and decodes to exactly ``]d2`` + the raw form."""

from __future__ import annotations

import calendar
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from app.labels import RenderOptions, available_backends, datamatrix
from epcis.gs1 import CSET82, check_digit, element_string, resolve_century

Reader = Callable[[bytes | Image.Image], list[tuple[str, str]]]
cset82_text = st.text(alphabet=sorted(CSET82), min_size=1, max_size=20)


@st.composite
def gtins(draw: st.DrawFn) -> str:
    body = draw(st.text(alphabet="0123456789", min_size=13, max_size=13))
    return body + str(check_digit(body))


@st.composite
def expiries(draw: st.DrawFn) -> str:
    yy = draw(st.integers(0, 99))
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(resolve_century(yy), month)[1]
    day = draw(st.integers(0, last))  # 00 means the end of the month
    return f"{yy:02d}{month:02d}{day:02d}"


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, str]:
    mapping = {"01": draw(gtins()), "17": draw(expiries()), "10": draw(cset82_text), "21": draw(cset82_text)}
    if draw(st.booleans()):
        mapping[draw(st.sampled_from(["710", "711", "712", "713", "714", "715"]))] = draw(cset82_text)
    keys = draw(st.permutations(list(mapping)))
    return {key: mapping[key] for key in keys}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads())
def test_every_backend_decodes_to_the_raw_element_string(codes: Reader, mapping: dict[str, str]) -> None:
    expected = element_string(mapping, form="raw")
    for backend in available_backends():
        png = datamatrix(mapping, RenderOptions(module_px=3, quiet_zone=2), backend=backend)
        assert codes(png) == [("]d2", expected)], backend
