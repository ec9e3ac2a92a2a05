"""Benchmark: GS1 DataMatrix and Digital Link QR rendering through ``app.labels`` against the bare libraries.

Prints codes/s for ``datamatrix()`` (zint and libdmtx backends) and ``digital_link_qr()`` beside
the same library driven directly in a loop with the same options (no validation), and the ratio.
"""

from __future__ import annotations

import argparse
import ctypes
import io
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qrcode
import zint
from PIL import Image

from app.labels import RenderOptions, available_backends, datamatrix, digital_link_qr
from app.labels import libdmtx as dmtx
from epcis.gs1 import check_digit, element_string

ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
OPTIONS = RenderOptions(module_px=5, quiet_zone=2, dpi=300)


def payloads(count: int, seed: int = 11) -> list[dict[str, str]]:
    """``count`` distinct pharma payloads (01)(17)(10)(21), 12-character serials."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        body = "0" + "".join(rng.choice("0123456789") for _ in range(12))
        expiry = f"{rng.randint(26, 35):02d}{rng.randint(1, 12):02d}{rng.choice(['00', '15', '28'])}"
        lot = "".join(rng.choices(ALPHABET, k=8))
        found.append(
            {"01": body + str(check_digit(body)), "17": expiry, "10": lot, "21": "".join(rng.choices(ALPHABET, k=12))}
        )
    return found


def rates(ours: Callable[[], object], bare: Callable[[], object], count: int, rounds: int = 5) -> tuple[float, float]:
    """Codes per second of both loops (each renders ``count`` codes): best of ``rounds``, run alternately so
    that load from other processes hits both sides alike."""
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for side, work in enumerate((ours, bare)):
            started = time.perf_counter()
            work()
            best[side] = min(best[side], time.perf_counter() - started)
    return count / best[0], count / best[1]


def bare_zint(inputs: Sequence[str]) -> None:
    """zint-bindings alone: GS1 mode, square, FAIL_ALL, same module size, quiet zone and DPI, PNG in memory."""
    for text in inputs:
        symbol = zint.Symbol()
        symbol.symbology = zint.Symbology.DATAMATRIX
        symbol.input_mode = zint.InputMode.GS1
        symbol.option_3 = zint.DataMatrixOptions.SQUARE
        symbol.warn_level = zint.WarningLevel.FAIL_ALL
        symbol.encode(text)
        symbol.whitespace_width = symbol.whitespace_height = OPTIONS.quiet_zone
        symbol.output_options = zint.OutputOptions.BARCODE_MEMORY_FILE
        symbol.outfile = "x.png"
        symbol.scale = OPTIONS.pixels_per_module / 2
        symbol.dpmm = OPTIONS.dpi / 25.4
        symbol.print()
        bytes(symbol.memfile or b"")


def bare_libdmtx(raws: Sequence[str]) -> None:
    """libdmtx alone (FNC1 property, ASCII, square) rendering at the final size itself, then PIL's PNG writer."""
    lib = dmtx._library()
    assert lib is not None
    px = OPTIONS.pixels_per_module
    for raw in raws:
        data = b"\x1d" + raw.encode("ascii")
        encoder = lib.dmtxEncodeCreate()
        lib.dmtxEncodeSetProp(encoder, 100, 0)  # scheme ASCII
        lib.dmtxEncodeSetProp(encoder, 101, -2)  # square auto
        lib.dmtxEncodeSetProp(encoder, 104, 0x1D)  # FNC1 substitute
        lib.dmtxEncodeSetProp(encoder, 103, px)
        lib.dmtxEncodeSetProp(encoder, 102, OPTIONS.quiet_zone * px)
        lib.dmtxEncodeDataMatrix(encoder, len(data), data)
        image = encoder.contents.image
        width, height = image.contents.width, image.contents.height
        pixels = ctypes.string_at(image.contents.pxl, width * height * 3)
        lib.dmtxEncodeDestroy(ctypes.byref(encoder))
        buffer = io.BytesIO()
        Image.frombytes("RGB", (width, height), pixels).convert("L").save(buffer, format="PNG")


def bare_qr(uris: Sequence[str]) -> None:
    """qrcode alone: ECC M, border 4, same box size, its PIL PNG writer."""
    for uri in uris:
        code = qrcode.QRCode(
            error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=OPTIONS.pixels_per_module, border=4
        )
        code.add_data(uri)
        code.make(fit=True)
        buffer = io.BytesIO()
        code.make_image().save(buffer)


def report(name: str, measured: tuple[float, float], baseline_name: str) -> None:
    ours, baseline = measured
    print(
        f"{name:<28} {ours:9.0f} codes/s   {baseline_name:<30} {baseline:9.0f} codes/s   ratio {ours / baseline:.2f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    args = parser.parse_args(argv)
    count = 100 if args.quick else 2000
    mappings = payloads(count)
    bracketed = ["".join(f"[{ai}]{value}" for ai, value in m.items()) for m in mappings]
    raws = [element_string(m, form="raw") for m in mappings]
    size, quiet = OPTIONS.pixels_per_module, OPTIONS.quiet_zone
    print(f"{count} payloads (01)(17)(10)(21); PNG, {size} px/module, quiet zone {quiet} modules")

    def ours_zint() -> None:
        for mapping in mappings:
            datamatrix(mapping, OPTIONS)

    report("datamatrix() zint", rates(ours_zint, lambda: bare_zint(bracketed), count), "bare zint-bindings")
    if "libdmtx" in available_backends():

        def ours_dmtx() -> None:
            for mapping in mappings:
                datamatrix(mapping, OPTIONS, backend="libdmtx")

        report(
            "datamatrix() libdmtx",
            rates(ours_dmtx, lambda: bare_libdmtx(raws), count),
            "bare libdmtx + PIL PNG",
        )
    else:
        print("libdmtx not installed: skipped")
    uris = [element_string(m, form="digital_link") for m in mappings[: max(20, count // 20)]]

    def ours_qr() -> None:
        for uri in uris:
            digital_link_qr(uri, OPTIONS)

    report("digital_link_qr()", rates(ours_qr, lambda: bare_qr(uris), len(uris), rounds=3), "bare qrcode + PIL PNG")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
