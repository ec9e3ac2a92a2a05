"""zint-bindings in one place: building a symbol with GS1 checks as errors, its PNG/SVG and its module matrix."""

from __future__ import annotations

import numpy as np
import zint

from app.labels.errors import LabelError
from app.labels.raster import Matrix


def encode(
    symbology: zint.Symbology,
    data: str,
    *,
    gs1: bool = True,
    option_2: int = 0,
    option_3: int = 0,
    field: str | None = None,
) -> zint.Symbol:
    """A freshly encoded symbol (a new one per code: zint keeps ``errtxt`` across encodes).

    ``warn_level=FAIL_ALL`` makes every warning (a bad check digit, a date, CSET 82) an error.
    """
    symbol = zint.Symbol()
    symbol.symbology = symbology
    if gs1:
        symbol.input_mode = zint.InputMode.GS1
    if option_2:
        symbol.option_2 = option_2
    if option_3:
        symbol.option_3 = option_3
    symbol.warn_level = zint.WarningLevel.FAIL_ALL
    try:
        symbol.encode(data)
    except RuntimeError as exc:
        raise LabelError(f"zint cannot encode {data!r}: {exc}", field=field) from exc
    return symbol


def printed(symbol: zint.Symbol, fmt: str, module_px: int, dpi: int) -> bytes:
    """The symbol's PNG or SVG from zint's own writers, in memory (``outfile`` only picks the format)."""
    symbol.output_options = symbol.output_options | zint.OutputOptions.BARCODE_MEMORY_FILE
    symbol.outfile = "symbol." + fmt
    # zint's raster X-dimension is twice ``scale`` pixels; SVG units follow the same rule.
    symbol.scale = module_px / 2
    symbol.dpmm = dpi / 25.4
    try:
        symbol.print()
    except RuntimeError as exc:
        raise LabelError(f"zint cannot write {fmt}: {exc}") from exc
    if symbol.memfile is None:
        raise LabelError(f"zint wrote no {fmt} output")
    return bytes(symbol.memfile)


def matrix(symbol: zint.Symbol) -> Matrix:
    """The module matrix (dark = True) of an encoded symbol; zint packs each row LSB first."""
    rows, cols = symbol.rows, symbol.width
    packed = np.asarray(symbol.encoded_data)[:rows, : (cols + 7) // 8]
    return np.unpackbits(packed, axis=1, count=cols, bitorder="little").view(bool)
