"""Digital Link QR (plain QR, ]Q1, exact URI) and GS1-128 (]C1, raw element string) rendering."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from app.labels import LabelError, RenderOptions, digital_link_qr, gs1_128

Reader = Callable[[bytes | Image.Image], list[tuple[str, str]]]

URI = "https://id.gs1.org/01/09506000134352/10/ABC%2F1/21/XYZ98765?17=270131"


@pytest.mark.parametrize("level", ["L", "M", "Q", "H"])
def test_qr_carries_the_exact_uri(level: str, codes: Reader) -> None:
    png = digital_link_qr(URI, RenderOptions(module_px=3), error_correction=level)  # type: ignore[arg-type]
    assert codes(png) == [("]Q1", URI)]


def test_qr_on_a_brand_domain_and_quiet_zone(codes: Reader) -> None:
    uri = "https://example.com/products/01/09506000134352/21/S1"
    image = Image.open(io.BytesIO(digital_link_qr(uri, RenderOptions(module_px=2, quiet_zone=1))))
    assert codes(image) == [("]Q1", uri)]
    # The quiet zone is raised to the QR minimum of four modules.
    grey = image.convert("L")
    assert grey.getpixel((7, 7)) == 255
    assert grey.getpixel((8, 8)) == 0


def test_qr_svg(codes: Reader, svg_image: Callable[[bytes, float], Image.Image]) -> None:
    svg = digital_link_qr(URI, RenderOptions(fmt="svg", module_mm=0.5))
    text = svg.decode()
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="')
    assert codes(svg_image(svg, 4)) == [("]Q1", URI)]


@pytest.mark.parametrize(
    ("uri", "field", "message"),
    [
        (
            "https://id.gs1.org/01/09506000134353",
            "01",
            "invalid GS1 Digital Link: (01) 09506000134353: check digit 3 is wrong, expected 2",
        ),
        ("0109506000134352", "uri", "invalid GS1 Digital Link: '0109506000134352': scheme is not http:// or https://"),
    ],
)
def test_qr_rejects_an_invalid_digital_link(uri: str, field: str, message: str) -> None:
    with pytest.raises(LabelError) as caught:
        digital_link_qr(uri)
    assert str(caught.value) == message
    assert caught.value.field == field


def test_qr_rejects_an_unknown_error_correction() -> None:
    with pytest.raises(LabelError) as caught:
        digital_link_qr(URI, error_correction="X")  # type: ignore[arg-type]
    assert str(caught.value) == "error_correction must be 'L', 'M', 'Q' or 'H', got 'X'"


@pytest.mark.parametrize(
    ("mapping", "raw"),
    [
        ({"00": "106141412345678908"}, "00106141412345678908"),
        ({"37": "24", "00": "106141412345678908", "02": "09506000134352"}, "0010614141234567890802095060001343523724"),
        ({"21": "S1", "10": "AB", "01": "09506000134352"}, "010950600013435221S1\x1d10AB"),
    ],
)
def test_gs1_128_png(mapping: dict[str, str], raw: str, codes: Reader) -> None:
    assert codes(gs1_128(mapping, RenderOptions(module_px=2))) == [("]C1", raw)]


def test_gs1_128_svg_has_the_hri_text() -> None:
    svg = gs1_128({"00": "106141412345678908"}, RenderOptions(fmt="svg")).decode()
    assert "<svg" in svg
    assert "(00)106141412345678908" in svg


def test_gs1_128_limits() -> None:
    with pytest.raises(LabelError) as caught:
        gs1_128({"01": "09506000134352", "10": "A" * 20, "21": "B" * 20})
    assert str(caught.value) == (
        "GS1-128 carries at most 48 characters, (01) 09506000134352 (10) AAAAAAAAAAAAAAAAAAAA "
        "(21) BBBBBBBBBBBBBBBBBBBB has 61"
    )
    with pytest.raises(LabelError) as invalid:
        gs1_128({"00": "106141412345678907"})
    assert str(invalid.value) == "invalid GS1 data: (00) 106141412345678907: check digit 7 is wrong, expected 8"
