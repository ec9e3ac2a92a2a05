"""JSON / JSON-LD documents: the ratified JSON schemas (format checks on) plus the event rules."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from jsonschema import Draft7Validator, ValidationError
from jsonschema.exceptions import best_match

from epcis.validation import issues as r
from epcis.validation.issues import ValidationIssue
from epcis.validation.rules import check_event
from epcis.validation.schemas import json_validator
from epcis.validation.syntax import all_valid

_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_QUERY_KEY = re.compile(r"^(eventType|orderBy|orderDirection|eventCountLimit|maxEventCount|[A-Z]+_\w+)$")
_MESSAGE_LIMIT = 300


def validate_json(data: bytes | str, *, query: bool = False, strict: bool = False) -> list[ValidationIssue]:
    """Validate an EPCIS JSON document, a bare event, or (`query=True`) a JSON query body."""
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return [ValidationIssue(None, "$", f"not valid JSON: {error}", r.JSON_SYNTAX)]
    except RecursionError:
        return [ValidationIssue(None, "$", "not valid JSON: nested too deeply", r.JSON_SYNTAX)]
    return validate_json_document(document, query=query, strict=strict)


def validate_json_document(document: Any, *, query: bool = False, strict: bool = False) -> list[ValidationIssue]:
    """`validate_json` of a document loaded already with `json.loads` (left unchanged)."""
    if not isinstance(document, dict):
        return [ValidationIssue(None, "$", "an EPCIS JSON document must be an object", r.DOCUMENT_TYPE)]
    if query or is_query(document):
        return list(_schema_issues(json_validator("query").iter_errors(document), None, ""))
    kind = document.get("type")
    events = _event_list(document, kind)
    if events is None:
        # A bare event, or a document too malformed to reach its events: the schema says why.
        issues = list(_schema_issues(json_validator("document").iter_errors(document), None, ""))
        if kind not in ("EPCISDocument", "EPCISQueryDocument"):
            issues.extend(_rule_issues(document, None, "", strict))
        return issues
    # Events are validated one by one against the schema's own per-event definition: the same
    # rules as whole-document validation, with the event index known without path arithmetic.
    issues = list(_schema_issues(json_validator("document").iter_errors(_without_events(document)), None, ""))
    event_validator = json_validator("event")
    passed: set[str] = set()  # shapes of the events that passed the schema (see `_shape`)
    for index, event in enumerate(events):
        prefix = f"eventList[{index}]"
        compressed = _compressed(event)
        shape = _shape(compressed)
        if shape is None or shape not in passed:
            found = list(_schema_issues(event_validator.iter_errors(compressed), index, prefix))
            if not found and shape is not None:
                passed.add(shape)
            issues.extend(found)
        if isinstance(event, dict):
            issues.extend(_rule_issues(event, index, prefix, strict))
    return issues


_EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_COMPRESS_FROM = 16


def _compressed(event: Any) -> Any:
    """The event as the schema needs to see it: long EPC lists cut to one element when every element is
    a unique identifier that one strict match proves schema-valid (format `uri`); the array's type and
    `uniqueItems` are then settled here, and the schema still checks the array and that one element.
    Anything else is left whole, so the schema reports it exactly as before."""
    if not isinstance(event, dict):
        return event
    copy: dict[str, Any] | None = None
    for name in _EPC_LISTS:
        values = event.get(name)
        if not isinstance(values, list) or len(values) < _COMPRESS_FROM:
            continue
        if all_valid(values) and len(set(values)) == len(values):
            copy = copy if copy is not None else dict(event)
            copy[name] = values[:1]
    return copy if copy is not None else event


# Event fields whose only constraint anywhere in the schema is "a string of this format" (pinned by a test
# that walks the schema), with a value of that format standing in for any valid one (see `_shape`).
_FORMATTED = {
    "eventTime": ("date-time", "2000-01-01T00:00:00Z"),
    "recordTime": ("date-time", "2000-01-01T00:00:00Z"),
    "eventID": ("uri", "urn:uuid:00000000-0000-4000-8000-000000000000"),
    "parentID": ("uri", "urn:epc:id:sscc:0000000.0000000000"),
}
_ITEM_FORMAT = "uri"  # the items of the EPC lists: `id` or `uri`, both "a string of format uri"
_FORMAT_CHECKER = Draft7Validator.FORMAT_CHECKER


def _conforms(value: Any, form: str) -> bool:
    return isinstance(value, str) and _FORMAT_CHECKER.conforms(value, form)


def _shape(event: Any) -> str | None:
    """What the schema's verdict on an event depends on: the event as JSON, with each value of the
    `_FORMATTED` fields and of the EPC lists replaced by a fixed value of the same format when it has that
    format. A replaced value passes exactly the constraints the original passed, so events of one shape
    pass or fail the schema together, and an event whose shape has passed need not be checked again. An
    EPC list's items are replaced only when they are distinct (by distinct values), as `uniqueItems` may
    apply. None for a value that is not an event object."""
    if not isinstance(event, dict):
        return None
    copy = dict(event)
    for name, (form, stand_in) in _FORMATTED.items():
        if name in copy and _conforms(copy[name], form):
            copy[name] = stand_in
    for name in _EPC_LISTS:
        values = copy.get(name)
        if (
            isinstance(values, list)
            and all(_conforms(v, _ITEM_FORMAT) for v in values)
            and len(set(values)) == len(values)
        ):
            copy[name] = [f"urn:epc:id:sgtin:0000000.000000.{i}" for i in range(len(values))]
    try:
        return json.dumps(copy, sort_keys=True)
    except (TypeError, ValueError):  # pragma: no cover - json.loads output always serialises
        return None


def is_query(document: dict[str, Any]) -> bool:
    """Whether a JSON object is an EPCIS query body: no `type`, and a query parameter among its keys."""
    return "type" not in document and any(_QUERY_KEY.match(key) for key in document)


def _event_list(document: dict[str, Any], kind: Any) -> list[Any] | None:
    body = document.get("epcisBody")
    if kind == "EPCISQueryDocument" and isinstance(body, dict):
        results = body.get("queryResults")
        body = results.get("resultsBody") if isinstance(results, dict) else None
    elif kind != "EPCISDocument":
        return None
    events = body.get("eventList") if isinstance(body, dict) else None
    return events if isinstance(events, list) else None


def _without_events(document: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of the document whose event list is empty (copies only the wrappers)."""
    copy = dict(document)
    body = copy["epcisBody"] = dict(copy["epcisBody"])
    if document.get("type") == "EPCISQueryDocument":
        results = body["queryResults"] = dict(body["queryResults"])
        body = results["resultsBody"] = dict(results["resultsBody"])
    body["eventList"] = []
    return copy


def _rule_issues(event: dict[str, Any], index: int | None, prefix: str, strict: bool) -> Iterator[ValidationIssue]:
    for finding in check_event(event, xml=False, strict=strict):
        yield ValidationIssue(index, _join(prefix, finding.path), finding.message, finding.rule)


def _schema_issues(errors: Iterable[ValidationError], index: int | None, prefix: str) -> Iterator[ValidationIssue]:
    for error in errors:
        if isinstance(error.instance, dict | list) and error.context:
            error = best_match(error.context)
        path = _render(error.absolute_path)
        required = _REQUIRED.match(error.message) if error.validator == "required" else None
        if required is not None:
            path = _join(path, required.group(1))
        message = error.message
        if len(message) > _MESSAGE_LIMIT:
            message = message[: _MESSAGE_LIMIT - 1] + "…"
        yield ValidationIssue(index, _join(prefix, path) or "$", message, r.JSON_SCHEMA)


def _render(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"
