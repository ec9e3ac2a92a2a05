"""ZPL II for 203-dpi thermal printers: the SSCC logistic label with GS1-128 (``^BC``) and a GS1 DataMatrix (``^BX``).

GS1-128 uses ``^BC`` mode N with explicit invocation codes from the ZPL II Programming Guide
(``^BC``, "Code 128 Subsets" and "UCC/EAN-128"): ``>;`` starts in subset C, ``>8`` is FNC1
(first position and separators), ``>6``/``>5`` switch to subset B/C, ``><`` is a literal ``>``.
Mode D (UCC/EAN) is avoided because the printer then computes and inserts check digits itself.
The DataMatrix uses ``^BX`` quality 200 with ``_`` set as escape character: ``_1`` is FNC1.
"""

from __future__ import annotations

from app.labels.payload import Gs1Payload
from app.labels.sscc import SsccLabel, label_symbols

DOTS_PER_MM = 8  # 203 dpi
LABEL_WIDTH = 812  # 4 in
LABEL_LENGTH = 1218  # 6 in
_FNC1 = "\x1d"  # stands for FNC1 while the field data is built
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:;/()-+'&*!?=%\"#@<>")


def code128_field(payload: Gs1Payload) -> str:
    """``^FD`` data for a GS1-128 symbol: start C, FNC1, digit pairs in C, anything else in B."""
    data = _FNC1 + payload.raw  # raw carries GS exactly where FNC1 separators belong
    out = [">;"]
    subset_c = True
    index, size = 0, len(data)
    while index < size:
        char = data[index]
        if char == _FNC1:
            out.append(">8")
            index += 1
        elif subset_c:
            if data[index : index + 2].isdigit() and index + 1 < size:
                out.append(data[index : index + 2])
                index += 2
            else:
                out.append(">6")
                subset_c = False
        else:
            run = _digit_run(data, index)
            if run >= 4 and run % 2 == 0:
                out.append(">5")
                subset_c = True
            else:
                out.append("><" if char == ">" else char)
                index += 1
    return "".join(out)


def _digit_run(data: str, start: int) -> int:
    end = start
    while end < len(data) and data[end].isdigit():
        end += 1
    return end - start


def code128_modules(field: str) -> int:
    """Modules of the symbol ``code128_field`` describes: 11 per symbol character, 13 for stop."""
    characters = 2  # start and check characters
    index = 0
    while index < len(field):
        if field[index] == ">":
            index += 2
            characters += field[index - 1] not in ";"  # ">;" is the start character, counted above
        elif field[index].isdigit() and index + 1 < len(field) and field[index + 1].isdigit():
            index += 2  # a pair is one character in C; over-counting in B is harmless for sizing
            characters += 1
        else:
            index += 1
            characters += 1
    return characters * 11 + 13


def datamatrix_field(payload: Gs1Payload) -> str:
    """``^FD`` data for ``^BX...,_``: FNC1 first and as separator, ``_`` doubled."""
    return "_1" + payload.raw.replace("_", "__").replace(_FNC1, "_1")


def _text(x: int, y: int, height: int, text: str) -> str:
    """A text field; characters outside a safe set go through ``^FH`` hex escapes (UTF-8 with ``^CI28``)."""
    escaped = "".join(c if c in _SAFE else "".join(f"_{b:02X}" for b in c.encode()) for c in text)
    return f"^FO{x},{y}^A0N,{height},{height}^FH^FD{escaped}^FS"


def _barcode(payload: Gs1Payload, y: int, height: int) -> list[str]:
    field = code128_field(payload)
    modules = code128_modules(field) + 20  # with both quiet zones
    module = max(1, min(4, (LABEL_WIDTH - 40) // modules))
    x = (LABEL_WIDTH - (modules - 20) * module) // 2
    hri = payload.hri
    return [
        f"^BY{module}",
        f"^FO{x},{y}^BCN,{height},N,N,N,N^FD{field}^FS",
        _text(max(20, (LABEL_WIDTH - len(hri) * 15) // 2), y + height + 10, 28, hri),
    ]


def sscc_label_zpl(data: SsccLabel) -> str:
    """The SSCC label as ZPL II for a 4x6 in label at 203 dpi, ``^XA`` to ``^XZ``.

    Ship-from/ship-to on top, content lines, the content GS1-128 (when given) and the (00)
    GS1-128 last; a GS1 DataMatrix of the SSCC sits beside the addresses as an alternative carrier.
    """
    symbols = label_symbols(data)
    lines = ["^XA", "^CI28", f"^PW{LABEL_WIDTH}", f"^LL{LABEL_LENGTH}", "^LH0,0"]
    for x, caption, text in ((24, "FROM", data.ship_from), (300, "TO", data.ship_to)):
        lines.append(_text(x, 24, 20, caption))
        lines.extend(_text(x, 52 + 30 * index, 26, line) for index, line in enumerate(text.splitlines()[:7]))
    lines.append(f"^FO620,24^BXN,8,200,0,0,6,_^FD{datamatrix_field(symbols.sscc)}^FS")
    lines.append("^FO20,270^GB772,3,3^FS")
    lines.append(_text(24, 290, 24, "SSCC"))
    lines.append(_text(120, 285, 40, data.sscc))
    y = 340
    for ai, value in symbols.content_pairs:
        lines.append(_text(24, y, 28, f"({ai}) {value}"))
        y += 36
    lines.append(f"^FO20,{y + 4}^GB772,3,3^FS")
    if len(symbols.contents) == 1:
        lines.extend(_barcode(symbols.contents[0], 700, 170))
    elif symbols.contents:  # a content two GS1-128 symbols carry: each half as tall
        first, second = symbols.contents
        lines.extend(_barcode(first, 600, 100))
        lines.extend(_barcode(second, 760, 100))
    lines.extend(_barcode(symbols.sscc, 940, 220))
    lines.append("^XZ")
    return "\n".join(lines) + "\n"
