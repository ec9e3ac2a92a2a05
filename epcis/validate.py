"""EPCIS document validation: GS1 XSD (2.0, 1.2) and ratified JSON schema, plus rules schemas miss.

`validate` works on the raw document (bytes or str), independently of the event model, and
returns every issue found; `check` raises `EpcisValidationError` instead. `parse_validated`
validates and builds the model from one parse of the bytes.
"""

from __future__ import annotations

import json
import re
import sys
import types

from lxml import etree

from epcis.errors import EpcisParseError
from epcis.jsonld import parse_jsonld
from epcis.model import Document, gc_paused
from epcis.parsing import detect_format, parse
from epcis.validation import issues as _rules
from epcis.validation.issues import EpcisValidationError, ValidationIssue
from epcis.validation.jsondoc import is_query, validate_json, validate_json_document
from epcis.validation.rules import EVENT_TYPES
from epcis.validation.schemas import xml_parser
from epcis.validation.xmldoc import screened_validation, validate_xml
from epcis.xml import parse_xml_tree

__all__ = ["KINDS", "EpcisValidationError", "ValidationIssue", "check", "parse_validated", "validate"]

KINDS = frozenset({"xml", "json", "query"})
"""`kind` values: force the XML or JSON binding, or validate a JSON query body (`query`)."""

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def validate(data: bytes | str, *, kind: str | None = None, strict: bool = False) -> list[ValidationIssue]:
    """All issues in an EPCIS document; an empty list when it is valid.

    The binding is detected from the first character unless `kind` says `xml`, `json` or
    `query` (a JSON EPCIS query body, checked with the query schema; detected too when a JSON
    object has no `type` and only query parameters). Each issue's `rule` is one of the ids in
    `epcis.validation.issues` (`xsd`, `json-schema`, `aggregation-parent`, `epc-syntax`, ...).

    `strict` adds the draft sensor conformance rules (TCR-53, M122: `time` versus
    `startTime`/`endTime`, report times inside the metadata interval and not after eventTime,
    inline fields not on both metadata and report), which GS1's own full-combination examples break.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, not {kind!r}")
    detected = kind or _detect(data)
    if detected == "xml":
        if isinstance(data, str):
            # lxml refuses str input that carries an encoding declaration; the text is decoded already.
            data = _XML_DECLARATION.sub("", data.lstrip("\ufeff"), count=1)
        return validate_xml(data, strict=strict)
    if detected in ("json", "query"):
        if isinstance(data, str):
            data = data.lstrip("\ufeff")  # json.loads strips a BOM from bytes, not from str
        return validate_json(data, query=detected == "query", strict=strict)
    return [ValidationIssue(None, "$", "document is neither XML nor JSON", _rules.DOCUMENT_TYPE)]


def check(data: bytes | str, *, kind: str | None = None, strict: bool = False) -> None:
    """Raise `EpcisValidationError` (a ValueError) carrying the issues when `data` is not valid."""
    issues = validate(data, kind=kind, strict=strict)
    if issues:
        raise EpcisValidationError(issues)


def parse_validated(data: bytes | str, *, strict: bool = False) -> tuple[Document | None, list[ValidationIssue]]:
    """Validate and parse an EPCIS document: `(document, [])` when it is valid, `(None, issues)` when not.

    The same result as `validate(data, strict=strict)` followed, when it finds nothing, by
    `epcis.parse(data)` (whose `EpcisParseError` it raises too), but XML and JSON bytes are parsed
    once: the XSD, the rules and the model share one lxml tree, the JSON schema, the rules and the
    model one `json.loads` result. Anything else (str input, bare XML events, query bodies,
    malformed input) takes the two separate steps.
    """
    shared = _shared_parse(data) if isinstance(data, bytes) else None
    if shared is None:
        issues = validate(data, strict=strict)
        return (None, issues) if issues else (parse(data), [])
    if isinstance(shared, etree._Element):
        issues, screened = screened_validation(shared, strict=strict)
        # The validating parser keeps comments and processing instructions (for line numbers); a tree
        # the screen passed holds none.
        return (None, issues) if issues else (parse_xml_tree(shared, stripped=screened), [])
    issues = validate_json_document(shared, strict=strict)
    return (None, issues) if issues else (parse_jsonld(shared), [])


def _shared_parse(data: bytes) -> etree._Element | dict[str, object] | None:
    """The parsed document when validation and model building can share it, else None."""
    try:
        form = detect_format(data)
    except EpcisParseError:
        return None
    if _detect(data) != ("xml" if form == "xml" else "json"):
        return None
    if form == "xml":
        try:
            root = etree.fromstring(data, xml_parser())
        except etree.XMLSyntaxError:
            return None
        if etree.QName(root).localname in EVENT_TYPES:
            return None  # validation moves a bare event into a wrapper document
        return root
    try:
        with gc_paused():
            document = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or is_query(document):
        return None
    return document


def _detect(data: bytes | str) -> str | None:
    head = data[:256]
    text = head.decode("utf-8", "replace") if isinstance(head, bytes) else head
    text = text.lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        return "xml"
    if text.startswith(("{", "[")):
        return "json"
    return None


class _CallableModule(types.ModuleType):
    """`epcis.validate` is both this module and, by the public contract, the `validate` function.

    Importing a submodule rebinds the package attribute to the module, so the module itself is made
    callable: `epcis.validate(data)` and `from epcis.validate import validate` both work.
    """

    def __call__(self, data: bytes | str, *, kind: str | None = None, strict: bool = False) -> list[ValidationIssue]:
        return validate(data, kind=kind, strict=strict)


sys.modules[__name__].__class__ = _CallableModule
