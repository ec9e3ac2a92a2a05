"""A tiny label drawing model (boxes, rules, text in mm, top-left origin) and its PDF, PNG and SVG painters."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache
from xml.sax.saxutils import escape

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.labels.options import MM_PER_INCH
from app.labels.raster import Matrix, runs

PT_TO_MM = MM_PER_INCH / 72
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"


@dataclass(frozen=True, slots=True)
class Box:
    """A filled black rectangle (a module run or a bar)."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Rule:
    """A straight black line ``weight`` mm thick."""

    x1: float
    y1: float
    x2: float
    y2: float
    weight: float = 0.3


@dataclass(frozen=True, slots=True)
class Text:
    """One line of text; ``y`` is the baseline, ``size`` in points."""

    x: float
    y: float
    text: str
    size: float
    bold: bool = False


@dataclass(slots=True)
class Drawing:
    """A label page ``width`` x ``height`` mm and what is drawn on it, in order."""

    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)

    def matrix(self, modules: Matrix, x: float, y: float, module: float, height: float | None = None) -> None:
        """Add a module matrix at (x, y) with ``module`` mm modules; ``height`` stretches 1-row symbols (bars)."""
        row_height = module if height is None else height
        for row, col, length in runs(modules):
            self.boxes.append(Box(x + col * module, y + row * row_height, length * module, row_height))

    def text(self, x: float, y: float, text: str, size: float, bold: bool = False) -> None:
        """Add a line of text with its baseline at ``y``."""
        self.texts.append(Text(x, y, text, size, bold))


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width in mm of ``text`` set in Helvetica at ``size`` points."""
    return stringWidth(text, FONT_BOLD if bold else FONT, size) * PT_TO_MM


def to_pdf(drawing: Drawing, title: str) -> bytes:
    """A one-page vector PDF of ``drawing`` (text stays text: it can be searched and copied)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(drawing.width * mm, drawing.height * mm))
    canvas.setTitle(title)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setStrokeColorRGB(0, 0, 0)
    top = drawing.height
    for box in drawing.boxes:
        canvas.rect(box.x * mm, (top - box.y - box.height) * mm, box.width * mm, box.height * mm, stroke=0, fill=1)
    for rule in drawing.rules:
        canvas.setLineWidth(rule.weight * mm)
        canvas.line(rule.x1 * mm, (top - rule.y1) * mm, rule.x2 * mm, (top - rule.y2) * mm)
    for text in drawing.texts:
        canvas.setFont(FONT_BOLD if text.bold else FONT, text.size)
        canvas.drawString(text.x * mm, (top - text.y) * mm, text.text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@cache
def _font(pixels: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """reportlab's own outline font for Helvetica (same metrics as the PDF), else Pillow's default."""
    try:
        path = getFont(FONT_BOLD if bold else FONT).face.findT1File()
        return ImageFont.truetype(path, pixels)
    except (OSError, AttributeError, TypeError):
        return ImageFont.load_default(size=pixels)


def to_png(drawing: Drawing, dpi: int) -> bytes:
    """A greyscale PNG of ``drawing`` at ``dpi``; box edges are rounded to whole pixels one by one."""
    scale = dpi / MM_PER_INCH
    size = (round(drawing.width * scale), round(drawing.height * scale))
    ink = np.zeros((size[1], size[0]), dtype=bool)
    for box in drawing.boxes:
        x0, y0 = round(box.x * scale), round(box.y * scale)
        ink[y0 : round((box.y + box.height) * scale), x0 : round((box.x + box.width) * scale)] = True
    image = Image.fromarray(np.where(ink, 0, 255).astype(np.uint8), mode="L")
    pen = ImageDraw.Draw(image)
    for rule in drawing.rules:
        width = max(1, round(rule.weight * scale))
        pen.line([(rule.x1 * scale, rule.y1 * scale), (rule.x2 * scale, rule.y2 * scale)], fill=0, width=width)
    for text in drawing.texts:
        font = _font(max(6, round(text.size / 72 * dpi)), text.bold)
        pen.text((text.x * scale, text.y * scale), text.text, fill=0, font=font, anchor="ls")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi), optimize=True)
    return buffer.getvalue()


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def to_svg(drawing: Drawing) -> bytes:
    """An SVG of ``drawing`` in mm user units (one ``path`` for all boxes, ``text`` elements for text)."""
    width, height = _n(drawing.width), _n(drawing.height)
    path = "".join(f"M{_n(b.x)} {_n(b.y)}h{_n(b.width)}v{_n(b.height)}h{_n(-b.width)}z" for b in drawing.boxes)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<path fill="#000000" shape-rendering="crispEdges" d="{path}"/>',
    ]
    parts.extend(
        f'<line x1="{_n(r.x1)}" y1="{_n(r.y1)}" x2="{_n(r.x2)}" y2="{_n(r.y2)}" stroke="#000000" '
        f'stroke-width="{_n(r.weight)}"/>'
        for r in drawing.rules
    )
    for t in drawing.texts:
        weight = ' font-weight="bold"' if t.bold else ""
        parts.append(
            f'<text x="{_n(t.x)}" y="{_n(t.y)}" font-family="Helvetica, Arial, sans-serif" '
            f'font-size="{_n(t.size * PT_TO_MM)}"{weight}>{escape(t.text)}</text>'
        )
    parts.append("</svg>\n")
    return "".join(parts).encode("utf-8")
