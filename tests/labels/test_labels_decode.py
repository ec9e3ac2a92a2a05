"""``decode``: what the print-verification path reports for PNG and JPEG images, and for non-images."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.labels import Decoded, LabelError, RenderOptions, datamatrix, decode, digital_link_qr, gs1_128

PACK = {"01": "09506000134352", "17": "270131", "10": "ABC123", "21": "XYZ98765"}


def test_decode_png_symbols() -> None:
    assert decode(datamatrix(PACK)) == [Decoded("]d2", "01095060001343521727013110ABC123\x1d21XYZ98765", "DataMatrix")]
    assert decode(gs1_128({"00": "106141412345678908"})) == [Decoded("]C1", "00106141412345678908", "Code128")]
    uri = "https://id.gs1.org/01/09506000134352/21/XYZ98765"
    assert decode(digital_link_qr(uri)) == [Decoded("]Q1", uri, "QRCode")]


def test_decode_jpeg() -> None:
    image = Image.open(io.BytesIO(datamatrix(PACK, RenderOptions(module_px=8, quiet_zone=2)))).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    assert decode(buffer.getvalue()) == [Decoded("]d2", "01095060001343521727013110ABC123\x1d21XYZ98765", "DataMatrix")]


def test_decode_blank_image_finds_nothing() -> None:
    buffer = io.BytesIO()
    Image.new("L", (60, 60), 255).save(buffer, format="PNG")
    assert decode(buffer.getvalue()) == []


def test_decode_rejects_non_images() -> None:
    with pytest.raises(LabelError) as caught:
        decode(b"%PDF-1.4 not an image")
    assert str(caught.value).startswith("not a readable image: cannot identify image file")
    assert caught.value.field == "image"
