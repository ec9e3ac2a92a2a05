"""Pack labels for EU FMD and US DSCSA: the GS1 DataMatrix beside its human-readable block (PC/SN/Lot/Exp/NN)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.labels.datamatrix import get_backend
from app.labels.drawing import Drawing, text_width, to_pdf, to_png, to_svg
from app.labels.errors import LabelError
from app.labels.options import RenderOptions
from epcis.gs1 import Gs1Error, parse_yymmdd

#: What the national number line is called on packs, per NHRN AI (EU FMD prints "NN" generically).
NHRN_LABELS = {
    "710": "PZN",
    "711": "NN",
    "712": "NN",
    "713": "NN",
    "714": "NN",
    "715": "NDC",
    "716": "NN",
    "717": "NN",
}
TEXT_PT = 7.0
LINE_MM = 3.4
GAP_MM = 2.0


@dataclass(frozen=True, slots=True)
class PackLabel:
    """The unique identifier of one pack: GTIN, serial, lot, expiry (YYMMDD, DD may be 00), optional NHRN.

    ``nhrn`` is ``(AI, value)`` with AI 710-717, e.g. ``("710", "12345678")`` (German PZN); it is
    encoded in the symbol. ``product_name`` and ``ndc`` are printed only.
    """

    gtin: str
    serial: str
    lot: str
    expiry: str
    nhrn: tuple[str, str] | None = None
    product_name: str | None = None
    ndc: str | None = None

    def mapping(self) -> dict[str, str]:
        """The symbol's AIs: (01) (17) [(71x)] (10) (21), so only one GS separator precedes (21)."""
        fields = {"01": self.gtin, "17": self.expiry}
        if self.nhrn is not None:
            ai, value = self.nhrn
            if ai not in NHRN_LABELS:
                raise LabelError(f"nhrn AI must be one of 710-717, got {ai!r}", field="nhrn")
            fields[ai] = value
        fields["10"] = self.lot
        fields["21"] = self.serial
        return fields

    def lines(self) -> list[tuple[str, bool]]:
        """The human-readable block, top to bottom, as (text, bold)."""
        try:
            expiry = parse_yymmdd(self.expiry, allow_day_zero=True, ai="17")
        except Gs1Error as exc:
            raise LabelError(f"invalid GS1 data: {exc}", field="17") from exc
        readable = expiry.date.strftime("%Y-%m") if expiry.day_zero else expiry.date.isoformat()
        lines = [(self.product_name, True)] if self.product_name else []
        lines += [
            (f"PC: {self.gtin}", False),
            (f"SN: {self.serial}", False),
            (f"Lot: {self.lot}", False),
            (f"Exp: {self.expiry} ({readable})", False),
        ]
        if self.nhrn is not None:
            lines.append((f"{NHRN_LABELS[self.nhrn[0]]}: {self.nhrn[1]}", False))
        if self.ndc:
            lines.append((f"NDC: {self.ndc}", False))
        return lines


def pack_drawing(data: PackLabel, options: RenderOptions = RenderOptions(), backend: str = "zint") -> Drawing:
    """Lay out the label: the DataMatrix (with its quiet zone) left, the text block right."""
    modules = get_backend(backend).matrix(data.mapping(), options)
    lines = data.lines()
    module = options.module_size_mm
    margin = max(options.quiet_zone * module, GAP_MM)
    symbol_width, symbol_height = modules.shape[1] * module, modules.shape[0] * module
    text_x = margin + symbol_width + GAP_MM
    widest = max(text_width(text, TEXT_PT, bold) for text, bold in lines)
    text_height = len(lines) * LINE_MM
    height = max(symbol_height + 2 * margin, text_height + 2 * GAP_MM)
    drawing = Drawing(width=text_x + widest + GAP_MM, height=height)
    drawing.matrix(modules, margin, (height - symbol_height) / 2, module)
    baseline = (height - text_height) / 2 + LINE_MM * 0.8
    for text, bold in lines:
        drawing.text(text_x, baseline, text, TEXT_PT, bold)
        baseline += LINE_MM
    return drawing


def pack_label(data: PackLabel, fmt: Literal["png", "svg", "pdf"], options: RenderOptions = RenderOptions()) -> bytes:
    """The pack label as PNG (at ``options.dpi``), SVG or vector PDF; invalid data raises ``LabelError``."""
    if fmt not in ("png", "svg", "pdf"):
        raise LabelError(f"fmt must be 'png', 'svg' or 'pdf', got {fmt!r}", field="fmt")
    drawing = pack_drawing(data, options)
    if fmt == "pdf":
        return to_pdf(drawing, title=f"Pack label {data.gtin} {data.serial}")
    if fmt == "svg":
        return to_svg(drawing)
    return to_png(drawing, options.dpi)
