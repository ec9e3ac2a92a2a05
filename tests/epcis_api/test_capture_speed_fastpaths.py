"""Capture's fast paths for Digital Links that are already canonical give exactly what the general paths give."""

from __future__ import annotations

import string
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from app.services import state
from epcis.epc import CANONICAL_PLAIN, _dl_to_canonical, canonical_digital_link, check_digit
from epcis.hashing import _epc_value, canonical_value, event_hash
from epcis.model import ObjectEvent

ALNUM = string.ascii_letters + string.digits
serials = st.text(ALNUM, min_size=1, max_size=20)


def _general(uri: str) -> str | None:
    """The same key read the general way: a non-canonical host and short names take every rewrite step."""
    path = uri.removeprefix("https://id.gs1.org")
    return _dl_to_canonical("http://example.com/shop" + path.replace("/01/", "/gtin/").replace("/00/", "/sscc/"))


@settings(max_examples=300, deadline=None)
@given(body=st.text("0123456789", min_size=13, max_size=13), serial=serials, valid=st.booleans())
def test_a_canonical_sgtin_reads_as_the_general_path_reads_it(body: str, serial: str, valid: bool) -> None:
    digit = check_digit(body) if valid else str((int(check_digit(body)) + 1) % 10)
    uri = f"https://id.gs1.org/01/{body}{digit}/21/{serial}"
    assert CANONICAL_PLAIN.match(uri)
    assert _general(uri) == uri
    assert canonical_digital_link(uri) == uri
    assert _epc_value(uri) == canonical_value(uri) == uri
    if valid:  # the URN of the same pack (company prefix of 7 digits) gives the same key and the same hash
        urn = f"urn:epc:id:sgtin:{body[1:8]}.{body[0]}{body[8:]}.{serial}"
        assert _epc_value(urn) == uri
        when = datetime(2026, 11, 27, 10, tzinfo=UTC)
        a = ObjectEvent(event_time=when, event_time_zone_offset="+01:00", action="ADD", epc_list=[uri, urn])
        b = ObjectEvent(event_time=when, event_time_zone_offset="+01:00", action="ADD", epc_list=[urn, urn])
        assert event_hash(a) == event_hash(b)


@settings(max_examples=200, deadline=None)
@given(digits=st.text("0123456789", min_size=18, max_size=18))
def test_a_canonical_sscc_reads_as_the_general_path_reads_it(digits: str) -> None:
    uri = f"https://id.gs1.org/00/{digits}"
    assert CANONICAL_PLAIN.match(uri)
    assert _general(uri) == canonical_digital_link(uri) == uri
    assert _epc_value(uri) == uri


@settings(max_examples=200, deadline=None)
@given(body=st.text("0123456789", min_size=14, max_size=14), serial=st.text(min_size=1, max_size=22))
def test_anything_else_takes_the_general_path(body: str, serial: str) -> None:
    uri = f"https://id.gs1.org/01/{body}/21/{serial}"
    if CANONICAL_PLAIN.match(uri):
        return  # covered above
    # Escaped, over-long or multi-part serials: the result is that of the general reading.
    assert canonical_digital_link(uri) == _general(uri)


@settings(max_examples=100, deadline=None)
@given(
    epcs=st.lists(st.sampled_from(["urn:epc:id:sgtin:9506000.013435.A1", "https://id.gs1.org/00/095060000000000017"]))
)
def test_context_canonicals_equals_canonical_one_by_one(epcs: list[str]) -> None:
    ctx = state.Context()
    expected = [ctx.canonical(e) for e in epcs]
    assert state.Context().canonicals(epcs) == expected
    assert ctx.canonicals(epcs) == expected  # answered from the capture's memo
