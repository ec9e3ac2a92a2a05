"""Bundled GS1 schemas (EPCIS 2.0 and 1.2 XSD, ratified JSON schemas), compiled once and cached."""

from __future__ import annotations

import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
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
        return Draft7Validator(event_schema, format_checker=checker)
    return Draft7Validator(schema, format_checker=checker)


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
