"""Rendering options shared by every symbol: output format, module size (px or mm at a DPI), quiet zone, shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.labels.errors import LabelError

#: Pixels per module when neither ``module_px`` nor ``module_mm`` is given.
DEFAULT_MODULE_PX = 5
MM_PER_INCH = 25.4

Format = Literal["png", "svg"]
Shape = Literal["square", "rectangular"]


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How to draw a symbol.

    ``module_px`` or ``module_mm`` (not both) set the module (X-dimension) size; ``module_mm`` is
    converted at ``dpi``. ``quiet_zone`` is in modules on every side (symbologies with a larger
    minimum, QR and GS1-128, raise it to their minimum). ``shape="rectangular"`` lets DataMatrix use
    rectangular sizes (DMRE with zint).
    """

    fmt: Format = "png"
    module_px: int | None = None
    module_mm: float | None = None
    dpi: int = 300
    quiet_zone: int = 1
    shape: Shape = "square"

    def __post_init__(self) -> None:
        if self.fmt not in ("png", "svg"):
            raise LabelError(f"fmt must be 'png' or 'svg', got {self.fmt!r}", field="fmt")
        if self.shape not in ("square", "rectangular"):
            raise LabelError(f"shape must be 'square' or 'rectangular', got {self.shape!r}", field="shape")
        if self.module_px is not None and self.module_mm is not None:
            raise LabelError("give module_px or module_mm, not both", field="module_px")
        if self.module_px is not None and (type(self.module_px) is not int or not 1 <= self.module_px <= 100):
            raise LabelError(f"module_px must be an integer from 1 to 100, got {self.module_px!r}", field="module_px")
        if self.module_mm is not None and not (
            isinstance(self.module_mm, int | float) and 0.05 <= self.module_mm <= 10.0
        ):
            raise LabelError(f"module_mm must be from 0.05 to 10.0, got {self.module_mm!r}", field="module_mm")
        if type(self.dpi) is not int or not 72 <= self.dpi <= 2400:
            raise LabelError(f"dpi must be an integer from 72 to 2400, got {self.dpi!r}", field="dpi")
        if type(self.quiet_zone) is not int or not 1 <= self.quiet_zone <= 50:
            raise LabelError(
                f"quiet_zone must be an integer from 1 to 50 modules, got {self.quiet_zone!r}", field="quiet_zone"
            )

    @property
    def pixels_per_module(self) -> int:
        """The module size in whole pixels: ``module_px``, or ``round(module_mm / 25.4 * dpi)`` (at least 1)."""
        if self.module_px is not None:
            return self.module_px
        if self.module_mm is not None:
            return max(1, round(self.module_mm / MM_PER_INCH * self.dpi))
        return DEFAULT_MODULE_PX

    @property
    def module_size_mm(self) -> float:
        """The printed module size in mm: ``module_mm`` when given, else the pixel size at ``dpi``."""
        if self.module_mm is not None:
            return float(self.module_mm)
        return self.pixels_per_module * MM_PER_INCH / self.dpi
