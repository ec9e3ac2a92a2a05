"""libdmtx's encoder through ctypes with the FNC1 property set, which ``pylibdmtx.encode()`` does not expose.

Only pylibdmtx's library loader is used: its ``wrapper`` module imports ``distutils`` (gone in
Python 3.12) and does not bind ``DmtxPropFnc1``. Needs libdmtx >= 0.7.5 (Debian: ``libdmtx0b``).
"""

from __future__ import annotations

import ctypes
from functools import cache
from typing import Any

import numpy as np

from app.labels.errors import BackendUnavailable, LabelError
from app.labels.raster import Matrix

# libdmtx enum values (dmtx.h).
_PROP_SCHEME = 100
_PROP_SIZE_REQUEST = 101
_PROP_MARGIN_SIZE = 102
_PROP_MODULE_SIZE = 103
_PROP_FNC1 = 104
_PROP_WIDTH = 300
_PROP_HEIGHT = 301
_PROP_BITS_PER_PIXEL = 303
_SCHEME_ASCII = 0
_SIZE_SQUARE_AUTO = -2
_SIZE_RECT_AUTO = -3
#: Every occurrence of this byte in the input becomes the FNC1 codeword 232, in first position too.
FNC1_BYTE = 0x1D


class _DmtxImage(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("pixelPacking", ctypes.c_int),
        ("bitsPerPixel", ctypes.c_int),
        ("bytesPerPixel", ctypes.c_int),
        ("rowPadBytes", ctypes.c_int),
        ("rowSizeBytes", ctypes.c_int),
        ("imageFlip", ctypes.c_int),
        ("channelCount", ctypes.c_int),
        ("channelStart", ctypes.c_int * 4),
        ("bitsPerChannel", ctypes.c_int * 4),
        ("pxl", ctypes.POINTER(ctypes.c_ubyte)),
    ]


class _DmtxEncodeHead(ctypes.Structure):
    """The leading fields of libdmtx 0.7.5+'s ``DmtxEncode`` (it added ``fnc1``), up to ``image``."""

    _fields_ = [
        ("method", ctypes.c_int),
        ("scheme", ctypes.c_int),
        ("sizeIdxRequest", ctypes.c_int),
        ("marginSize", ctypes.c_int),
        ("moduleSize", ctypes.c_int),
        ("pixelPacking", ctypes.c_int),
        ("imageFlip", ctypes.c_int),
        ("rowPadBytes", ctypes.c_int),
        ("fnc1", ctypes.c_int),
        ("message", ctypes.c_void_p),
        ("image", ctypes.POINTER(_DmtxImage)),
    ]


_EncodePtr = ctypes.POINTER(_DmtxEncodeHead)


@cache
def _library() -> Any | None:
    """The bound libdmtx, or ``None`` when it is missing or older than 0.7.5 (no FNC1 property)."""
    try:
        from pylibdmtx import dmtx_library

        lib = dmtx_library.load()
    except (ImportError, OSError):
        return None
    lib.dmtxVersion.restype = ctypes.c_char_p
    version = tuple(int(part) for part in lib.dmtxVersion().decode().split(".")[:3] if part.isdigit())
    if version < (0, 7, 5):
        return None
    lib.dmtxEncodeCreate.restype = _EncodePtr
    lib.dmtxEncodeCreate.argtypes = []
    lib.dmtxEncodeDestroy.restype = ctypes.c_uint
    lib.dmtxEncodeDestroy.argtypes = [ctypes.POINTER(_EncodePtr)]
    lib.dmtxEncodeSetProp.restype = ctypes.c_uint
    lib.dmtxEncodeSetProp.argtypes = [_EncodePtr, ctypes.c_int, ctypes.c_int]
    lib.dmtxEncodeDataMatrix.restype = ctypes.c_uint
    lib.dmtxEncodeDataMatrix.argtypes = [_EncodePtr, ctypes.c_int, ctypes.c_char_p]
    lib.dmtxImageGetProp.restype = ctypes.c_int
    lib.dmtxImageGetProp.argtypes = [ctypes.POINTER(_DmtxImage), ctypes.c_int]
    return lib


def available() -> bool:
    """Whether libdmtx with FNC1 support can be loaded."""
    return _library() is not None


def gs1_matrix(raw: str, *, rectangular: bool = False) -> Matrix:
    """The module matrix of a GS1 DataMatrix carrying ``raw`` (an element string, GS = separator).

    ``raw`` must already be validated: any GS byte in it becomes an FNC1 separator.
    """
    lib = _library()
    if lib is None:
        raise BackendUnavailable("libdmtx >= 0.7.5 is not installed (Debian package libdmtx0b)", field="backend")
    data = bytes([FNC1_BYTE]) + raw.encode("ascii")
    encoder = lib.dmtxEncodeCreate()
    if not encoder:
        raise LabelError("libdmtx could not allocate an encoder")
    try:
        lib.dmtxEncodeSetProp(encoder, _PROP_SCHEME, _SCHEME_ASCII)
        lib.dmtxEncodeSetProp(encoder, _PROP_SIZE_REQUEST, _SIZE_RECT_AUTO if rectangular else _SIZE_SQUARE_AUTO)
        lib.dmtxEncodeSetProp(encoder, _PROP_FNC1, FNC1_BYTE)
        lib.dmtxEncodeSetProp(encoder, _PROP_MODULE_SIZE, 1)  # one pixel per module: the bare matrix
        lib.dmtxEncodeSetProp(encoder, _PROP_MARGIN_SIZE, 0)
        if not lib.dmtxEncodeDataMatrix(encoder, len(data), data):
            shape = "rectangular" if rectangular else "square"
            raise LabelError(f"libdmtx cannot encode {len(raw)} characters in a {shape} symbol")
        image = encoder.contents.image
        width = lib.dmtxImageGetProp(image, _PROP_WIDTH)
        height = lib.dmtxImageGetProp(image, _PROP_HEIGHT)
        bpp = lib.dmtxImageGetProp(image, _PROP_BITS_PER_PIXEL)
        pixels = ctypes.string_at(image.contents.pxl, width * height * bpp // 8)
    finally:
        lib.dmtxEncodeDestroy(ctypes.byref(encoder))
    channels = np.frombuffer(pixels, dtype=np.uint8).reshape(height, width, bpp // 8)
    return channels[:, :, 0] < 128
