"""GS1 Digital Link URIs (uncompressed): parsing and generation with the GS1 engine's rules."""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import quote

from epcis.gs1.dictionary import dl_key_sequence_set, dl_key_sequences
from epcis.gs1.errors import DigitalLinkError, Gs1SyntaxError
from epcis.gs1.message import ElementString, build
from epcis.gs1.validate import CompiledAi, compiled_table

CANONICAL_STEM = "https://id.gs1.org"

_URI_RE = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_BAD_DOMAIN = re.compile(r"[_~?#@!$&'()*+,;=%]")
_ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")
_SCHEMES = ("https://", "HTTPS://", "http://", "HTTP://")


def _unescape(text: str, query: bool) -> str:
    if query and "+" in text:
        text = text.replace("+", " ")
    if "%" in text:
        text = _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _fail(uri: str, finding: str, rule: str) -> DigitalLinkError:
    return DigitalLinkError(finding, rule=rule, value=uri)


@cache
def _insertable_qualifiers(path: tuple[str, ...]) -> frozenset[str]:
    """AIs that, inserted after the key of ``path``, would still give a valid key-qualifier
    sequence; such an AI must not appear as a query attribute."""
    return frozenset(
        sequence[position]
        for sequence in dl_key_sequence_set()
        if len(sequence) == len(path) + 1
        for position in range(1, len(sequence))
        if sequence[:position] + sequence[position + 1 :] == path
    )


def parse_digital_link(uri: str, *, permit_zero_suppressed_gtin: bool = False) -> ElementString:
    """Parse a GS1 Digital Link URI (any domain and path stem) into a validated ElementString.

    The path holds a primary key and its qualifiers in the dictionary's order; other AIs are query
    attributes. Like the GS1 engine's defaults, convenience alphas (``/gtin/``) and GTINs shorter
    than 14 digits in the path are rejected (the latter allowed by ``permit_zero_suppressed_gtin``).
    """
    if _URI_RE.fullmatch(uri) is None:
        raise _fail(uri, "contains characters that are not allowed in a URI", "dl-uri")
    scheme = next((s for s in _SCHEMES if uri.startswith(s)), None)
    if scheme is None:
        raise _fail(uri, "scheme is not http:// or https://", "dl-scheme")
    rest = uri[len(scheme) :]
    slash = rest.find("/")
    if slash < 1:
        raise _fail(uri, "has no domain or no path", "dl-domain")
    if _BAD_DOMAIN.search(rest, 0, slash):
        raise _fail(uri, "domain contains a character that is not allowed there", "dl-domain")
    path = rest[slash:].partition("#")[0]
    path, _, query = path.partition("?")

    table = compiled_table()
    keys = dl_key_sequence_set()
    segments = path.split("/")
    # Walk "/AI/value" pairs from the right until a primary key: everything left of it is stem.
    root = None
    index = len(segments) - 2
    while index >= 1:
        ai = segments[index]
        if ai not in table:
            break
        if (ai,) in keys:
            root = index
            break
        index -= 2
    if root is None:
        raise _fail(uri, "no GS1 Digital Link primary key in the path", "dl-key")

    pairs: list[tuple[CompiledAi, str]] = []
    for index in range(root, len(segments), 2):
        comp = table[segments[index]]
        raw = segments[index + 1]
        if not raw:
            raise DigitalLinkError("empty value in the path", rule="dl-empty", ai=comp.ai, value="")
        value = _unescape(raw, query=False)
        if permit_zero_suppressed_gtin and comp.ai == "01" and len(value) in (8, 12, 13):
            value = value.zfill(14)
        comp.check(value)
        pairs.append((comp, value))
    path_ais = tuple(c.ai for c, _ in pairs)
    if path_ais not in keys:
        shown = "".join(f"({ai})" for ai in path_ais)
        raise _fail(uri, f"path AIs {shown} are not a valid key-qualifier sequence", "dl-path")

    for param in query.split("&"):
        name, equals, raw = param.partition("=")
        # Non-numeric parameters (linkType, ...) and singletons are not AI data.
        if not equals or not name.isdigit():
            continue
        found = table.get(name)
        if found is None:
            raise Gs1SyntaxError("unknown AI in the query", rule="unknown-ai", ai=name, value=raw)
        comp = found
        if not raw:
            raise DigitalLinkError("empty value in the query", rule="dl-empty", ai=name, value="")
        value = _unescape(raw, query=True)
        if name == "01" and len(value) in (8, 12, 13):
            value = value.zfill(14)
        comp.check(value)
        if any(c.ai == name for c, _ in pairs):
            raise DigitalLinkError("appears more than once", rule="duplicate", ai=name, value=value)
        if not comp.entry.dl_attribute:
            raise DigitalLinkError(
                "is not permitted as a Digital Link data attribute", rule="dl-attribute", ai=name, value=value
            )
        if name in _insertable_qualifiers(path_ais):
            raise DigitalLinkError(
                "is a key qualifier and belongs in the path", rule="dl-qualifier", ai=name, value=value
            )
        pairs.append((comp, value))
    return build(pairs)


def generate_digital_link(message: ElementString, stem: str = CANONICAL_STEM) -> str:
    """The GS1 Digital Link URI for a validated message, as the GS1 engine generates it.

    The first AI that is a primary key goes in the path with the qualifier sequence matching most
    AIs (ties: the first in sorted order); all other AIs become query attributes, predefined-length
    ones first, each group in the message's order. Fails when an attribute AI is not DL-enabled.
    """
    table = compiled_table()
    sequences = dl_key_sequences()
    keys = dl_key_sequence_set()
    key = next((ai for ai in message if (ai,) in keys), None)
    if key is None:
        shown = "".join(f"({ai})" for ai in message)
        finding = f"no Digital Link primary key among {shown}"
        raise DigitalLinkError(finding, rule="dl-key", value=str(message))
    best: tuple[str, ...] = (key,)
    most = 0
    for sequence in sequences[sequences.index(best) + 1 :]:
        if sequence[0] != key:
            break
        matches = sum(1 for ai in sequence[1:] if ai in message)
        if matches > most:
            best, most = sequence, matches
    parts = [stem[:-1] if stem.endswith("/") else stem]
    for ai in best:
        if ai in message:
            parts.append(f"/{ai}/{quote(message[ai], safe='')}")
    attributes = [ai for ai in message if ai not in best]
    ordered = [ai for ai in attributes if table[ai].entry.predefined_length]
    ordered += [ai for ai in attributes if not table[ai].entry.predefined_length]
    params = []
    for ai in ordered:
        if not table[ai].entry.dl_attribute:
            finding = "is not permitted as a Digital Link data attribute"
            raise DigitalLinkError(finding, rule="dl-attribute", ai=ai, value=message[ai])
        params.append(f"{ai}={quote(message[ai], safe='')}")
    uri = "".join(parts)
    return f"{uri}?{'&'.join(params)}" if params else uri
