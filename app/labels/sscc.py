"""GS1 logistic labels for an SSCC: ship-from/ship-to, content HRI, GS1-128 symbols; as PDF and PNG."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from app.labels.drawing import Drawing, Rule, text_width, to_pdf, to_png
from app.labels.errors import LabelError
from app.labels.gs1_128 import GS1_128_MAX_CHARACTERS, GS1_128_MIN_QUIET_ZONE, gs1_128_bars
from app.labels.options import MM_PER_INCH
from app.labels.payload import Gs1Payload, encoding_order, raw_of, validated
from epcis.gs1 import ElementString, Gs1Error, element_string, parse_yymmdd

PageSize = Literal["a6", "4x6"]
#: Page width x height in mm.
PAGE_SIZES: dict[str, tuple[float, float]] = {"a6": (105.0, 148.0), "4x6": (101.6, 152.4)}
MARGIN = 4.0
#: GS1 logistic label X-dimension: 0.495 mm minimum at the recommended size; narrower only to fit.
TARGET_MODULE_MM = 0.5
SSCC_BAR_MM = 27.0
CONTENT_BAR_MM = 18.0
SYMBOL_TEXT_MM = 5.0  # a symbol's HRI line under its bars
MAX_COUNT = 99_999_999  # (37) is N..8
PNG_DPI = 203  # thermal printers' resolution; also the README image's


@dataclass(frozen=True, slots=True)
class SsccContent:
    """What a homogeneous case or pallet holds: trade items (AI 02), their count (37), lot (10), expiry (17)."""

    gtin: str
    count: int
    lot: str | None = None
    expiry: str | None = None

    def mapping(self) -> dict[str, str]:
        """The content AIs in label order."""
        if type(self.count) is not int or not 1 <= self.count <= MAX_COUNT:
            raise LabelError(f"count must be from 1 to {MAX_COUNT}, got {self.count!r}", field="37")
        fields = {"02": self.gtin, "37": str(self.count)}
        if self.lot is not None:
            fields["10"] = self.lot
        if self.expiry is not None:
            fields["17"] = self.expiry
        return fields


@dataclass(frozen=True, slots=True)
class SsccLabel:
    """One logistic unit: its SSCC, multi-line ship-from and ship-to addresses, optional content."""

    sscc: str
    ship_from: str
    ship_to: str
    content: SsccContent | None = None


@dataclass(frozen=True, slots=True)
class SsccSymbols:
    """A label's validated data: the whole message, the (00) symbol and the content symbols (none, one, or
    two when one GS1-128 cannot carry it all)."""

    message: ElementString
    sscc: Gs1Payload
    contents: tuple[Gs1Payload, ...]

    @property
    def content_pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple(pair for symbol in self.contents for pair in symbol.pairs)


def label_symbols(data: SsccLabel) -> SsccSymbols:
    """Validate the label as one message (association rules span its symbols: (02) needs (37) and (00))."""
    head = {"00": data.sscc}
    content = data.content.mapping() if data.content else {}
    message = validated({**head, **content})
    sscc = Gs1Payload(message=message, raw=element_string(validated(head), form="raw"), pairs=(("00", data.sscc),))
    if not content:
        return SsccSymbols(message, sscc, ())
    whole = element_string(message, form="raw")
    # (00) is predefined-length and first, so the raw form is (00)'s followed by the content symbols'.
    if not whole.startswith(sscc.raw):
        raise LabelError(f"cannot split {whole!r} after the SSCC", field="00")
    # GS1-128 carries 48 characters: a content that needs more (a long lot) goes on two symbols, split
    # between element strings in encoding order, as GS1 logistic labels do.
    groups: list[list[tuple[str, str]]] = [[]]
    for pair in encoding_order(content.items()):
        if groups[-1] and len(raw_of([*groups[-1], pair])) > GS1_128_MAX_CHARACTERS:
            groups.append([])
        groups[-1].append(pair)
    symbols = tuple(Gs1Payload(message=message, raw=raw_of(group), pairs=tuple(group)) for group in groups)
    return SsccSymbols(message, sscc, symbols)


def _readable(ai: str, value: str) -> str:
    if ai != "17":
        return value
    try:
        date = parse_yymmdd(value, allow_day_zero=True, ai=ai)
    except Gs1Error as exc:  # already validated; kept for a clear error if called alone
        raise LabelError(f"invalid GS1 data: {exc}", field=ai) from exc
    return f"{value} ({date.date.strftime('%Y-%m') if date.day_zero else date.date.isoformat()})"


_CAPTIONS = {"02": "CONTENT", "37": "COUNT", "10": "BATCH/LOT", "17": "EXPIRY"}


def sscc_drawing(data: SsccLabel, size: PageSize = "a6", dpi: int | None = None) -> Drawing:
    """Lay out the label; with ``dpi`` the bar module is a whole number of pixels (for PNG)."""
    if size not in PAGE_SIZES:
        raise LabelError(f"size must be 'a6' or '4x6', got {size!r}", field="size")
    symbols = label_symbols(data)
    width, height = PAGE_SIZES[size]
    drawing = Drawing(width=width, height=height)
    inner = width - 2 * MARGIN
    # Top: ship from (left) and ship to (right).
    half = inner / 2
    block_bottom = MARGIN + 34.0
    for x, caption, text in ((MARGIN, "FROM", data.ship_from), (MARGIN + half + 2, "TO", data.ship_to)):
        drawing.text(x, MARGIN + 3, caption, 6)
        for index, line in enumerate(text.splitlines()[:7]):
            drawing.text(x, MARGIN + 7.5 + index * 3.8, line, 8.5, bold=index == 0)
    drawing.rules.append(Rule(MARGIN + half, MARGIN, MARGIN + half, block_bottom))
    drawing.rules.append(Rule(MARGIN, block_bottom, width - MARGIN, block_bottom))
    # Middle: the SSCC and the content in text.
    y = block_bottom + 5
    drawing.text(MARGIN, y, "SSCC", 6)
    drawing.text(MARGIN + 14, y + 1, data.sscc, 13, bold=True)
    y += 7
    for ai, value in symbols.content_pairs:
        drawing.text(MARGIN, y, _CAPTIONS.get(ai, ai), 6)
        drawing.text(MARGIN + 18, y, f"({ai}) {_readable(ai, value)}", 9)
        y += 4.5
    middle_bottom = y + 1
    drawing.rules.append(Rule(MARGIN, middle_bottom, width - MARGIN, middle_bottom))
    # Bottom: the content symbols, then the SSCC symbol last, each with its HRI under it.
    bottom = height - MARGIN
    bottom = _symbol(drawing, symbols.sscc, bottom, SSCC_BAR_MM, inner, dpi)
    if symbols.contents:
        room = bottom - middle_bottom - len(symbols.contents) * (3 + SYMBOL_TEXT_MM)
        bar = min(CONTENT_BAR_MM, room / len(symbols.contents))  # two symbols share the space of one
        for content in reversed(symbols.contents):
            bottom = _symbol(drawing, content, bottom - 3, bar, inner, dpi)
    return drawing


def _symbol(
    drawing: Drawing, payload: Gs1Payload, bottom: float, bar_height: float, room: float, dpi: int | None
) -> float:
    """Draw a GS1-128 symbol centred with its HRI below, ending at ``bottom``; returns its top."""
    bars = gs1_128_bars(payload)
    total = bars.shape[1] + 2 * GS1_128_MIN_QUIET_ZONE
    module = min(TARGET_MODULE_MM, room / total)
    if dpi is not None:
        pixel = MM_PER_INCH / dpi
        # Whole pixels, rounded to the nearest (3.996 px is 4): flooring would print bars under the minimum width.
        module = max(1, math.floor(module / pixel + 0.01)) * pixel
    symbol_width = bars.shape[1] * module
    x = (drawing.width - symbol_width) / 2
    if dpi is not None:
        x = round(x / pixel) * pixel
    hri_baseline = bottom - 1
    top = hri_baseline - 4 - bar_height
    drawing.matrix(bars, x, top, module, height=bar_height)
    hri = payload.hri
    drawing.text((drawing.width - text_width(hri, 9)) / 2, hri_baseline, hri, 9)
    return top


def sscc_label_pdf(data: SsccLabel, size: PageSize = "a6") -> bytes:
    """The logistic label as a one-page vector PDF (A6 or 4x6 in)."""
    return to_pdf(sscc_drawing(data, size), title=f"SSCC {data.sscc}")


def sscc_label_png(data: SsccLabel, size: PageSize = "a6", dpi: int = PNG_DPI) -> bytes:
    """The logistic label rasterised (bars on whole pixels) as a greyscale PNG."""
    return to_png(sscc_drawing(data, size, dpi=dpi), dpi)
