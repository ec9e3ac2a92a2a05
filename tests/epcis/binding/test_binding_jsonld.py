"""EPCIS JSON-LD binding: bare-word CBV output, prefixes from @context, JSON types kept, exact errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from epcis import parse, to_jsonld, to_xml
from epcis.errors import EpcisError, EpcisParseError
from epcis.jsonld import EPCIS_CONTEXT, bundled_context, parse_jsonld
from epcis.model import (
    BizTransaction,
    Document,
    Epc,
    Extension,
    Location,
    ObjectEvent,
    Partner,
    QuantityElement,
    SensorElement,
    SensorReport,
)

REFERENCE = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference"
CET = timezone(timedelta(hours=1))


def _document() -> Document:
    event = ObjectEvent(
        event_time=datetime(2024, 1, 2, 10, 0, tzinfo=CET),
        event_time_zone_offset="+01:00",
        action="ADD",
        epc_list=[Epc("urn:epc:id:sgtin:4012345.011111.9876")],
        quantity_list=[
            QuantityElement(
                epc_class=Epc("urn:epc:class:lgtin:4012345.011111.LOT1"), quantity=Decimal("2.5"), uom="KGM"
            )
        ],
        biz_step="commissioning",
        disposition="active",
        read_point=Location(id=Epc("urn:epc:id:sgln:4012345.00001.0")),
        biz_transactions=[BizTransaction(value="urn:epcglobal:cbv:bt:4012345000009:PO1", type="po")],
        sensor_elements=[SensorElement(reports=[SensorReport(type="Temperature", value=Decimal("4.5"), uom="CEL")])],
        extensions=[
            Extension(name="{https://ex.example/ns/}batch", text="B1"),
            Extension(name="{https://other.example/}n", text="5", json_type="number"),
        ],
    )
    return Document(
        creation_date=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        namespaces={"ex": "https://ex.example/ns/", "ext1": "https://taken.example/"},
        events=[event],
    )


def test_writes_bare_cbv_words_and_declares_extension_prefixes() -> None:
    assert to_jsonld(_document()) == {
        "@context": [EPCIS_CONTEXT, {"ex": "https://ex.example/ns/", "ext2": "https://other.example/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-01-02T03:04:05.000Z",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventTime": "2024-01-02T10:00:00.000+01:00",
                    "eventTimeZoneOffset": "+01:00",
                    "epcList": ["urn:epc:id:sgtin:4012345.011111.9876"],
                    "quantityList": [
                        {"epcClass": "urn:epc:class:lgtin:4012345.011111.LOT1", "quantity": 2.5, "uom": "KGM"}
                    ],
                    "action": "ADD",
                    "bizStep": "commissioning",
                    "disposition": "active",
                    "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
                    "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO1"}],
                    "sensorElementList": [{"sensorReport": [{"type": "Temperature", "value": 4.5, "uom": "CEL"}]}],
                    "ex:batch": "B1",
                    "ext2:n": 5,
                }
            ]
        },
    }


def test_reads_urn_web_uri_and_bare_forms_alike() -> None:
    body = {
        "type": "ObjectEvent",
        "eventTime": "2024-01-01T00:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "ADD",
    }
    forms = ["shipping", "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping"]
    steps = {parse(json.dumps(body | {"bizStep": form})).events[0].biz_step for form in forms}
    assert steps == {"shipping"}
    custom = parse(json.dumps(body | {"bizStep": "https://example.com/steps/labelling"})).events[0]
    assert custom.biz_step == "https://example.com/steps/labelling"


def test_extension_types_and_nesting_survive_json_round_trips() -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2024-01-01T00:00:00.000Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "ex:count": 3,
        "ex:ratio": 0.25,
        "ex:ok": True,
        "ex:none": None,
        "ex:tags": ["a", "b"],
        "ex:nested": {"ex:inner": {"ex:deep": "x", "@ex:unit": "KGM"}, "#text": "t"},
    }
    doc = {
        "@context": [EPCIS_CONTEXT, {"ex": "https://ex.example/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-01-01T00:00:00.000Z",
        "epcisBody": {"eventList": [event]},
    }
    parsed = parse(json.dumps(doc))
    names = [e.name for e in parsed.events[0].extensions]
    assert names[:4] == [
        "{https://ex.example/}count",
        "{https://ex.example/}ratio",
        "{https://ex.example/}ok",
        "{https://ex.example/}none",
    ]
    assert to_jsonld(parsed) == doc
    assert parse(to_xml(parsed)) == parsed


def test_nested_contexts_resolve_prefixes(reference: Path) -> None:
    path = reference / "epcis/examples/openepcis-test-resources/2.0/EPCIS/JSON/Capture/Documents"
    doc = parse((path / "Namespaces_at_different_level.json").read_bytes())
    names = {e.name for event in doc.events for e in event.extensions}
    assert not any(":" in name.partition("}")[2] for name in names)
    assert parse(to_xml(doc)) == doc


def test_prefix_known_only_to_a_remote_context_cannot_become_xml(reference: Path) -> None:
    path = reference / "epcis/examples/regulator-extensions/gs1-egypt-hc/GS1_Eg_EPCIS_Document_1.json"
    doc = parse(path.read_bytes())
    with pytest.raises(EpcisError) as info:
        to_xml(doc)
    assert str(info.value) == (
        "extension 'gs1egypthc:dosageQuantityList' has no namespace: "
        "prefix 'gs1egypthc' is not declared in an @context object"
    )


def test_pseudo_sbdh_fields_fill_the_header(reference: Path) -> None:
    path = reference / "epcis/examples/json/Example_9.6.1-ObjectEvent-with-pseudo-SBDH-headers.jsonld"
    doc = parse(path.read_bytes())
    assert doc.header is not None and doc.header.sbdh is not None
    assert doc.header.sbdh.senders == [Partner(identifier="urn:epc:id:sgln:0353579.00001.0")]
    assert doc.header.sbdh.receivers == [Partner(identifier="urn:epc:id:sgln:5012345.00001.0")]
    assert doc.header.sbdh.instance_identifier == "1234567890"
    out = to_jsonld(doc)
    assert (out["sender"], out["receiver"], out["instanceIdentifier"]) == (
        "urn:epc:id:sgln:0353579.00001.0",
        "urn:epc:id:sgln:5012345.00001.0",
        "1234567890",
    )
    assert parse(json.dumps(out)) == doc


def test_bundled_contexts_are_the_published_ones(reference: Path) -> None:
    ratified = reference / "epcis/json/context/epcis-context.ref.gs1.org-2.0.0.jsonld"
    assert bundled_context() == json.loads(ratified.read_text("utf-8"))
    with pytest.raises(KeyError):
        bundled_context("https://example.com/context.jsonld")


def _doc(event: dict[str, Any]) -> str:
    return json.dumps(
        {
            "@context": [EPCIS_CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2024-01-01T00:00:00Z",
            "epcisBody": {"eventList": [event]},
        }
    )


GOOD = {"type": "ObjectEvent", "eventTime": "2024-01-01T00:00:00Z", "eventTimeZoneOffset": "+01:00", "action": "ADD"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _doc({"type": "ObjectEvent", "eventTimeZoneOffset": "+01:00", "action": "ADD"}),
            "event 0, field 'eventTime': missing",
        ),
        (
            _doc(GOOD | {"eventTime": "2024-01-01T00:00:00"}),
            "event 0, field 'eventTime': time '2024-01-01T00:00:00' has no time zone",
        ),
        (_doc({"type": "QuantityEvent"}), "event 0, field 'type': unknown event type 'QuantityEvent'"),
        (
            _doc(GOOD | {"epcList": "urn:epc:id:sgtin:4012345.011111.9876"}),
            "event 0, field 'epcList': expected an array, found \"urn:epc:id:sgtin:4012345.011111.9876\"",
        ),
        (
            _doc(GOOD | {"quantityList": [{"epcClass": "x", "quantity": "many"}]}),
            "event 0, field 'quantityList': 'many' is not a decimal number",
        ),
        (_doc(GOOD | {"childEPCs": []}), "event 0, field 'childEPCs': not allowed in ObjectEvent"),
        (
            _doc(GOOD | {"readPoint": "urn:epc:id:sgln:4012345.00001.0"}),
            "event 0, field 'readPoint': expected an object with an id",
        ),
        (
            _doc(GOOD | {"sensorElementList": [{"sensorReport": [{"booleanValue": "yes"}]}]}),
            "event 0, field 'sensorElementList': booleanValue 'yes' is not a boolean",
        ),
        (
            _doc(GOOD | {"bizTransactionList": ["urn:epcglobal:cbv:bt:4012345000009:PO1"]}),
            "event 0, field 'bizTransactionList': expected an object, found \"urn:epcglobal:cbv:bt:4012345000009:PO1\"",
        ),
        (
            _doc(GOOD | {"sourceList": [{"source": "urn:epc:id:pgln:4012345.00000"}]}),
            "event 0, field 'sourceList': expected a string, found null",
        ),
        (_doc(GOOD | {"ilmd": ["lot"]}), "event 0, field 'ilmd': expected an object, found [\"lot\"]"),
        ('{"type": "EPCISDocument", "epcisBody": ', "not valid JSON: Expecting value: line 1 column 40 (char 39)"),
        ("[1, 2]", "not an EPCIS document: expected XML ('<') or JSON-LD ('{'), found '['"),
        ('{"type": "Thing"}', "field 'type': type 'Thing' is not EPCISDocument, EPCISQueryDocument or an event type"),
    ],
)
def test_parse_errors_say_where_and_why(data: str, message: str) -> None:
    with pytest.raises(EpcisParseError) as info:
        parse(data)
    assert str(info.value) == message


def test_json_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(EpcisParseError) as info:
        parse_jsonld("[1, 2]")
    assert str(info.value) == "an EPCIS JSON-LD document must be a JSON object"


def test_a_documents_own_context_is_kept(reference: Path) -> None:
    path = reference / "epcis-hash/examples/epcisDocWithVariousEventTypes.jsonld"
    original = json.loads(path.read_text("utf-8"))
    doc = parse(path.read_bytes())
    assert to_jsonld(doc)["@context"] == original["@context"]
    doc.events[0].extensions.append(Extension(name="{https://new.example/}x", text="1"))
    assert to_jsonld(doc)["@context"] == [*original["@context"], {"ext1": "https://new.example/"}]


def test_caller_supplied_contexts_resolve_regulator_prefixes(reference: Path) -> None:
    folder = reference / "epcis/examples/regulator-extensions/gs1-egypt-hc"
    url = "https://ref.gs1eg.org/extensions/epcis/hc/2.0.0/hc-context.jsonld"
    context = json.loads((folder / "hc-context.jsonld").read_text("utf-8"))
    doc = parse_jsonld((folder / "GS1_Eg_EPCIS_Document_1.json").read_bytes(), contexts={url: context})
    names = {e.name for event in doc.events for e in event.extensions}
    assert "{https://ref.gs1eg.org/extensions/epcis/hc/voc/}dosageQuantityList" in names
    assert parse(to_xml(doc)).events == doc.events
