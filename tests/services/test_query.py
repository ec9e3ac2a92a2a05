"""The EPCIS SimpleEventQuery over stored events: every parameter family, paging, errors, listings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app.errors import QueryParameterError, QueryTooLarge
from app.models import Base, CaptureJob, EpcisEvent, EventEpc, EventField, EventLink, EventQuantity
from app.services import eventstore
from app.services.query import (
    MAX_PER_PAGE,
    distinct_values,
    event_with_error_declarations,
    parse_query,
    run_query,
)
from epcis import model as m

TABLES = [t.__table__ for t in (CaptureJob, EpcisEvent, EventEpc, EventQuantity, EventLink, EventField)]
CX = "https://custody.example/epcis/"
MDA = "{urn:epcglobal:cbv:mda:}"
GTIN_PATTERN = "urn:epc:idpat:sgtin:9506000.013435.*"
SSCC = "urn:epc:id:sscc:9506000.0000000001"
SITE = "urn:epc:id:sgln:9506000.00001.0"
DOCK = "urn:epc:id:sgln:9506000.00001.7"
WAREHOUSE = "urn:epc:id:sgln:9520999.00002.0"
OWNER = "urn:epc:id:pgln:9506000.00001"
BUYER = "urn:epc:id:pgln:9520999.00002"
PO = "urn:epcglobal:cbv:bt:9506000000015:PO-1"
RECORDED = datetime(2026, 1, 1, tzinfo=UTC)
NAMES = ["commA", "commB", "pack", "ship", "bulk", "mix", "decom", "temp", "shipErr"]
ID = {name: f"urn:uuid:7d1c0a52-5b1e-4c3a-9f00-{n:012d}" for n, name in enumerate(NAMES, 1)}
NAME = {v: k for k, v in ID.items()}
# Default order: eventTime descending, then capture order descending (shipErr repeats ship's time).
ALL_DESC = ["temp", "decom", "mix", "bulk", "shipErr", "ship", "pack", "commB", "commA"]


def dl(serial: str) -> m.Epc:
    return m.Epc(f"https://id.gs1.org/01/09506000134352/21/{serial}")


def urn(serial: str) -> m.Epc:
    return m.Epc(f"urn:epc:id:sgtin:9506000.013435.{serial}")


def at(day: int, hour: int) -> datetime:
    """A local time at +01:00 in March 2025."""
    return datetime(2025, 3, day, hour, tzinfo=UTC) - timedelta(hours=1)


def ext(name: str, text: str) -> m.Extension:
    return m.Extension(name=name, text=text)


def qty(epc_class: str, quantity: str, uom: str | None) -> m.QuantityElement:
    return m.QuantityElement(epc_class=m.Epc(epc_class), quantity=Decimal(quantity), uom=uom)


def pharma_events() -> list[m.Event]:
    common: dict[str, Any] = {"event_time_zone_offset": "+01:00"}
    ship_kwargs: dict[str, Any] = {
        **common,
        "event_time": at(4, 10),
        "action": "OBSERVE",
        "epc_list": [m.Epc(SSCC)],
        "biz_step": "shipping",
        "disposition": "in_transit",
        "read_point": m.Location(id=m.Epc(DOCK)),
        "biz_location": m.Location(id=m.Epc(SITE)),
        "biz_transactions": [
            m.BizTransaction(type="po", value=PO),
            m.BizTransaction(type="desadv", value="urn:epcglobal:cbv:bt:9506000000015:ASN-9"),
        ],
        "sources": [m.SourceDest(type="owning_party", value=m.Epc(OWNER))],
        "destinations": [
            m.SourceDest(type="owning_party", value=m.Epc(BUYER)),
            m.SourceDest(type="location", value=m.Epc(WAREHOUSE)),
        ],
        "persistent_disposition": m.PersistentDisposition(set=["completeness_verified"]),
    }
    events: list[m.Event] = [
        m.ObjectEvent(
            **common,
            event_time=at(1, 8),
            action="ADD",
            epc_list=[dl("A1"), dl("A2"), dl("A3")],
            biz_step="commissioning",
            disposition="active",
            read_point=m.Location(id=m.Epc(DOCK)),
            biz_location=m.Location(id=m.Epc(SITE)),
            ilmd=[ext(MDA + "lotNumber", "LOT-A"), ext(MDA + "itemExpirationDate", "2027-12-31")],
            extensions=[ext(f"{{{CX}}}line", "3")],
        ),
        m.ObjectEvent(
            **common,
            event_time=at(2, 8),
            action="ADD",
            epc_list=[urn("B1"), urn("B2")],
            biz_step="commissioning",
            disposition="active",
            read_point=m.Location(id=m.Epc(SITE)),
            biz_location=m.Location(id=m.Epc(SITE)),
            ilmd=[ext(MDA + "lotNumber", "LOT-B"), ext(MDA + "itemExpirationDate", "2026-06-30")],
            extensions=[ext(f"{{{CX}}}line", "12")],
        ),
        m.AggregationEvent(
            **common,
            event_time=at(3, 9),
            action="ADD",
            parent_id=m.Epc(SSCC),
            child_epcs=[urn("A1"), dl("A2")],
            biz_step="packing",
            disposition="in_progress",
            read_point=m.Location(id=m.Epc(DOCK)),
        ),
        m.ObjectEvent(**ship_kwargs),
        m.ObjectEvent(
            **common,
            event_time=at(5, 11),
            action="OBSERVE",
            quantity_list=[qty("urn:epc:class:lgtin:9506000.013435.LOT-A", "1", "KGM")],
            biz_step="receiving",
            read_point=m.Location(id=m.Epc(WAREHOUSE)),
        ),
        m.TransformationEvent(
            **common,
            event_time=at(6, 12),
            input_quantity_list=[qty("urn:epc:class:lgtin:9506000.013435.LOT-B", "250", "GRM")],
            output_quantity_list=[qty(GTIN_PATTERN, "12", None)],
            transformation_id="urn:uuid:6f5e2b1c-0000-4000-8000-00000000aaaa",
            biz_step="urn:example:bizstep:blend",
            read_point=m.Location(id=m.Epc(WAREHOUSE)),
            ilmd=[ext(MDA + "lotNumber", "LOT-C")],
        ),
        m.ObjectEvent(
            **common,
            event_time=at(7, 8),
            action="DELETE",
            epc_list=[dl("B2")],
            biz_step="decommissioning",
            disposition="inactive",
            persistent_disposition=m.PersistentDisposition(unset=["completeness_verified"]),
        ),
        m.ObjectEvent(
            **common,
            event_time=at(8, 8),
            action="OBSERVE",
            quantity_list=[qty("urn:epc:class:lgtin:9506000.013435.LOT-B", "8", "CEL")],
            biz_step="storing",
        ),
        # The shipping event again, declared in error (same content, so the same event hash).
        m.ObjectEvent(
            **ship_kwargs,
            error_declaration=m.ErrorDeclaration(
                declaration_time=datetime(2026, 2, 1, 10, tzinfo=UTC),
                reason="incorrect_data",
                corrective_event_ids=["urn:uuid:7d1c0a52-5b1e-4c3a-9f00-0000000000ff"],
            ),
        ),
    ]
    for name, event in zip(NAMES, events, strict=True):
        event.event_id = ID[name]
    return events


@pytest.fixture
def db(database: Any) -> Any:
    # The EPCIS tables come with a later migration; create them when the schema lacks them.
    Base.metadata.create_all(database.engine, tables=TABLES, checkfirst=True)
    return database


@pytest.fixture
def seeded(db: Any) -> Any:
    with db.write() as session:
        for n, event in enumerate(pharma_events()):
            eventstore.store(
                session, event, record_time=RECORDED + timedelta(minutes=n), captured_by="test", capture_id=None
            )
    return db


def names(
    database: Any, params: Mapping[str, Any], *, implicit: dict[str, list[str]] | None = None, **options: Any
) -> list[str]:
    query = parse_query(params, implicit=implicit, extensions={"cx": CX}, **options)
    with database.read() as session:
        page = run_query(session, query)
    assert page.next_page_token is None
    return [NAME[e["eventID"]] for e in page.events]


def check(database: Any, cases: list[tuple[dict[str, list[str]], list[str]]]) -> None:
    """Each case's result, all compared at once so one failure shows every mismatch."""
    wrong = [(params, got, expected) for params, expected in cases if (got := names(database, params)) != expected]
    assert wrong == []


def q(**params: str) -> dict[str, list[str]]:
    return {k: [v] for k, v in params.items()}


def error(params: Mapping[str, Any], **kwargs: Any) -> QueryParameterError:
    with pytest.raises(QueryParameterError) as caught:
        parse_query(params, extensions={"cx": CX}, **kwargs)
    return caught.value


# --- parameter families -------------------------------------------------------------------------------------------


def test_no_parameters_returns_every_event_newest_first(seeded: Any) -> None:
    assert names(seeded, {}) == ALL_DESC


def test_every_body_is_the_stored_json_ld_with_record_time(seeded: Any) -> None:
    with seeded.read() as session:
        page = run_query(session, parse_query({}))
    bodies = {e["eventID"]: e for e in page.events}
    assert bodies[ID["commA"]]["recordTime"] == "2026-01-01T00:00:00.000Z"
    assert bodies[ID["shipErr"]]["recordTime"] == "2026-01-01T00:08:00.000Z"
    assert bodies[ID["bulk"]]["quantityList"] == [
        {"epcClass": "urn:epc:class:lgtin:9506000.013435.LOT-A", "quantity": 1, "uom": "KGM"}
    ]


def test_type_time_action_and_id_filters(seeded: Any) -> None:
    check(
        seeded,
        [
            (q(eventType="AggregationEvent|TransformationEvent"), ["mix", "pack"]),
            ({"eventType": ["AggregationEvent", "TransformationEvent"]}, ["mix", "pack"]),
            (q(eventType="AssociationEvent"), []),
            (q(GE_eventTime="2025-03-04T09:00:00Z", LT_eventTime="2025-03-06T11:00:00Z"), ["bulk", "shipErr", "ship"]),
            (
                q(GE_eventTime="2025-03-04T10:00:00+01:00", LT_eventTime="2025-03-06T12:00:00+01:00"),
                ["bulk", "shipErr", "ship"],
            ),
            (q(GE_recordTime="2026-01-01T00:04:00Z", LT_recordTime="2026-01-01T00:06:00Z"), ["mix", "bulk"]),
            (q(EQ_action="DELETE"), ["decom"]),
            (q(EQ_action="ADD|DELETE"), ["decom", "pack", "commB", "commA"]),
            (q(EQ_transformationID="urn:uuid:6f5e2b1c-0000-4000-8000-00000000aaaa"), ["mix"]),
            (q(EQ_eventID=f"{ID['ship']}|{ID['bulk']}"), ["bulk", "ship"]),
        ],
    )


def test_biz_step_bare_word_urn_and_web_uri_compare_equal(seeded: Any) -> None:
    for value in ["shipping", "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping"]:
        assert names(seeded, q(EQ_bizStep=value)) == ["shipErr", "ship"]


def test_vocabulary_filters(seeded: Any) -> None:
    check(
        seeded,
        [
            (q(EQ_bizStep="commissioning|urn:epcglobal:cbv:bizstep:packing"), ["pack", "commB", "commA"]),
            (q(EQ_bizStep="urn:example:bizstep:blend"), ["mix"]),
            (q(EQ_disposition="urn:epcglobal:cbv:disp:in_transit"), ["shipErr", "ship"]),
            (q(EQ_disposition="https://ref.gs1.org/cbv/Disp-active|inactive"), ["decom", "commB", "commA"]),
            (q(EQ_persistentDisposition_set="completeness_verified"), ["shipErr", "ship"]),
            (q(EQ_persistentDisposition_set="urn:epcglobal:cbv:disp:completeness_verified"), ["shipErr", "ship"]),
            (q(EQ_persistentDisposition_unset="completeness_verified"), ["decom"]),
            (q(EQ_persistentDisposition_set="completeness_inferred"), []),
        ],
    )


def test_location_filters_compare_canonical_forms(seeded: Any) -> None:
    check(
        seeded,
        [
            (q(EQ_readPoint=DOCK), ["shipErr", "ship", "pack", "commA"]),
            (q(EQ_readPoint="https://id.gs1.org/414/9506000000015/254/7"), ["shipErr", "ship", "pack", "commA"]),
            (q(EQ_readPoint=SITE), ["commB"]),
            (q(WD_readPoint=SITE), ["shipErr", "ship", "pack", "commB", "commA"]),
            (q(WD_readPoint="https://id.gs1.org/414/9506000000015"), ["shipErr", "ship", "pack", "commB", "commA"]),
            (q(WD_readPoint=DOCK), ["shipErr", "ship", "pack", "commA"]),
            (q(EQ_bizLocation=SITE), ["shipErr", "ship", "commB", "commA"]),
            (q(WD_bizLocation=WAREHOUSE), []),
            (q(EQ_readPoint=f"{WAREHOUSE}|{SITE}"), ["mix", "bulk", "commB"]),
        ],
    )


def test_epc_matching(seeded: Any) -> None:
    check(
        seeded,
        [
            (q(MATCH_epc="https://id.gs1.org/01/09506000134352/21/A1"), ["pack", "commA"]),
            (q(MATCH_epc="urn:epc:id:sgtin:9506000.013435.A2"), ["pack", "commA"]),
            (q(MATCH_epc="https://example.com/gtin/9506000134352/ser/A3?linkType=all"), ["commA"]),
            (q(MATCH_epc=GTIN_PATTERN), ["decom", "pack", "commB", "commA"]),
            (q(MATCH_epc="https://id.gs1.org/01/09506000134352"), ["decom", "pack", "commB", "commA"]),
            (q(MATCH_epc="urn:epc:idpat:sgtin:9506000.*.*"), ["decom", "pack", "commB", "commA"]),
            (q(MATCH_epc="urn:epc:idpat:sgtin:9506001.*.*"), []),
            (q(MATCH_epc=SSCC), ["shipErr", "ship"]),
            (q(MATCH_epc="urn:epc:idpat:sscc:9506000.*"), ["shipErr", "ship"]),
            (q(MATCH_epc=f"{urn('B2')}|{SSCC}"), ["decom", "shipErr", "ship", "commB"]),
            (q(MATCH_parentID=SSCC), ["pack"]),
            (q(MATCH_anyEPC=SSCC), ["shipErr", "ship", "pack"]),
            (q(MATCH_anyEPC=urn("A3")), ["commA"]),
            (q(MATCH_epc="urn:epc:id:sgtin:9506000.013435.ZZ"), []),
        ],
    )


def test_epc_class_matching(seeded: Any) -> None:
    check(
        seeded,
        [
            (q(MATCH_epcClass="urn:epc:class:lgtin:9506000.013435.LOT-A"), ["bulk"]),
            (q(MATCH_epcClass="https://id.gs1.org/01/09506000134352/10/LOT-A"), ["bulk"]),
            (q(MATCH_epcClass=GTIN_PATTERN), ["temp", "bulk"]),
            (q(MATCH_epcClass="https://id.gs1.org/01/09506000134352"), ["temp", "bulk"]),
            (q(MATCH_inputEPCClass="urn:epc:class:lgtin:9506000.013435.LOT-B"), ["mix"]),
            (q(MATCH_outputEPCClass="https://id.gs1.org/01/09506000134352"), ["mix"]),
            (q(MATCH_outputEPCClass="urn:epc:class:lgtin:9506000.013435.LOT-B"), []),
            (q(MATCH_anyEPCClass=GTIN_PATTERN), ["temp", "mix", "bulk"]),
        ],
    )


def test_quantity_filters_convert_units(seeded: Any) -> None:
    check(
        seeded,
        [
            (q(GE_quantity_GRM="500"), ["bulk"]),  # 1 KGM is 1000 GRM
            (q(GE_quantity_GRM="200"), ["mix", "bulk"]),
            (q(LT_quantity_KGM="0.5"), ["mix"]),  # 250 GRM
            (q(EQ_quantity_GRM="1000"), ["bulk"]),
            (q(EQ_quantity_MGM="250000"), ["mix"]),
            (q(GE_quantity_KGM="1"), ["bulk"]),
            (q(GT_quantity_KGM="1"), []),
            (q(LE_quantity_LBR="0.56"), ["mix"]),  # 0.25 kg is 0.551 lb; 1 kg is 2.2 lb
            (q(GE_quantity_GRM="100", LT_quantity_GRM="300"), ["mix"]),
            (q(EQ_quantity="12"), ["mix"]),
            (q(GT_quantity="11.5"), ["mix"]),
            (q(GE_quantity_KEL="281.15"), ["temp"]),  # 8 CEL
            (q(GT_quantity_KEL="281.15"), []),
            (q(EQ_quantity_FAH="46.4"), ["temp"]),
            (q(LT_quantity_FAH="46.41"), ["temp"]),
            (q(LT_quantity_FAH="46.39"), []),
            (q(EQ_quantity_BX="1"), []),  # not convertible: compared with values in BX only
        ],
    )


def test_error_declaration_filters(seeded: Any) -> None:
    check(
        seeded,
        [
            (q(EXISTS_errorDeclaration=""), ["shipErr"]),
            (q(EXISTS_errorDeclaration="true"), ["shipErr"]),
            (q(EXISTS_errorDeclaration="false"), ALL_DESC),  # false: with or without a declaration
            (q(GE_errorDeclarationTime="2026-02-01T10:00:00Z"), ["shipErr"]),
            (q(GE_errorDeclaration_Time="2026-02-01T10:00:00.001Z"), []),
            (q(LT_errorDeclaration_Time="2026-02-01T10:00:00.001Z"), ["shipErr"]),
            (q(EQ_errorReason="urn:epcglobal:cbv:er:incorrect_data"), ["shipErr"]),
            (q(EQ_errorReason="did_not_occur"), []),
            (q(EQ_correctiveEventID="urn:uuid:7d1c0a52-5b1e-4c3a-9f00-0000000000ff"), ["shipErr"]),
        ],
    )


def test_business_transaction_source_and_destination(seeded: Any) -> None:
    check(
        seeded,
        [
            ({"EQ_bizTransaction_po": [PO]}, ["shipErr", "ship"]),
            ({"EQ_bizTransaction_urn:epcglobal:cbv:btt:po": [PO]}, ["shipErr", "ship"]),
            ({"EQ_bizTransaction_desadv": [PO]}, []),
            ({"EQ_source_owning_party": [OWNER]}, ["shipErr", "ship"]),
            ({"EQ_source_owning_party": ["https://id.gs1.org/417/9506000000015"]}, ["shipErr", "ship"]),
            ({"EQ_destination_owning_party": [OWNER]}, []),
            ({"EQ_destination_location": [WAREHOUSE]}, ["shipErr", "ship"]),
            ({"EQ_destination_urn:epcglobal:cbv:sdt:owning_party": [BUYER]}, ["shipErr", "ship"]),
        ],
    )


def test_ilmd_and_extension_fields(seeded: Any) -> None:
    check(
        seeded,
        [
            ({"EQ_ILMD_cbvmda:lotNumber": ["LOT-A"]}, ["commA"]),
            ({"EQ_ILMD_cbvmda:lotNumber": ["LOT-A|LOT-C"]}, ["mix", "commA"]),
            ({"EQ_ILMD_cbvmda:lotNumber": ["LOT-Z"]}, []),
            ({"GE_ILMD_cbvmda:itemExpirationDate": ["2027-01-01"]}, ["commA"]),
            ({"LT_ILMD_cbvmda:itemExpirationDate": ["2027-01-01"]}, ["commB"]),
            ({"EXISTS_ILMD_cbvmda:itemExpirationDate": [""]}, ["commB", "commA"]),
            ({"EXISTS_ILMD_cbvmda:lotNumber": ["false"]}, ["temp", "decom", "bulk", "shipErr", "ship", "pack"]),
            ({"EQ_cx:line": ["3"]}, ["commA"]),
            ({"GT_cx:line": ["5"]}, ["commB"]),  # numeric: 12 > 5 although "12" < "5" as text
            ({"LE_cx:line": ["3"]}, ["commA"]),
            ({"EXISTS_cx:line": [""]}, ["commB", "commA"]),
            ({"EQ_ILMD_cx:line": ["3"]}, []),  # an extension field, not an ILMD field
        ],
    )


def test_parameters_combine_with_and(seeded: Any) -> None:
    params = {"EQ_bizStep": ["commissioning"], "EQ_ILMD_cbvmda:lotNumber": ["LOT-B"], "MATCH_epc": [GTIN_PATTERN]}
    assert names(seeded, params) == ["commB"]


def test_werkzeug_multidict_with_repeated_parameters(seeded: Any) -> None:
    params = MultiDict([("EQ_bizStep", "packing"), ("EQ_bizStep", "shipping"), ("EQ_action", "ADD")])
    assert names(seeded, params) == ["pack"]


def test_implicit_filters_from_the_path_apply_on_top(seeded: Any) -> None:
    assert names(seeded, {}, implicit={"EQ_bizStep": ["shipping"]}) == ["shipErr", "ship"]
    assert names(seeded, q(EQ_bizStep="packing"), implicit={"EQ_bizStep": ["shipping"]}) == []
    assert names(seeded, {}, implicit={"MATCH_anyEPC": [SSCC]}) == ["shipErr", "ship", "pack"]


# --- ordering, limits, paging -------------------------------------------------------------------------------------


def test_order_by_and_direction(seeded: Any) -> None:
    assert names(seeded, q(orderBy="eventTime", orderDirection="ASC")) == ALL_DESC[::-1]
    assert names(seeded, q(orderBy="recordTime")) == ["shipErr", *ALL_DESC[:4], "ship", "pack", "commB", "commA"]
    assert names(seeded, q(orderBy="recordTime", orderDirection="ASC")) == NAMES


def test_event_count_limit_returns_the_first_n_across_pages(seeded: Any) -> None:
    assert names(seeded, q(orderBy="eventTime", eventCountLimit="3")) == ["temp", "decom", "mix"]
    query = parse_query(q(orderBy="eventTime", orderDirection="ASC", eventCountLimit="3", perPage="2"))
    with seeded.read() as session:
        first = run_query(session, query)
        assert [NAME[e["eventID"]] for e in first.events] == ["commA", "commB"]
        assert first.next_page_token is not None
        more = {"orderBy": ["eventTime"], "orderDirection": ["ASC"], "eventCountLimit": ["3"], "perPage": ["2"]}
        second = run_query(session, parse_query({**more, "nextPageToken": [first.next_page_token]}))
    assert [NAME[e["eventID"]] for e in second.events] == ["pack"]
    assert second.next_page_token is None


def test_max_event_count(seeded: Any) -> None:
    assert names(seeded, q(maxEventCount="9")) == ALL_DESC
    assert names(seeded, q(maxEventCount="2", EQ_bizStep="shipping")) == ["shipErr", "ship"]
    query = parse_query(q(maxEventCount="8"))
    with seeded.read() as session, pytest.raises(QueryTooLarge) as caught:
        run_query(session, query)
    assert caught.value.detail == "the query matches more than 8 events (maxEventCount=8)"
    assert caught.value.field == "maxEventCount"
    # Counted after the filters checked in Python too.
    query = parse_query(q(maxEventCount="1", EQ_persistentDisposition_set="completeness_verified"))
    with seeded.read() as session, pytest.raises(QueryTooLarge):
        run_query(session, query)


def pages(database: Any, params: dict[str, list[str]], **options: Any) -> list[list[str]]:
    out: list[list[str]] = []
    token: str | None = None
    with database.read() as session:
        while True:
            extra = {"nextPageToken": [token]} if token else {}
            page = run_query(session, parse_query({**params, **extra}, **options), **options)
            out.append([NAME[e["eventID"]] for e in page.events])
            token = page.next_page_token
            if token is None:
                return out


def test_pages_have_no_gaps_and_no_duplicates(seeded: Any) -> None:
    for size in (1, 2, 4, 9, 10):
        got = pages(seeded, q(perPage=str(size)))
        assert [n for page in got for n in page] == ALL_DESC
        assert all(len(page) == size for page in got[:-1])
        assert 1 <= len(got[-1]) <= size


def test_pages_with_python_side_filters_and_ties(seeded: Any) -> None:
    got = pages(seeded, q(perPage="1", EQ_persistentDisposition_set="completeness_verified"))
    assert got == [["shipErr"], ["ship"]]
    expiring = {"GE_ILMD_cbvmda:itemExpirationDate": ["2000-01-01"], "perPage": ["1"], "orderDirection": ["ASC"]}
    assert pages(seeded, expiring) == [["commA"], ["commB"]]
    assert pages(seeded, q(perPage="3", EQ_persistentDisposition_set="completeness_inferred")) == [[]]


def test_pages_with_a_key_of_our_own(seeded: Any) -> None:
    key = b"service-secret"
    got = pages(seeded, q(perPage="4"), token_key=key)
    assert [n for page in got for n in page] == ALL_DESC
    with seeded.read() as session:
        token = run_query(session, parse_query(q(perPage="4")), token_key=key).next_page_token
    assert token is not None
    message = "nextPageToken: not a token issued by this repository"
    assert error({"perPage": ["4"], "nextPageToken": [token]}).detail == message


def test_tampered_or_foreign_tokens_are_rejected(seeded: Any) -> None:
    with seeded.read() as session:
        token = run_query(session, parse_query(q(perPage="2", EQ_action="ADD"))).next_page_token
    assert token is not None
    body, _, mac = token.partition(".")
    flipped = body[:-1] + ("A" if body[-1] != "A" else "B")
    forged = "eyJxIjoiIiwidCI6MCwiaSI6MCwibiI6MH0." + mac
    for bad in [flipped + "." + mac, forged, "garbage", "", token + "x"]:
        problem = error({"perPage": ["2"], "EQ_action": ["ADD"], "nextPageToken": [bad]})
        assert problem.detail == "nextPageToken: not a token issued by this repository"
        assert problem.field == "nextPageToken"
    problem = error({"perPage": ["2"], "EQ_action": ["DELETE"], "nextPageToken": [token]})
    assert problem.detail == "nextPageToken: the token belongs to a different query"
    # perPage may change between pages.
    assert parse_query({"perPage": ["3"], "EQ_action": ["ADD"], "nextPageToken": [token]}).after is not None


def test_per_page_default_and_cap() -> None:
    assert parse_query({}).per_page == 30
    assert parse_query(q(perPage="5000")).per_page == MAX_PER_PAGE == 1000


# --- parameter errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "detail"),
    [
        (q(GE_eventDate="2025-01-01T00:00:00Z"), "GE_eventDate", "unknown query parameter 'GE_eventDate'"),
        (q(EQ_colour="red"), "EQ_colour", "unknown query parameter 'EQ_colour'"),
        (q(GE_quantity_kgm="1"), "GE_quantity_kgm", "unknown query parameter 'GE_quantity_kgm'"),
        (
            {"HASATTR_urn:epcglobal:epcis:vtype:BusinessLocation": ["x"]},
            "HASATTR_urn:epcglobal:epcis:vtype:BusinessLocation",
            "query parameter 'HASATTR_urn:epcglobal:epcis:vtype:BusinessLocation' is not supported by this repository",
        ),
        ({"GE_readPoint_cx:dock": ["7"]}, "GE_readPoint_cx:dock", "unknown query parameter 'GE_readPoint_cx:dock'"),
        (q(EQ_minValue_CEL="2"), "EQ_minValue_CEL", "unknown query parameter 'EQ_minValue_CEL'"),
        (q(GE_value_CEL="warm"), "GE_value_CEL", "GE_value_CEL: 'warm' is not a number"),
        (q(EQ_hexBinaryValue="ABC"), "EQ_hexBinaryValue", "EQ_hexBinaryValue: 'ABC' is not hexadecimal binary"),
        (q(EQ_booleanValue="maybe"), "EQ_booleanValue", "EQ_booleanValue: 'maybe' is not a boolean (true or false)"),
        (
            q(GE_time="noon"),
            "GE_time",
            "GE_time: 'noon' is not a date-time with a time zone offset (e.g. 2024-01-31T12:00:00Z)",
        ),
        (
            {"EQ_INNER_zz:line": ["3"]},
            "EQ_INNER_zz:line",
            "EQ_INNER_zz:line: prefix 'zz' is not declared (declare it in the GS1-Extensions header)",
        ),
        (
            {"EQ_zz:line": ["3"]},
            "EQ_zz:line",
            "EQ_zz:line: prefix 'zz' is not declared (declare it in the GS1-Extensions header)",
        ),
        (
            q(GE_eventTime="2025-03-01T00:00:00"),
            "GE_eventTime",
            "GE_eventTime: '2025-03-01T00:00:00' is not a date-time with a time zone offset "
            "(e.g. 2024-01-31T12:00:00Z)",
        ),
        (
            q(LT_recordTime="yesterday"),
            "LT_recordTime",
            "LT_recordTime: 'yesterday' is not a date-time with a time zone offset (e.g. 2024-01-31T12:00:00Z)",
        ),
        (
            {"GE_eventTime": ["2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z"]},
            "GE_eventTime",
            "GE_eventTime: expected one value, got 2",
        ),
        (q(EQ_action="UPDATE"), "EQ_action", "EQ_action: 'UPDATE' is not one of ADD, OBSERVE, DELETE"),
        (q(EQ_action="add"), "EQ_action", "EQ_action: 'add' is not one of ADD, OBSERVE, DELETE"),
        (
            q(eventType="QuantityEvent"),
            "eventType",
            "eventType: 'QuantityEvent' is not an event type (ObjectEvent, AggregationEvent, TransactionEvent, "
            "TransformationEvent, AssociationEvent)",
        ),
        (q(EQ_bizStep=""), "EQ_bizStep", "EQ_bizStep: empty value"),
        (q(EQ_bizStep="shipping|"), "EQ_bizStep", "EQ_bizStep: empty value"),
        (q(GE_quantity="many"), "GE_quantity", "GE_quantity: 'many' is not a number"),
        (q(EQ_quantity_KGM="NaN"), "EQ_quantity_KGM", "EQ_quantity_KGM: 'NaN' is not a number"),
        (
            q(EXISTS_errorDeclaration="yes"),
            "EXISTS_errorDeclaration",
            "EXISTS_errorDeclaration: 'yes' is not a boolean (true or false)",
        ),
        (
            q(MATCH_epc="urn:epc:idpat:sgtin:*.*.*"),
            "MATCH_epc",
            "MATCH_epc: 'urn:epc:idpat:sgtin:*.*.*' is not an EPC pattern this repository can match "
            "(expected a pure-identity pattern such as urn:epc:idpat:sgtin:0614141.107346.*)",
        ),
        (q(orderBy="bizStep"), "orderBy", "orderBy: 'bizStep' is not supported (eventTime or recordTime)"),
        (q(orderDirection="asc"), "orderDirection", "orderDirection: 'asc' is not ASC or DESC"),
        (q(eventCountLimit="5"), "eventCountLimit", "eventCountLimit: needs orderBy"),
        (
            q(orderBy="eventTime", eventCountLimit="0"),
            "eventCountLimit",
            "eventCountLimit: '0' is not a positive integer",
        ),
        (q(maxEventCount="-3"), "maxEventCount", "maxEventCount: '-3' is not a positive integer"),
        (q(perPage="ten"), "perPage", "perPage: 'ten' is not a positive integer"),
        (q(perPage="0"), "perPage", "perPage: '0' is not a positive integer"),
        (
            q(orderBy="eventTime", eventCountLimit="5", maxEventCount="5"),
            "maxEventCount",
            "maxEventCount: cannot be combined with eventCountLimit",
        ),
    ],
)
def test_bad_parameters_are_rejected_with_exact_messages(params: dict[str, list[str]], field: str, detail: str) -> None:
    problem = error(params)
    assert problem.detail == detail
    assert problem.field == field


def test_implicit_parameters_are_validated_too() -> None:
    with pytest.raises(QueryParameterError, match=r"^EQ_action: 'NOPE' is not one of ADD, OBSERVE, DELETE$"):
        parse_query({}, implicit={"EQ_action": ["NOPE"]})


# --- single events and listings -----------------------------------------------------------------------------------


def test_event_with_its_error_declarations(seeded: Any) -> None:
    with seeded.read() as session:
        shipped = event_with_error_declarations(session, ID["ship"])
        bulk = event_with_error_declarations(session, ID["bulk"])
        missing = event_with_error_declarations(session, "urn:uuid:00000000-0000-4000-8000-000000000000")
    assert shipped is not None and bulk is not None
    assert [NAME[e["eventID"]] for e in shipped] == ["ship", "shipErr"]
    assert shipped[1]["errorDeclaration"]["reason"] == "incorrect_data"
    assert [NAME[e["eventID"]] for e in bulk] == ["bulk"]
    assert missing is None


def test_distinct_values(seeded: Any) -> None:
    with seeded.read() as session:
        steps = distinct_values(session, "bizSteps", None, 100)
        after = distinct_values(session, "bizSteps", "packing", 2)
        types = distinct_values(session, "eventTypes", None, 10)
        points = distinct_values(session, "readPoints", None, 10)
        locations = distinct_values(session, "bizLocations", None, 10)
        dispositions = distinct_values(session, "dispositions", "active", 10)
        epcs = distinct_values(session, "epcs", None, 3)
        with pytest.raises(ValueError, match=r"^unknown listing 'colours': expected one of epcs, bizSteps"):
            distinct_values(session, "colours", None, 10)
    assert steps == [
        "commissioning",
        "decommissioning",
        "packing",
        "receiving",
        "shipping",
        "storing",
        "urn:example:bizstep:blend",
    ]
    assert after == ["receiving", "shipping"]
    assert types == ["AggregationEvent", "ObjectEvent", "TransformationEvent"]
    assert points == [
        "https://id.gs1.org/414/9506000000015",
        "https://id.gs1.org/414/9506000000015/254/7",
        "https://id.gs1.org/414/9520999000023",
    ]
    assert locations == ["https://id.gs1.org/414/9506000000015"]
    assert dispositions == ["in_progress", "in_transit", "inactive"]
    assert epcs == [
        "https://id.gs1.org/00/095060000000000015",
        "https://id.gs1.org/01/09506000134352/21/A1",
        "https://id.gs1.org/01/09506000134352/21/A2",
    ]


# --- property: time ranges against a reference filter -------------------------------------------------------------

T0 = datetime(2025, 6, 1, tzinfo=UTC)
OFFSETS = ["+00:00", "+01:00", "-05:00", "+05:30"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    minutes=st.lists(st.integers(0, 50), max_size=10),
    offsets=st.lists(st.sampled_from(OFFSETS), min_size=10, max_size=10),
    ge=st.none() | st.integers(-2, 52),
    lt=st.none() | st.integers(-2, 52),
    ascending=st.booleans(),
    per_page=st.integers(1, 4),
)
def test_time_ranges_match_a_reference_filter(
    db: Any,
    minutes: list[int],
    offsets: list[str],
    ge: int | None,
    lt: int | None,
    ascending: bool,
    per_page: int,
) -> None:
    stored: list[tuple[datetime, int, str]] = []
    params: dict[str, list[str]] = {"orderBy": ["eventTime"], "orderDirection": ["ASC" if ascending else "DESC"]}
    params["perPage"] = [str(per_page)]
    if ge is not None:
        params["GE_eventTime"] = [(T0 + timedelta(minutes=ge)).isoformat()]
    if lt is not None:
        # The same instant written at another offset.
        local = (T0 + timedelta(minutes=lt)).astimezone(datetime.fromisoformat("2025-01-01T00:00:00+05:30").tzinfo)
        params["LT_eventTime"] = [local.isoformat()]
    # A read session: everything stored here is rolled back when it closes.
    with db.read() as session:
        for n, minute in enumerate(minutes):
            when = T0 + timedelta(minutes=minute)
            event = m.ObjectEvent(
                event_time=when.astimezone(datetime.fromisoformat(f"2025-01-01T00:00:00{offsets[n]}").tzinfo),
                event_time_zone_offset=offsets[n],
                action="OBSERVE",
                epc_list=[urn(f"P{n}")],
                event_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
            )
            eventstore.store(session, event, record_time=RECORDED, captured_by="test", capture_id=None)
            stored.append((when, n, event.event_id))
        session.flush()
        got: list[str] = []
        token: str | None = None
        while True:
            extra = {"nextPageToken": [token]} if token else {}
            page = run_query(session, parse_query({**params, **extra}))
            assert len(page.events) <= per_page
            got += [e["eventID"] for e in page.events]
            token = page.next_page_token
            if token is None:
                break
    kept = [
        (when, n, eid)
        for when, n, eid in stored
        if (ge is None or when >= T0 + timedelta(minutes=ge)) and (lt is None or when < T0 + timedelta(minutes=lt))
    ]
    kept.sort(reverse=not ascending)
    assert got == [eid for _, _, eid in kept]
