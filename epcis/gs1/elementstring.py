"""Element strings in every form: parse (bracketed, HRI, raw with GS, scan data, Digital Link) and produce."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from epcis.gs1.dictionary import ai_length_by_prefix
from epcis.gs1.digital_link import CANONICAL_STEM, generate_digital_link, parse_digital_link
from epcis.gs1.errors import Gs1Error, Gs1SyntaxError
from epcis.gs1.message import ElementString, build
from epcis.gs1.validate import CompiledAi, compiled_table

GS = "\x1d"
#: Symbology identifiers whose data is a GS1 element string (FNC1 in first position).
GS1_SYMBOLOGIES = frozenset({"]d2", "]C1", "]Q3", "]e0", "]J1"})
#: Symbology identifiers of plain symbols, which may carry a GS1 Digital Link URI.
PLAIN_SYMBOLOGIES = frozenset({"]d1", "]Q1"})

_SQUARE = re.compile(r"\[([0-9]+)\]([^\[]*)")

Form = Literal["bracketed", "raw", "digital_link", "hri"]


def parse(text: str) -> ElementString:
    """Parse any GS1 representation into a validated :class:`ElementString`.

    Accepted: bracketed AI data ``(01)...(10)A\\(B`` or zint's ``[01]...[10]A(B``; HRI
    ``(01) ... (10) ...``; raw element strings with GS separators (optionally led by GS, or with
    ``^`` as FNC1 throughout); scan data with a symbology identifier (``]d2`` ``]C1`` ``]Q3``
    ``]e0`` ``]J1``; ``]d1``/``]Q1`` only with a Digital Link URI); GS1 Digital Link URIs.
    Raises a :class:`Gs1Error` (a ``ValueError``).
    """
    if not text:
        raise Gs1SyntaxError("empty input", rule="empty", value=text)
    first = text[0]
    if first == "(":
        return _parse_bracketed(text)
    if first == "]":
        return _parse_scan(text)
    if first == "[":
        return _parse_square(text)
    if first.isalpha():
        # Element strings start with a digit (or FNC1); anything alphabetic is taken as a URI.
        return parse_digital_link(text)
    return _parse_raw(text)


def _parse_scan(text: str) -> ElementString:
    prefix, data = text[:3], text[3:]
    if prefix in GS1_SYMBOLOGIES:
        if not data:
            raise Gs1SyntaxError("no data after the symbology identifier", rule="empty", value=text)
        return _parse_raw(data)
    if prefix in PLAIN_SYMBOLOGIES and data[:1] in ("h", "H"):
        return parse_digital_link(data)
    raise Gs1SyntaxError(f"symbology identifier {prefix} does not carry GS1 data", rule="symbology", value=text)


def _parse_raw(text: str) -> ElementString:
    if text[0] == "^":
        # The GS1 engine's unbracketed syntax: "^" is FNC1, first and as separator.
        text = GS + text[1:].replace("^", GS)
    lengths = ai_length_by_prefix()
    table = compiled_table()
    size = len(text)
    pos = 1 if text[0] == GS else 0
    pairs: list[tuple[CompiledAi, str]] = []
    while pos < size:
        width = lengths.get(text[pos : pos + 2], 0)
        comp = table.get(text[pos : pos + width]) if width else None
        if comp is None:
            raise Gs1SyntaxError(f"no known AI at position {pos + 1}", rule="unknown-ai", value=text)
        start = pos + width
        entry = comp.entry
        if entry.predefined_length:
            end = start + entry.max_length
            # A superfluous separator after a predefined-length AI is tolerated.
            pos = end + 1 if text[end : end + 1] == GS else end
        else:
            end = text.find(GS, start)
            if end < 0:
                end = pos = size
            else:
                pos = end + 1
        value = text[start:end]
        comp.check(value)
        pairs.append((comp, value))
    return build(pairs)


def _ai_in_brackets(text: str, pos: int, close: int) -> CompiledAi:
    if close < 0:
        raise Gs1SyntaxError(f"unclosed '(' at position {pos + 1}", rule="brackets", value=text)
    ai = text[pos + 1 : close]
    found = compiled_table().get(ai)
    if found is None:
        finding = f"({ai}) at position {pos + 1} is not a known AI"
        error = Gs1SyntaxError(finding, rule="unknown-ai", value=text)
        error.ai = ai
        raise error
    return found


def _parse_bracketed(text: str) -> ElementString:
    close = text.find(")")
    if text[close + 1 : close + 2] == " ":
        return _parse_hri(text)
    size = len(text)
    pos = 0
    pairs: list[tuple[CompiledAi, str]] = []
    while pos < size:
        if text[pos] != "(":
            raise Gs1SyntaxError(f"expected '(' at position {pos + 1}", rule="brackets", value=text)
        close = text.find(")", pos)
        comp = _ai_in_brackets(text, pos, close)
        start = close + 1
        # A value runs to the next "(" that is not escaped as "\(".
        end = text.find("(", start)
        while end > 0 and text[end - 1] == "\\":
            end = text.find("(", end + 1)
        if end < 0:
            end = size
        value = text[start:end]
        if "\\(" in value:
            value = value.replace("\\(", "(")
        comp.check(value)
        pairs.append((comp, value))
        pos = end
    return build(pairs)


def _parse_square(text: str) -> ElementString:
    # zint's input syntax: "[" and "]" are outside every GS1 character set, so no escaping exists.
    pairs: list[tuple[CompiledAi, str]] = []
    position = 0
    for match in _SQUARE.finditer(text):
        if match.start() != position:
            break
        found = compiled_table().get(match.group(1))
        if found is None:
            finding = f"[{match.group(1)}] at position {position + 1} is not a known AI"
            raise Gs1SyntaxError(finding, rule="unknown-ai", value=text)
        found.check(match.group(2))
        pairs.append((found, match.group(2)))
        position = match.end()
    if position != len(text):
        raise Gs1SyntaxError(f"expected '[AI]' at position {position + 1}", rule="brackets", value=text)
    return build(pairs)


def _parse_hri(text: str) -> ElementString:
    tokens = text.split(" ")
    if len(tokens) % 2:
        finding = "HRI must alternate '(AI)' and value, separated by single spaces"
        raise Gs1SyntaxError(finding, rule="hri", value=text)
    pairs: list[tuple[CompiledAi, str]] = []
    position = 0
    for label, value in zip(tokens[::2], tokens[1::2], strict=True):
        if not (label.startswith("(") and label.endswith(")")):
            raise Gs1SyntaxError(f"expected '(AI)' at position {position + 1}", rule="hri", value=text)
        comp = _ai_in_brackets(text, position, position + len(label) - 1)
        comp.check(value)
        pairs.append((comp, value))
        position += len(label) + len(value) + 2
    return build(pairs)


def element_string(mapping: Mapping[str, str], form: Form = "bracketed", domain: str = CANONICAL_STEM) -> str:
    """Produce one representation of a GS1 message (validated first unless already parsed).

    ``bracketed``: ``(01)...(10)A\\(B``, given order, ``(`` in values escaped. ``hri``: ``(01) ... (10) ...``.
    ``raw``: predefined-length AIs first, GS only after a variable-length AI that is not last.
    ``digital_link``: a GS1 Digital Link URI on ``domain`` (a stem with optional path).
    """
    message = mapping if isinstance(mapping, ElementString) else ElementString(mapping)
    if form == "bracketed":
        return "".join(f"({ai}){value.replace('(', chr(92) + '(')}" for ai, value in message.items())
    if form == "raw":
        table = compiled_table()
        fixed = "".join(ai + v for ai, v in message.items() if table[ai].entry.predefined_length)
        variable = GS.join(ai + v for ai, v in message.items() if not table[ai].entry.predefined_length)
        return fixed + variable
    if form == "hri":
        return " ".join(f"({ai}) {value}" for ai, value in message.items())
    if form == "digital_link":
        return generate_digital_link(message, domain)
    finding = "unknown form: expected 'bracketed', 'raw', 'hri' or 'digital_link'"
    raise Gs1Error(finding, rule="form", value=str(form))
