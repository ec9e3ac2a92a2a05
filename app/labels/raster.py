"""Module matrices (dark = True) to PNG and SVG bytes: a 1-bit PNG writer and an SVG path writer."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt

from app.labels.options import MM_PER_INCH

Matrix = npt.NDArray[np.bool_]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _png(scanlines: bytes, width: int, height: int, dpi: int) -> bytes:
    """A 1-bit greyscale PNG (0 = black) from filtered scanlines, with its resolution recorded (pHYs)."""
    per_metre = round(dpi / MM_PER_INCH * 1000)
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)),
            _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            # Level 1: symbols are a few hundred bytes either way (about zint's own PNG size), at half the time of 6.
            _chunk(b"IDAT", zlib.compress(scanlines, 1)),
            _chunk(b"IEND", b""),
        )
    )


def matrix_png(matrix: Matrix, module_px: int, quiet_zone: int, dpi: int) -> bytes:
    """PNG of a module matrix: ``quiet_zone`` light modules around it, ``module_px`` pixels per module.

    Each module row is widened and bit-packed once by numpy, then repeated as bytes: symbols are
    small, so the number of array operations, not their size, sets the cost.
    """
    rows, cols = matrix.shape
    light = np.ones((rows + 2 * quiet_zone, cols + 2 * quiet_zone), dtype=bool)  # PNG 1-bit grey: 1 is white
    light[quiet_zone : quiet_zone + rows, quiet_zone : quiet_zone + cols] = ~matrix
    packed = np.packbits(np.repeat(light, module_px, axis=1), axis=1)
    stride = packed.shape[1]
    data = packed.tobytes()
    # Filter type 0 ("none") leads every scanline; each module row is module_px identical scanlines.
    scanlines = b"".join((b"\x00" + data[at : at + stride]) * module_px for at in range(0, len(data), stride))
    return _png(scanlines, light.shape[1] * module_px, light.shape[0] * module_px, dpi)


def runs(matrix: Matrix) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as ``(row, first column, length)``, row by row."""
    found: list[tuple[int, int, int]] = []
    for row_index, row in enumerate(matrix):
        edges = np.flatnonzero(np.diff(np.concatenate(([False], row, [False])).astype(np.int8)))
        pairs = zip(edges[::2], edges[1::2], strict=True)
        found.extend((row_index, int(start), int(stop - start)) for start, stop in pairs)
    return found


def svg_path(matrix: Matrix, offset: int = 0) -> str:
    """SVG path data with one closed rectangle per horizontal dark run, one unit per module."""
    return "".join(f"M{col + offset} {row + offset}h{length}v1h-{length}z" for row, col, length in runs(matrix))


def matrix_svg(matrix: Matrix, module_px: int, quiet_zone: int, module_mm: float | None) -> bytes:
    """SVG of a module matrix in module units; the outer size is in mm when ``module_mm`` is given, else px."""
    rows, cols = matrix.shape
    width, height = cols + 2 * quiet_zone, rows + 2 * quiet_zone
    if module_mm is not None:
        size = f'width="{width * module_mm:g}mm" height="{height * module_mm:g}mm"'
    else:
        size = f'width="{width * module_px}" height="{height * module_px}"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" {size} viewBox="0 0 {width} {height}" '
        'shape-rendering="crispEdges">'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>'
        f'<path fill="#000000" d="{svg_path(matrix, quiet_zone)}"/></svg>\n'
    ).encode("ascii")
