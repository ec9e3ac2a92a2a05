"""The event query over GS1's EPCIS 2.0 example documents (URN and Digital Link forms side by side)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import epcis
from app.models import Base, CaptureJob, EpcisEvent, EventEpc, EventField, EventLink, EventQuantity
from app.services import eventstore
from app.services.query import event_with_error_declarations, parse_query, run_query

TABLES = [t.__table__ for t in (CaptureJob, EpcisEvent, EventEpc, EventQuantity, EventLink, EventField)]
# (file under examples/json, how many of its events to store): the error-declaration document repeats the
# receiving event of Example 9.6.1 with the same eventID, so only its first event is taken.
DOCUMENTS = [
    ("Example_9.6.1-ObjectEvent.jsonld", 2),
    ("Example_9.6.2-ObjectEvent.jsonld", 1),
    ("Example_9.6.3-AggregationEvent.jsonld", 1),
    ("Example_9.6.4-TransformationEvent.jsonld", 1),
    ("PersistentDisposition-example.jsonld", 2),
    ("WithErrorDeclaration/Example_9.6.1-ObjectEvent-with-error-declaration.jsonld", 1),
]
# Events by the first hex digits of their hash event IDs.
SHIPPED, RECEIVED, QUANTITY, AGGREGATION, TRANSFORMATION, INFERRED, VERIFIED, DECLARED = (
    "df7bb3c3",
    "00e1e6eb",
    "a98f08ae",
    "87b5f18a",
    "e65c3a99",
    "56ba4f35",
    "dae7b481",
    "aa49daa1",
)
EXAMPLE_NS = "http://ns.example.com/epcis/"


@pytest.fixture
def examples(database: Any, reference: Path) -> Any:
    Base.metadata.create_all(database.engine, tables=TABLES, checkfirst=True)
    folder = reference / "epcis" / "examples" / "json"
    recorded = datetime(2026, 1, 1, tzinfo=UTC)
    with database.write() as session:
        n = 0
        for name, count in DOCUMENTS:
            for event in epcis.parse((folder / name).read_bytes()).events[:count]:
                n += 1
                eventstore.store(
                    session, event, record_time=recorded + timedelta(minutes=n), captured_by="test", capture_id=None
                )
    return database


def short(event_id: str) -> str:
    return event_id.removeprefix("ni:///sha-256;")[:8]


def found(database: Any, params: dict[str, list[str]]) -> list[str]:
    query = parse_query(params, extensions={"ex": EXAMPLE_NS})
    with database.read() as session:
        return [short(e["eventID"]) for e in run_query(session, query).events]


CASES: list[tuple[dict[str, list[str]], list[str]]] = [
    ({}, [VERIFIED, INFERRED, TRANSFORMATION, AGGREGATION, QUANTITY, RECEIVED, DECLARED, SHIPPED]),
    ({"MATCH_epc": ["urn:epc:id:sgtin:0614141.107346.2017"]}, [AGGREGATION, DECLARED, SHIPPED]),
    ({"MATCH_epc": ["https://id.gs1.org/01/10614141073464/21/2017"]}, [AGGREGATION, DECLARED, SHIPPED]),
    ({"MATCH_epc": ["urn:epc:idpat:sgtin:0614141.107346.*"]}, [AGGREGATION, RECEIVED, DECLARED, SHIPPED]),
    ({"MATCH_parentID": ["https://id.gs1.org/00/106141412345678908"]}, [AGGREGATION]),
    ({"MATCH_inputEPC": ["urn:epc:id:sgtin:4012345.011122.25"]}, [TRANSFORMATION]),
    ({"MATCH_outputEPC": ["urn:epc:idpat:sgtin:4012345.077889.*"]}, [TRANSFORMATION]),
    ({"MATCH_inputEPC": ["urn:epc:id:sgtin:4012345.077889.25"]}, []),
    ({"MATCH_epcClass": ["urn:epc:class:lgtin:4012345.012345.998877"]}, [AGGREGATION, QUANTITY]),
    ({"MATCH_inputEPCClass": ["urn:epc:idpat:sgtin:4012345.066666.*"]}, [TRANSFORMATION]),
    ({"EQ_quantity_KGM": ["200"]}, [QUANTITY]),
    ({"GE_quantity_KGM": ["200"]}, [AGGREGATION, QUANTITY]),
    ({"GE_quantity_GRM": ["200001"]}, [AGGREGATION]),
    ({"LT_quantity_KGM": ["20"]}, [TRANSFORMATION]),
    ({"EQ_quantity": ["10"]}, [AGGREGATION]),
    ({"EQ_persistentDisposition_set": ["completeness_inferred"]}, [INFERRED]),
    ({"EQ_persistentDisposition_unset": ["completeness_inferred"]}, [VERIFIED]),
    ({"EQ_bizStep": ["urn:epcglobal:cbv:bizstep:receiving"]}, [INFERRED, AGGREGATION, QUANTITY, RECEIVED]),
    ({"EQ_readPoint": ["urn:epc:id:sgln:0012345.11111.400"]}, [RECEIVED]),
    ({"WD_readPoint": ["urn:epc:id:sgln:0012345.11111.0"]}, [RECEIVED]),
    ({"WD_bizLocation": ["urn:epc:id:sgln:0012345.11111.0"]}, [RECEIVED]),
    ({"EQ_bizTransaction_desadv": ["urn:epcglobal:cbv:bt:0614141073467:1152"]}, [RECEIVED]),
    ({"EQ_bizTransaction_po": ["http://transaction.acme.com/po/12345678"]}, [RECEIVED, DECLARED, SHIPPED]),
    ({"EQ_source_owning_party": ["urn:epc:id:pgln:9520001.11111"]}, [VERIFIED, INFERRED]),
    ({"EXISTS_errorDeclaration": [""]}, [DECLARED]),
    ({"EQ_errorReason": ["incorrect_data"]}, [DECLARED]),
    ({"EQ_ILMD_ex:batch": ["XYZ"]}, [TRANSFORMATION]),
    ({"LT_ILMD_ex:bestBeforeDate": ["2015-01-01"]}, [TRANSFORMATION]),
    ({"EXISTS_ex:myField": [""]}, [TRANSFORMATION, AGGREGATION, QUANTITY, RECEIVED]),
    ({"EXISTS_ex:myField": ["false"]}, [VERIFIED, INFERRED, DECLARED, SHIPPED]),
    ({"eventType": ["AggregationEvent|TransformationEvent"]}, [TRANSFORMATION, AGGREGATION]),
    ({"LT_eventTime": ["2005-04-04T02:33:31.116Z"]}, []),
    ({"LT_eventTime": ["2005-04-04T02:33:31.117Z"]}, [DECLARED, SHIPPED]),
]


def test_gs1_examples(examples: Any) -> None:
    wrong = [(params, got, expected) for params, expected in CASES if (got := found(examples, params)) != expected]
    assert wrong == []


def test_an_example_event_and_its_error_declaration(examples: Any) -> None:
    with examples.read() as session:
        shipped = event_with_error_declarations(
            session, "ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0"
        )
        received = event_with_error_declarations(
            session, "ni:///sha-256;00e1e6eba3a7cc6125be4793a631f0af50f8322e0ab5f2c0bab994a11cec1d79?ver=CBV2.0"
        )
    assert shipped is not None and received is not None
    assert [short(e["eventID"]) for e in shipped] == [SHIPPED, DECLARED]
    assert shipped[1]["errorDeclaration"]["declarationTime"] == "2021-02-01T22:46:31.117Z"
    assert [short(e["eventID"]) for e in received] == [RECEIVED]
