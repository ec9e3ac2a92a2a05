"""Fixtures for the label tests: decoding with zxing-cpp, and rasterising our own SVG and PDF output to decode it."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from reportlab import rl_config

Reader = Callable[[bytes | Image.Image], list[tuple[str, str]]]

_SVG_BOX = re.compile(r"M([\d.]+) ([\d.]+)h([\d.]+)v([\d.]+)h-[\d.]+z")
_VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')
_PDF_BOX = re.compile(r"n ([\d.\-]+) ([\d.\-]+) ([\d.]+) ([\d.]+) re f\*")
_MEDIABOX = re.compile(r"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]")
_PDF_TEXT = re.compile(r"\(((?:\\.|[^\\)])*)\) Tj")


def read(image: bytes | Image.Image) -> list[tuple[str, str]]:
    """(symbology identifier, text) of every code zxing-cpp finds, GS kept (TextMode.Plain)."""
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    found = zxingcpp.read_barcodes(image.convert("L"), text_mode=zxingcpp.TextMode.Plain)
    return [(result.symbology_identifier, result.text) for result in found]


def _paint(boxes: list[tuple[float, float, float, float]], size: tuple[int, int], scale: float) -> Image.Image:
    ink = np.zeros((size[1], size[0]), dtype=bool)
    for x, y, w, h in boxes:
        ink[round(y * scale) : round((y + h) * scale), round(x * scale) : round((x + w) * scale)] = True
    return Image.fromarray(np.where(ink, 0, 255).astype(np.uint8), mode="L")


def svg_raster(svg: bytes, scale: float) -> Image.Image:
    """Rasterise the rectangles of our SVG output (``M x y h w v h h -w z`` runs) at ``scale`` px per unit."""
    text = svg.decode()
    view = _VIEWBOX.search(text)
    assert view is not None
    width, height = float(view.group(1)), float(view.group(2))
    boxes = [tuple(float(v) for v in match.groups()) for match in _SVG_BOX.finditer(text)]
    return _paint(boxes, (round(width * scale), round(height * scale)), scale)  # type: ignore[arg-type]


def pdf_raster(pdf: bytes, dpi: int) -> Image.Image:
    """Rasterise the filled rectangles of an uncompressed reportlab PDF page (bars and modules, not text)."""
    text = pdf.decode("latin-1")
    media = _MEDIABOX.search(text)
    assert media is not None
    width, height = float(media.group(1)), float(media.group(2))
    boxes = []
    for match in _PDF_BOX.finditer(text):
        x, y, w, h = (float(v) for v in match.groups())
        boxes.append((x, height - y - h, w, h))
    return _paint(boxes, (round(width * dpi / 72), round(height * dpi / 72)), dpi / 72)


def pdf_texts(pdf: bytes) -> list[str]:
    """The strings shown with ``Tj`` in an uncompressed PDF, unescaped."""
    return [re.sub(r"\\(.)", r"\1", match) for match in _PDF_TEXT.findall(pdf.decode("latin-1"))]


@pytest.fixture
def plain_pdf() -> Iterator[None]:
    """reportlab output that is byte-for-byte repeatable and uncompressed, so tests can read the page."""
    saved = rl_config.invariant, rl_config.pageCompression
    rl_config.invariant, rl_config.pageCompression = 1, 0
    yield
    rl_config.invariant, rl_config.pageCompression = saved


@pytest.fixture(scope="session")
def codes() -> Reader:
    """``codes(image)``: what zxing-cpp reads, as (symbology identifier, text) pairs."""
    return read


@pytest.fixture
def svg_image() -> Callable[[bytes, float], Image.Image]:
    """``svg_image(svg, scale)``: our SVG's rectangles drawn at ``scale`` px per user unit."""
    return svg_raster


@pytest.fixture
def pdf_image() -> Callable[[bytes, int], Image.Image]:
    """``pdf_image(pdf, dpi)``: the page's filled rectangles drawn at ``dpi``."""
    return pdf_raster


@pytest.fixture
def pdf_strings() -> Callable[[bytes], list[str]]:
    """``pdf_strings(pdf)``: the text strings on the page, in drawing order."""
    return pdf_texts
