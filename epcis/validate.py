"""EPCIS document validation: GS1 XSD (2.0, 1.2) and ratified JSON schema, plus rules schemas miss.

`validate` works on the raw document (bytes or str), independently of the event model, and
returns every issue found; `check` raises `EpcisValidationError` instead.
"""

from __future__ import annotations

import re
import sys
import types

from epcis.validation import issues as _rules
from epcis.validation.issues import EpcisValidationError, ValidationIssue
from epcis.validation.jsondoc import validate_json
from epcis.validation.xmldoc import validate_xml

__all__ = ["KINDS", "EpcisValidationError", "ValidationIssue", "check", "validate"]

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
