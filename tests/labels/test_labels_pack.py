"""Pack labels: the DataMatrix decodes from PNG, SVG and the vector PDF; the HRI block says PC/SN/Lot/Exp/NN."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from app.labels import LabelError, PackLabel, RenderOptions, pack_label

Reader = Callable[[bytes | Image.Image], list[tuple[str, str]]]

LABEL = PackLabel(
    gtin="09506000134352",
    serial="XYZ98765ABCD",
    lot="ABC123",
    expiry="271200",
    nhrn=("710", "12345678"),
    product_name="Examplomab 40 mg",
)
RAW = "01095060001343521727120071012345678\x1d10ABC123\x1d21XYZ98765ABCD"
LINES = [
    "Examplomab 40 mg",
    "PC: 09506000134352",
    "SN: XYZ98765ABCD",
    "Lot: ABC123",
    "Exp: 271200 (2027-12)",
    "PZN: 12345678",
]


def test_png_decodes(codes: Reader) -> None:
    assert codes(pack_label(LABEL, "png")) == [("]d2", RAW)]


@pytest.mark.usefixtures("plain_pdf")
def test_pdf_text_and_vector_symbol(
    codes: Reader, pdf_image: Callable[[bytes, int], Image.Image], pdf_strings: Callable[[bytes], list[str]]
) -> None:
    pdf = pack_label(LABEL, "pdf")
    assert pdf.startswith(b"%PDF-")
    assert pdf_strings(pdf) == LINES
    assert b"/Title (Pack label 09506000134352 XYZ98765ABCD)" in pdf
    assert codes(pdf_image(pdf, 600)) == [("]d2", RAW)]
    assert pack_label(LABEL, "pdf") == pdf  # invariant mode: repeatable output


def test_svg_text_and_symbol(codes: Reader, svg_image: Callable[[bytes, float], Image.Image]) -> None:
    svg = pack_label(LABEL, "svg").decode()
    for line in LINES:
        assert f">{line}</text>" in svg
    assert codes(svg_image(svg.encode(), 24)) == [("]d2", RAW)]


def test_dscsa_pack_with_ndc_and_day(codes: Reader) -> None:
    label = PackLabel(gtin="00312345678906", serial="100000000001", lot="L1", expiry="280229", ndc="12345-678-90")
    png = pack_label(label, "png", RenderOptions(module_px=4))
    assert codes(png) == [("]d2", "01003123456789061728022910L1\x1d21100000000001")]


@pytest.mark.usefixtures("plain_pdf")
def test_dscsa_lines(pdf_strings: Callable[[bytes], list[str]]) -> None:
    label = PackLabel(gtin="00312345678906", serial="100000000001", lot="L1", expiry="280229", ndc="12345-678-90")
    assert pdf_strings(pack_label(label, "pdf")) == [
        "PC: 00312345678906",
        "SN: 100000000001",
        "Lot: L1",
        "Exp: 280229 (2028-02-29)",
        "NDC: 12345-678-90",
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"gtin": "09506000134353"}, "01", "invalid GS1 data: (01) 09506000134353: check digit 3 is wrong, expected 2"),
        ({"expiry": "271301"}, "17", "invalid GS1 data: (17) 271301: month 13 is not 01-12"),
        ({"serial": "XYZ 1"}, "21", "invalid GS1 data: (21) XYZ 1: character ' ' at position 4 is not in CSET 82"),
        ({"nhrn": ("720", "1")}, "nhrn", "nhrn AI must be one of 710-717, got '720'"),
    ],
)
def test_invalid_pack_data(changes: dict[str, object], field: str, message: str) -> None:
    fields = {
        "gtin": LABEL.gtin,
        "serial": LABEL.serial,
        "lot": LABEL.lot,
        "expiry": LABEL.expiry,
        "nhrn": LABEL.nhrn,
        **changes,
    }
    with pytest.raises(LabelError) as caught:
        pack_label(PackLabel(**fields), "pdf")  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert caught.value.field == field


def test_unknown_format() -> None:
    with pytest.raises(LabelError) as caught:
        pack_label(LABEL, "jpg")  # type: ignore[arg-type]
    assert str(caught.value) == "fmt must be 'png', 'svg' or 'pdf', got 'jpg'"


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="pdftoppm/pdftotext (Debian poppler-utils) are not installed",
)
def test_pdf_read_by_poppler(tmp_path: Path, codes: Reader) -> None:
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(pack_label(LABEL, "pdf"))
    subprocess.run(["pdftoppm", "-r", "600", "-gray", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert codes((tmp_path / "page-1.png").read_bytes()) == [("]d2", RAW)]
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert [line for line in text.splitlines() if line.strip()] == LINES
