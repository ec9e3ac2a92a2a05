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
            _chunk(b"IDAT", zlib.compress(scanlines, 6)),
            _chunk(b"IEND", b""),
        )
    )


def matrix_png(matrix: Matrix, module_px: int, quiet_zone: int, dpi: int) -> bytes:
    """PNG of a module matrix: ``quiet_zone`` light modules around it, ``module_px`` pixels per module.

    Each module row is scaled and packed once, then repeated: a few array operations per symbol.
    """
    rows, cols = matrix.shape
    modules_wide = cols + 2 * quiet_zone
    width, height = modules_wide * module_px, (rows + 2 * quiet_zone) * module_px
    padded = np.zeros((rows, modules_wide), dtype=bool)
    padded[:, quiet_zone : quiet_zone + cols] = matrix
    packed = np.packbits(~np.repeat(padded, module_px, axis=1), axis=1)  # 1 bits are white
    scanlines = np.empty((height, packed.shape[1] + 1), dtype=np.uint8)
    scanlines[:, 0] = 0  # filter type "none" on every scanline
    margin = quiet_zone * module_px
    blank = np.packbits(np.ones(width, dtype=bool))
    scanlines[:margin, 1:] = blank
    scanlines[height - margin :, 1:] = blank
    scanlines[margin : height - margin, 1:] = np.repeat(packed, module_px, axis=0)
    return _png(scanlines.tobytes(), width, height, dpi)


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
