"""GS1 DataMatrix behind a backend Protocol: zint (default) and libdmtx, both yielding ``]d2`` + raw element string."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import zint

from app.labels import libdmtx, zintsym
from app.labels.errors import BackendUnavailable, LabelError
from app.labels.options import RenderOptions
from app.labels.payload import Gs1Payload, gs1_payload
from app.labels.raster import Matrix, matrix_png, matrix_svg

# Rows x columns of zint's rectangular DataMatrix sizes, ``option_2`` 25..48.
_RECT_SIZES = (
    (8, 18), (8, 32), (12, 26), (12, 36), (16, 36), (16, 48), (8, 48), (8, 64), (8, 80), (8, 96), (8, 120),
    (8, 144), (12, 64), (12, 88), (16, 64), (20, 36), (20, 44), (20, 64), (22, 48), (24, 48), (24, 64),
    (26, 40), (26, 48), (26, 64),
)  # fmt: skip


class DataMatrixBackend(Protocol):
    """An encoder of GS1 DataMatrix symbols (FNC1 first, FNC1 separators)."""

    name: str

    def available(self) -> bool:
        """Whether this backend can run on this machine."""
        ...

    def render(self, mapping: Mapping[str, str], options: RenderOptions) -> bytes:
        """Validate ``mapping`` and draw it as PNG or SVG bytes."""
        ...

    def matrix(self, mapping: Mapping[str, str], options: RenderOptions) -> Matrix:
        """Validate ``mapping`` and return its module matrix (dark = True), without quiet zone."""
        ...


#: zint's ``option_2`` for the rectangular DataMatrix sizes (ISO 8x18..16x48, then DMRE), by module count.
_RECTANGLES = sorted(
    range(25, 49),
    key=lambda size: _RECT_SIZES[size - 25][0] * _RECT_SIZES[size - 25][1],
)


class ZintBackend:
    """zint's GS1 mode: square symbols, or with ``shape="rectangular"`` any size including DMRE."""

    name = "zint"

    def available(self) -> bool:
        return True

    def _symbol(self, payload: Gs1Payload, options: RenderOptions) -> zint.Symbol:
        first = payload.pairs[0][0]
        if options.shape == "square":
            square = zint.DataMatrixOptions.SQUARE
            return zintsym.encode(zint.Symbology.DATAMATRIX, payload.zint_input, option_3=square, field=first)
        # zint picks a square size whenever one is smaller, so a rectangle is requested size by size.
        for size in _RECTANGLES:
            try:
                return zintsym.encode(
                    zint.Symbology.DATAMATRIX,
                    payload.zint_input,
                    option_2=size,
                    option_3=zint.DataMatrixOptions.DMRE,
                    field=first,
                )
            except LabelError:
                continue
        raise LabelError(f"{payload.raw!r} does not fit a rectangular DataMatrix (largest 26x64)", field=first)

    def render(self, mapping: Mapping[str, str], options: RenderOptions) -> bytes:
        payload = gs1_payload(mapping)
        modules = zintsym.matrix(self._symbol(payload, options))
        if options.fmt == "svg":
            return matrix_svg(modules, options.pixels_per_module, options.quiet_zone, options.module_mm)
        # A 1-bit PNG from the module matrix takes about half the time of zint's own PNG writer.
        return matrix_png(modules, options.pixels_per_module, options.quiet_zone, options.dpi)

    def matrix(self, mapping: Mapping[str, str], options: RenderOptions) -> Matrix:
        return zintsym.matrix(self._symbol(gs1_payload(mapping), options))


class LibdmtxBackend:
    """libdmtx with ``DmtxPropFnc1`` (ASCII scheme); rectangular means the ISO 8xN..16x48 sizes only."""

    name = "libdmtx"

    def available(self) -> bool:
        return libdmtx.available()

    def render(self, mapping: Mapping[str, str], options: RenderOptions) -> bytes:
        modules = self.matrix(mapping, options)
        if options.fmt == "svg":
            return matrix_svg(modules, options.pixels_per_module, options.quiet_zone, options.module_mm)
        return matrix_png(modules, options.pixels_per_module, options.quiet_zone, options.dpi)

    def matrix(self, mapping: Mapping[str, str], options: RenderOptions) -> Matrix:
        payload = gs1_payload(mapping)
        return libdmtx.gs1_matrix(payload.raw, rectangular=options.shape == "rectangular")


BACKENDS: dict[str, DataMatrixBackend] = {"zint": ZintBackend(), "libdmtx": LibdmtxBackend()}


def available_backends() -> list[str]:
    """Names of the DataMatrix backends that can run here, the default (``zint``) first."""
    return [name for name, backend in BACKENDS.items() if backend.available()]


def get_backend(name: str) -> DataMatrixBackend:
    """The backend called ``name``; ``LabelError`` when unknown, ``BackendUnavailable`` when not installed."""
    backend = BACKENDS.get(name)
    if backend is None:
        known = ", ".join(sorted(BACKENDS))
        raise LabelError(f"unknown DataMatrix backend {name!r}: expected one of {known}", field="backend")
    if not backend.available():
        raise BackendUnavailable(f"DataMatrix backend {name!r} is not available here", field="backend")
    return backend


def datamatrix(mapping: Mapping[str, str], options: RenderOptions = RenderOptions(), backend: str = "zint") -> bytes:
    """A GS1 DataMatrix of ``mapping`` (AI -> value) as PNG or SVG bytes.

    The mapping is validated against the GS1 syntax dictionary first; an invalid payload raises
    ``LabelError`` naming the AI and renders nothing. Scanners read ``]d2`` followed by
    ``epcis.gs1.element_string(mapping, form="raw")``.
    """
    return get_backend(backend).render(mapping, options)
