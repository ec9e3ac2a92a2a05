"""Format detection: ``parse`` reads EPCIS 1.2 XML, 2.0 XML or 2.0 JSON-LD into a ``Document``."""

from __future__ import annotations

from epcis.errors import EpcisParseError
from epcis.jsonld import parse_jsonld
from epcis.model import Document
from epcis.xml import parse_xml


def detect_format(data: bytes | str) -> str:
    """``"xml"`` or ``"jsonld"`` from the first significant character, else ``EpcisParseError``."""
    head = data[:512].lstrip()
    if isinstance(head, bytes):
        head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        first = head[:1].decode("ascii", "replace")
    else:
        first = head.removeprefix("\ufeff").lstrip()[:1]
    if first == "<":
        return "xml"
    if first == "{":
        return "jsonld"
    found = repr(first) if first else "empty input"
    raise EpcisParseError(f"not an EPCIS document: expected XML ('<') or JSON-LD ('{{'), found {found}")


def parse(data: bytes | str) -> Document:
    """An EPCIS document from XML (1.2 or 2.0) or JSON-LD (2.0) text."""
    if detect_format(data) == "xml":
        return parse_xml(data)
    return parse_jsonld(data)
