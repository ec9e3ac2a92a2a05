"""JSON / JSON-LD documents: the ratified JSON schemas (format checks on) plus the event rules."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from jsonschema import ValidationError
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
    for index, event in enumerate(events):
        prefix = f"eventList[{index}]"
        issues.extend(_schema_issues(event_validator.iter_errors(_compressed(event)), index, prefix))
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
