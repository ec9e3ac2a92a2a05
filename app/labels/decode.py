"""Reading codes back from images with zxing-cpp (``TextMode.Plain``, so GS separators survive) to verify prints."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from app.labels.errors import BackendUnavailable, LabelError


@dataclass(frozen=True, slots=True)
class Decoded:
    """One symbol found in an image: ``]d2``/``]C1``/``]Q1``..., the transmitted text, the zxing format name."""

    symbology_identifier: str
    text: str
    format: str


def decode(image_bytes: bytes) -> list[Decoded]:
    """Every barcode zxing-cpp finds in a PNG or JPEG (or any format Pillow reads), in zxing's order."""
    try:
        import zxingcpp
    except ImportError as exc:
        raise BackendUnavailable("zxing-cpp is not installed", field="decoder") from exc
    try:
        with Image.open(io.BytesIO(image_bytes)) as opened:
            image = opened.convert("L")
    except (OSError, Image.DecompressionBombError) as exc:
        raise LabelError(f"not a readable image: {exc}", field="image") from exc
    found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    return [Decoded(result.symbology_identifier, result.text, result.format.name) for result in found]
