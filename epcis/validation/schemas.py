"""Bundled GS1 schemas (EPCIS 2.0 and 1.2 XSD, ratified JSON schemas), compiled once and cached."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, validators
from jsonschema.protocols import Validator
from lxml import etree

DATA = Path(__file__).resolve().parent.parent / "data"
XSD_DIR = DATA / "xsd"
JSON_DIR = DATA / "jsonschema"

NS_EPCIS_2 = "urn:epcglobal:epcis:xsd:2"
NS_QUERY_2 = "urn:epcglobal:epcis-query:xsd:2"
NS_MASTERDATA_2 = "urn:epcglobal:epcis-masterdata:xsd:2"
NS_EPCIS_1 = "urn:epcglobal:epcis:xsd:1"
NS_QUERY_1 = "urn:epcglobal:epcis-query:xsd:1"
NS_MASTERDATA_1 = "urn:epcglobal:epcis-masterdata:xsd:1"

# Root namespace -> XSD entry point. 1.2 uses GS1's original files, the strict ones partners expect.
XSD_ENTRY_POINTS: dict[str, str] = {
    NS_EPCIS_2: "2.0/EPCglobal-epcis-2_0.xsd",
    NS_QUERY_2: "2.0/EPCglobal-epcis-query-2_0.xsd",
    NS_MASTERDATA_2: "2.0/EPCglobal-epcis-masterdata-2_0.xsd",
    NS_EPCIS_1: "1.2-original/EPCglobal-epcis-1_2.xsd",
    NS_QUERY_1: "1.2-original/EPCglobal-epcis-query-1_2.xsd",
    NS_MASTERDATA_1: "1.2-original/EPCglobal-epcis-masterdata-1_2.xsd",
}

# lxml schema objects keep their error log on the instance, so each thread gets its own copy.
_local = threading.local()
_lock = threading.Lock()


def xml_schema(namespace: str) -> etree.XMLSchema:
    """The compiled XSD for a root namespace (per thread: the error log is instance state)."""
    schemas: dict[str, etree.XMLSchema] = _local.__dict__.setdefault("schemas", {})
    schema = schemas.get(namespace)
    if schema is None:
        path = XSD_DIR / XSD_ENTRY_POINTS[namespace]
        schema = etree.XMLSchema(etree.parse(str(path), parser=_schema_parser()))
        schemas[namespace] = schema
    return schema


def _schema_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True)


def xml_parser() -> etree.XMLParser:
    """A per-thread hardened parser: no entity expansion, no network, line numbers kept."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=False)
        _local.parser = parser
    return parser


@cache
def _load_json(name: str) -> dict[str, Any]:
    with (JSON_DIR / name).open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def epcis_json_schema() -> dict[str, Any]:
    """The ratified EPCIS 2.0.1 JSON schema document."""
    return _load_json("epcis-json-schema-2.0.1.json")


_validators: dict[str, Draft7Validator] = {}


def json_validator(which: str) -> Draft7Validator:
    """A shared, format-checking validator: `document` (top level), `event` (one list entry) or `query`.

    The `event` validator checks one entry of an event list against the schema's own
    `EPCIS-Document-Event` definition, so per-event validation applies exactly the document rules.
    """
    validator = _validators.get(which)
    if validator is not None:
        return validator
    with _lock:
        validator = _validators.get(which)
        if validator is None:
            validator = _build_validator(which)
            _validators[which] = validator
    return validator


# Verdicts "this string passes this sub-schema", keyed by (id of the sub-schema, string). The schema
# dicts live as long as the process, and only passes are kept, so reported errors are never stale.
_passes: set[tuple[int, str]] = set()
_PASSES_LIMIT = 50_000  # about 5 MB; beyond it nothing new is remembered


def forget_passes() -> None:
    """Empty the remembered string verdicts (for benchmarks that want a cold start)."""
    _passes.clear()


def _memoized(keyword: Any) -> Any:
    """Wrap a keyword so a string instance already seen to pass its sub-schema is not re-checked.

    Event lists repeat the same property names, CBV values and types thousands of times; the
    schema's `anyOf` / `propertyNames` / `$ref` checks on them dominate jsonschema's time.
    """

    def check(validator: Validator, value: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
        if not isinstance(instance, str):
            yield from keyword(validator, value, instance, schema)
            return
        key = (id(schema), instance)
        if key in _passes:
            return
        errors = list(keyword(validator, value, instance, schema))
        if not errors and len(_passes) < _PASSES_LIMIT:
            _passes.add(key)
        yield from errors

    return check


def _memoized_property_names(validator: Validator, names: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    if not isinstance(instance, dict):
        return
    for name in instance:
        key = (id(names), name)
        if key in _passes:
            continue
        errors = list(validator.descend(instance=name, schema=names))
        if not errors and len(_passes) < _PASSES_LIMIT:
            _passes.add(key)
        yield from errors


_base_keywords = Draft7Validator.VALIDATORS
_FastDraft7Validator = validators.extend(
    Draft7Validator,
    {
        "anyOf": _memoized(_base_keywords["anyOf"]),
        "oneOf": _memoized(_base_keywords["oneOf"]),
        "$ref": _memoized(_base_keywords["$ref"]),
        "propertyNames": _memoized_property_names,
    },
)


def _build_validator(which: str) -> Draft7Validator:
    checker = Draft7Validator.FORMAT_CHECKER
    if which == "query":
        return Draft7Validator(_load_json("query-schema-2.0.0.json"), format_checker=checker)
    schema = epcis_json_schema()
    if which == "event":
        event_schema = {
            "$schema": schema["$schema"],
            "definitions": schema["definitions"],
            "$ref": "#/definitions/EPCIS-Document-Event",
        }
        return _FastDraft7Validator(event_schema, format_checker=checker)
    return _FastDraft7Validator(schema, format_checker=checker)


def _enum(definition: str) -> frozenset[str]:
    for branch in epcis_json_schema()["definitions"][definition]["anyOf"]:
        if "enum" in branch:
            return frozenset(branch["enum"])
    raise LookupError(definition)  # pragma: no cover - the bundled schema always has the enum


@cache
def cbv_biz_steps() -> frozenset[str]:
    """Standard CBV business steps (bare words), taken from the bundled ratified schema."""
    return _enum("bizStep")


@cache
def cbv_dispositions() -> frozenset[str]:
    """Standard CBV dispositions (bare words), taken from the bundled ratified schema."""
    return _enum("disposition")
