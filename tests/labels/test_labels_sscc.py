"""SSCC logistic labels: PDF text and symbols, PNG symbols, optional poppler rasterisation, and ZPL II output."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from app.labels import LabelError, SsccContent, SsccLabel, sscc_label_pdf, sscc_label_png, sscc_label_zpl
from app.labels.payload import gs1_payload
from app.labels.zpl import code128_field

Reader = Callable[[bytes | Image.Image], list[tuple[str, str]]]

SSCC = "106141412345678908"
LABEL = SsccLabel(
    sscc=SSCC,
    ship_from="Example Pharma GmbH\nIndustriestrasse 1\n12345 Musterstadt",
    ship_to="Example Wholesale Ltd\n1 Dock Road\nLondon E1 1AA",
    content=SsccContent(gtin="09506000134352", count=24, lot="ABC123", expiry="271200"),
)
CONTENT_RAW = "0209506000134352172712003724\x1d10ABC123"
SYMBOLS = [("]C1", CONTENT_RAW), ("]C1", "00" + SSCC)]


@pytest.mark.usefixtures("plain_pdf")
@pytest.mark.parametrize(
    ("size", "media"), [("a6", b"/MediaBox [ 0 0 297.6378 419.5276 ]"), ("4x6", b"[ 0 0 288 432 ]")]
)
def test_pdf_layout_text_and_symbols(
    size: str,
    media: bytes,
    codes: Reader,
    pdf_image: Callable[[bytes, int], Image.Image],
    pdf_strings: Callable[[bytes], list[str]],
) -> None:
    pdf = sscc_label_pdf(LABEL, size)  # type: ignore[arg-type]
    assert media in pdf
    assert pdf_strings(pdf) == [
        "FROM",
        "Example Pharma GmbH",
        "Industriestrasse 1",
        "12345 Musterstadt",
        "TO",
        "Example Wholesale Ltd",
        "1 Dock Road",
        "London E1 1AA",
        "SSCC",
        SSCC,
        "CONTENT",
        "(02) 09506000134352",
        "EXPIRY",
        "(17) 271200 (2027-12)",
        "COUNT",
        "(37) 24",
        "BATCH/LOT",
        "(10) ABC123",
        f"(00) {SSCC}",
        "(02) 09506000134352 (17) 271200 (37) 24 (10) ABC123",
    ]
    # The bars are vector rectangles: drawn at 400 dpi they scan, content symbol above the SSCC.
    assert codes(pdf_image(pdf, 400)) == SYMBOLS


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (Debian poppler-utils) is not installed")
def test_pdf_rasterised_by_poppler(tmp_path: Path, codes: Reader) -> None:
    pdf = tmp_path / "label.pdf"
    pdf.write_bytes(sscc_label_pdf(LABEL))
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert codes((tmp_path / "page-1.png").read_bytes()) == SYMBOLS


def test_png_symbols(codes: Reader) -> None:
    png = sscc_label_png(LABEL)
    image = Image.open(io.BytesIO(png))
    assert image.size == (839, 1183)  # A6 at 203 dpi
    assert codes(png) == SYMBOLS


def test_label_without_content(codes: Reader) -> None:
    label = SsccLabel(sscc=SSCC, ship_from="A", ship_to="B")
    assert codes(sscc_label_png(label, "4x6")) == [("]C1", "00" + SSCC)]


@pytest.mark.parametrize(
    ("label", "field", "message"),
    [
        (
            SsccLabel(sscc="106141412345678907", ship_from="A", ship_to="B"),
            "00",
            "invalid GS1 data: (00) 106141412345678907: check digit 7 is wrong, expected 8",
        ),
        (
            SsccLabel(sscc=SSCC, ship_from="A", ship_to="B", content=SsccContent("09506000134352", 0)),
            "37",
            "count must be from 1 to 99999999, got 0",
        ),
    ],
)
def test_invalid_labels(label: SsccLabel, field: str, message: str) -> None:
    for render in (sscc_label_pdf, sscc_label_png, sscc_label_zpl):
        with pytest.raises(LabelError) as caught:
            render(label)
        assert str(caught.value) == message
        assert caught.value.field == field


def test_unknown_page_size() -> None:
    with pytest.raises(LabelError) as caught:
        sscc_label_pdf(LABEL, "a4")  # type: ignore[arg-type]
    assert str(caught.value) == "size must be 'a6' or '4x6', got 'a4'"


def test_zpl_document() -> None:
    zpl = sscc_label_zpl(LABEL)
    lines = zpl.splitlines()
    assert lines[:5] == ["^XA", "^CI28", "^PW812", "^LL1218", "^LH0,0"]
    assert lines[-1] == "^XZ"
    assert "^FO24,52^A0N,26,26^FH^FDExample Pharma GmbH^FS" in lines
    # GS1-128 in mode N with explicit start C (>;) and FNC1 (>8); the (00) symbol comes last.
    assert "^FO94,940^BCN,220,N,N,N,N^FD>;>800106141412345678908^FS" in lines
    content = "^FO118,700^BCN,170,N,N,N,N^FD>;>80209506000134352172712003724>810>6ABC123^FS"
    assert lines.index(content) < lines.index("^FO94,940^BCN,220,N,N,N,N^FD>;>800106141412345678908^FS")
    # DataMatrix alternative: ECC 200 with "_" as escape character, _1 = FNC1 in first position.
    assert "^FO620,24^BXN,8,200,0,0,6,_^FD_100106141412345678908^FS" in lines


@pytest.mark.parametrize(
    ("mapping", "field"),
    [
        ({"00": SSCC}, ">;>800106141412345678908"),
        # An odd digit run ends in subset B; ">" is doubled as "><"; four digits switch back to C.
        ({"01": "09506000134352", "10": "A>1", "21": "12345"}, ">;>8010950600013435210>6A><1>82>5112345"),
        ({"01": "09506000134352", "21": "S_1"}, ">;>8010950600013435221>6S_1"),
    ],
)
def test_code128_field_data(mapping: dict[str, str], field: str) -> None:
    assert code128_field(gs1_payload(mapping)) == field


def test_zpl_escapes_text() -> None:
    label = SsccLabel(sscc=SSCC, ship_from="Stra\u00dfe ^1 ~2 _3", ship_to="B")
    assert "^FO24,52^A0N,26,26^FH^FDStra_C3_9Fe _5E1 _7E2 _5F3^FS" in sscc_label_zpl(label).splitlines()


def test_png_sscc_bars_are_at_least_the_minimum_width() -> None:
    """At 203 dpi a pixel is 0.125 mm: the (00) symbol's narrowest bar must be 4 pixels (0.5 mm), not 3."""
    image = Image.open(io.BytesIO(sscc_label_png(LABEL))).convert("L")
    width, height = image.size
    pixels = image.load()

    def runs(y: int) -> list[int]:
        out, run = [], 0
        for x in range(width):
            if pixels[x, y] < 128:
                run += 1
            elif run:
                out.append(run)
                run = 0
        return out

    # The (00) symbol is the lowest barcode: the lowest row of 30+ bars repeated over 20 rows (text never is).
    y = next(
        y for y in range(height - 21, 0, -1) if len(runs(y)) > 30 and all(runs(y - k) == runs(y) for k in range(20))
    )
    assert min(runs(y)) * 25.4 / 203 >= 0.495, runs(y)


LONG = SsccLabel(
    sscc=SSCC,
    ship_from=LABEL.ship_from,
    ship_to=LABEL.ship_to,
    content=SsccContent(gtin="09506000134352", count=24, lot="ABCDEFGHIJKLMNOPQRST", expiry="271231"),
)


def test_a_content_one_gs1_128_cannot_carry_goes_on_two(codes: Reader) -> None:
    """(02)(17)(37)(10) with a 20-character lot is 51 characters, over GS1-128's 48: two symbols carry it,
    split between element strings, and together they read as the whole content."""
    png = sscc_label_png(LONG)
    read = codes(png)
    assert ("]C1", "00" + SSCC) in read
    contents = [text for prefix, text in read if prefix == "]C1" and not text.startswith("00")]
    assert sorted(contents) == sorted(["0209506000134352172712313724", "10ABCDEFGHIJKLMNOPQRST"])
    assert all(len(text) <= 48 for text in contents)
    assert sscc_label_pdf(LONG).startswith(b"%PDF")
    zpl = sscc_label_zpl(LONG)
    fields = [line for line in zpl.splitlines() if "^BCN" in line]
    assert len(fields) == 3  # two content symbols and the SSCC's
