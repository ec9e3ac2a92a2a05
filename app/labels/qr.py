"""GS1 Digital Link QR codes: a plain QR (``]Q1``) carrying a validated Digital Link URI, drawn with ``qrcode``."""

from __future__ import annotations

from typing import Literal

import numpy as np
import qrcode
import qrcode.constants

from app.labels.errors import LabelError
from app.labels.options import RenderOptions
from app.labels.raster import matrix_png, matrix_svg
from epcis.gs1 import Gs1Error, parse_digital_link

ErrorCorrection = Literal["L", "M", "Q", "H"]

_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
#: ISO/IEC 18004 asks for four light modules around a QR code.
QR_MIN_QUIET_ZONE = 4


def digital_link_qr(
    uri: str, options: RenderOptions = RenderOptions(), error_correction: ErrorCorrection = "M"
) -> bytes:
    """A QR code of ``uri`` as PNG or SVG; only a valid GS1 Digital Link URI is drawn.

    A Digital Link goes in a plain QR, never GS1 mode: scanners read ``]Q1`` + the URI unchanged.
    """
    level = _LEVELS.get(error_correction)
    if level is None:
        raise LabelError(
            f"error_correction must be 'L', 'M', 'Q' or 'H', got {error_correction!r}", field="error_correction"
        )
    try:
        parse_digital_link(uri)
    except Gs1Error as exc:
        raise LabelError(f"invalid GS1 Digital Link: {exc}", field=exc.ai or "uri") from exc
    code = qrcode.QRCode(error_correction=level, border=0)
    code.add_data(uri)
    code.make(fit=True)
    modules = np.array(code.get_matrix(), dtype=bool)
    quiet_zone = max(options.quiet_zone, QR_MIN_QUIET_ZONE)
    if options.fmt == "svg":
        return matrix_svg(modules, options.pixels_per_module, quiet_zone, options.module_mm)
    return matrix_png(modules, options.pixels_per_module, quiet_zone, options.dpi)
