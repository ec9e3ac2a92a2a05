"""GS1-128 linear symbols (``]C1``) with zint: PNG/SVG with the HRI line, and bar widths for vector labels."""

from __future__ import annotations

from collections.abc import Mapping

import zint

from app.labels import zintsym
from app.labels.errors import LabelError
from app.labels.options import RenderOptions
from app.labels.payload import Gs1Payload, gs1_payload
from app.labels.raster import Matrix

#: GS1 General Specifications: at least ten modules of quiet zone left and right of GS1-128.
GS1_128_MIN_QUIET_ZONE = 10
#: Code 128 data is limited to 48 characters in GS1-128 (GS1 General Specifications 5.4.1).
GS1_128_MAX_CHARACTERS = 48


def _symbol(payload: Gs1Payload) -> zint.Symbol:
    if len(payload.raw) > GS1_128_MAX_CHARACTERS:
        raise LabelError(
            f"GS1-128 carries at most {GS1_128_MAX_CHARACTERS} characters, {payload.hri} has {len(payload.raw)}",
            field=payload.pairs[0][0],
        )
    return zintsym.encode(zint.Symbology.GS1_128, payload.zint_input, field=payload.pairs[0][0])


def gs1_128(mapping: Mapping[str, str], options: RenderOptions = RenderOptions()) -> bytes:
    """A GS1-128 symbol of ``mapping`` (validated first) as PNG or SVG, with the HRI printed under it.

    Scanners read ``]C1`` + ``epcis.gs1.element_string(mapping, form="raw")``.
    """
    symbol = _symbol(gs1_payload(mapping))
    symbol.whitespace_width = max(options.quiet_zone, GS1_128_MIN_QUIET_ZONE)
    return zintsym.printed(symbol, options.fmt, options.pixels_per_module, options.dpi)


def gs1_128_bars(payload: Gs1Payload) -> Matrix:
    """The single row of modules (dark = bar) of a validated payload's symbol, for drawing labels."""
    return zintsym.matrix(_symbol(payload))[:1]
