"""GS1 DataMatrix with both backends: decoded content (]d2 + raw element string), sizes, SVG, invalid payloads."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from app.labels import BackendUnavailable, LabelError, RenderOptions, available_backends, datamatrix, libdmtx, zintsym
from app.labels.datamatrix import BACKENDS as ALL_BACKENDS
from epcis.gs1 import element_string

Reader = Callable[[bytes | Image.Image], list[tuple[str, str]]]

PACK = {"01": "09506000134352", "17": "270131", "10": "ABC123", "21": "XYZ98765"}
PACK_RAW = "01095060001343521727013110ABC123\x1d21XYZ98765"
BACKENDS = [
    "zint",
    pytest.param(
        "libdmtx",
        marks=pytest.mark.skipif(not libdmtx.available(), reason="libdmtx >= 0.7.5 (Debian libdmtx0b) not installed"),
    ),
]


def test_raw_form_is_what_the_symbols_carry() -> None:
    assert element_string(PACK, form="raw") == PACK_RAW


@pytest.mark.parametrize("backend", BACKENDS)
def test_png_decodes_to_fnc1_element_string(backend: str, codes: Reader) -> None:
    png = datamatrix(PACK, RenderOptions(), backend=backend)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert codes(png) == [("]d2", PACK_RAW)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_separators_follow_the_predefined_length_table(backend: str, codes: Reader) -> None:
    # (7003) is fixed-length N10 but not predefined: it needs a GS; (11) and (17) are predefined and go first.
    mapping = {"21": "S1", "7003": "2701311200", "01": "09506000134352", "11": "250101", "10": "L(1)"}
    expected = "01095060001343521125010121S1\x1d70032701311200\x1d10L(1)"
    assert element_string(mapping, form="raw") == expected
    assert codes(datamatrix(mapping, backend=backend)) == [("]d2", expected)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_png_size_and_resolution_follow_the_options(backend: str) -> None:
    options = RenderOptions(module_mm=0.5, dpi=300, quiet_zone=2)  # 6 px modules
    image = Image.open(io.BytesIO(datamatrix(PACK, options, backend=backend)))
    assert image.size == ((22 + 4) * 6, (22 + 4) * 6)  # this payload fits 22x22 with either encoder
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    # The quiet zone is light and the finder pattern's left column is dark.
    grey = image.convert("L")
    assert grey.getpixel((11, 60)) == 255
    assert grey.getpixel((12, 60)) == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_svg_structure_and_decoding(
    backend: str, codes: Reader, svg_image: Callable[[bytes, float], Image.Image]
) -> None:
    svg = datamatrix(PACK, RenderOptions(fmt="svg", module_mm=0.4, quiet_zone=2), backend=backend)
    text = svg.decode()
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="10.4mm" height="10.4mm" ')
    assert 'viewBox="0 0 26 26"' in text
    assert text.count("<path ") == 1
    # The bottom finder row (row 21 of the matrix, y = 21 + 2 quiet modules) is one 22-module run.
    assert "M2 23h22v1h-22z" in text
    assert codes(svg_image(svg, 6)) == [("]d2", PACK_RAW)]


def test_svg_in_pixels_without_module_mm() -> None:
    svg = datamatrix(PACK, RenderOptions(fmt="svg", module_px=3)).decode()
    assert 'width="72" height="72" viewBox="0 0 24 24"' in svg


@pytest.mark.parametrize("backend", BACKENDS)
def test_rectangular_symbol(backend: str, codes: Reader) -> None:
    image = Image.open(io.BytesIO(datamatrix(PACK, RenderOptions(shape="rectangular", module_px=4), backend=backend)))
    assert image.size == ((36 + 2) * 4, (16 + 2) * 4)  # the ISO 16x36 size
    assert codes(image) == [("]d2", PACK_RAW)]


def test_dmre_rectangle_with_zint(codes: Reader) -> None:
    # Too long for the ISO rectangles (16x48 holds 49 digits): zint picks a DMRE size.
    mapping = {**PACK, "10": "LOT1234567890ABCDEFG", "21": "SER1234567890ABCDEFG"}
    png = datamatrix(mapping, RenderOptions(shape="rectangular", module_px=4))
    image = Image.open(io.BytesIO(png))
    assert image.size == ((36 + 2) * 4, (20 + 2) * 4)  # DMRE 20x36
    # ISO/IEC 21471 readers report DMRE with the modifier raised by 6: GS1 is ]d8, not ]d2.
    assert codes(image) == [("]d8", element_string(mapping, form="raw"))]


@pytest.mark.skipif(not libdmtx.available(), reason="libdmtx >= 0.7.5 (Debian libdmtx0b) not installed")
def test_libdmtx_rectangles_stop_at_16x48() -> None:
    mapping = {**PACK, "10": "lot-abcdefghijklmnop", "21": "ser-abcdefghijklmnop"}  # 56 codewords, 16x48 has 49
    with pytest.raises(LabelError) as caught:
        datamatrix(mapping, RenderOptions(shape="rectangular"), backend="libdmtx")
    assert str(caught.value) == "libdmtx cannot encode 69 characters in a rectangular symbol"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("mapping", "field", "message"),
    [
        ({"01": "09506000134353"}, "01", "(01) 09506000134353: check digit 3 is wrong, expected 2"),
        ({"01": "09506000134352", "17": "271301"}, "17", "(17) 271301: month 13 is not 01-12"),
        ({"01": "09506000134352", "17": "270229"}, "17", "(17) 270229: day 29 is not 00-28 for 2027-02"),
        ({"01": "09506000134352", "21": "AB 12"}, "21", "(21) AB 12: character ' ' at position 3 is not in CSET 82"),
        ({"01": "09506000134352", "10": "L" * 22}, "10", f"(10) {'L' * 22}: 22 characters, expected 1 to 20"),
        ({"01": "09506000134352", "21": "S" * 21}, "21", f"(21) {'S' * 21}: 21 characters, expected 1 to 20"),
        ({"21": "ABC"}, "21", "(21) ABC: requires (01), (03) or (8006)"),
    ],
)
def test_invalid_payload_never_reaches_an_encoder(
    backend: str, mapping: dict[str, str], field: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_encoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("the encoder was called")

    monkeypatch.setattr(zintsym, "encode", no_encoding)
    monkeypatch.setattr(libdmtx, "gs1_matrix", no_encoding)
    with pytest.raises(LabelError) as caught:
        datamatrix(mapping, backend=backend)
    assert str(caught.value) == f"invalid GS1 data: {message}"
    assert caught.value.field == field


def test_empty_mapping() -> None:
    with pytest.raises(LabelError) as caught:
        datamatrix({})
    assert str(caught.value) == "invalid GS1 data: no AIs given"


def test_unknown_and_unavailable_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(LabelError) as caught:
        datamatrix(PACK, backend="dmtx")
    assert str(caught.value) == "unknown DataMatrix backend 'dmtx': expected one of libdmtx, zint"
    assert not isinstance(caught.value, BackendUnavailable)
    monkeypatch.setattr(libdmtx, "_library", lambda: None)
    assert available_backends() == ["zint"]
    with pytest.raises(BackendUnavailable) as missing:
        datamatrix(PACK, backend="libdmtx")
    assert str(missing.value) == "DataMatrix backend 'libdmtx' is not available here"
    assert missing.value.field == "backend"


@pytest.mark.skipif(not libdmtx.available(), reason="libdmtx >= 0.7.5 (Debian libdmtx0b) not installed")
def test_both_backends_listed_and_matrices_agree_in_content(codes: Reader) -> None:
    assert available_backends() == ["zint", "libdmtx"]
    zint_matrix = ALL_BACKENDS["zint"].matrix(PACK, RenderOptions())
    dmtx_matrix = ALL_BACKENDS["libdmtx"].matrix(PACK, RenderOptions())
    assert zint_matrix.shape == dmtx_matrix.shape == (22, 22)
    # Finder pattern: solid left column and bottom row, alternating top row and right column.
    for matrix in (zint_matrix, dmtx_matrix):
        assert matrix[:, 0].all() and matrix[-1, :].all()
        assert list(matrix[0, :4]) == [True, False, True, False]


def test_libdmtx_reports_itself_unavailable_without_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    from pylibdmtx import dmtx_library

    def missing() -> None:
        raise ImportError("Unable to find dmtx shared library")

    monkeypatch.setattr(dmtx_library, "load", missing)
    libdmtx._library.cache_clear()
    try:
        assert not libdmtx.available()
        assert available_backends() == ["zint"]
        with pytest.raises(BackendUnavailable) as caught:
            libdmtx.gs1_matrix(PACK_RAW)
        assert str(caught.value) == "libdmtx >= 0.7.5 is not installed (Debian package libdmtx0b)"
    finally:
        libdmtx._library.cache_clear()


@pytest.mark.parametrize("backend", BACKENDS)
def test_smallest_rectangle(backend: str, codes: Reader) -> None:
    png = datamatrix({"01": "09506000134352"}, RenderOptions(shape="rectangular", module_px=4), backend=backend)
    image = Image.open(io.BytesIO(png))
    assert image.size == ((32 + 2) * 4, (8 + 2) * 4)  # 8x32
    assert codes(image) == [("]d2", "0109506000134352")]
