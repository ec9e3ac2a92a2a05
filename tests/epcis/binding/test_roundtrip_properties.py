"""Property tests: random Object/Aggregation events survive XML and JSON-LD round trips with equal hashes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epcis import cbv, parse, to_jsonld, to_xml
from epcis.hashing import document_hashes
from epcis.model import (
    AggregationEvent,
    BizTransaction,
    Document,
    Epc,
    Event,
    Extension,
    Location,
    ObjectEvent,
    QuantityElement,
)

NAMESPACES = {"ex": "https://ex.example/ns/", "acme": "urn:acme:epcis:"}
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_", min_size=1, max_size=12)
_digits = st.text(alphabet="0123456789", min_size=13, max_size=13)


@st.composite
def epcs(draw: st.DrawFn) -> Epc:
    digits = draw(_digits)
    cut = draw(st.integers(6, 12))
    serial = draw(st.text(alphabet="0123456789ABCxyz", min_size=1, max_size=20))
    if draw(st.booleans()):
        return Epc(f"urn:epc:id:sgtin:{digits[:cut]}.{digits[cut:]}.{serial}")
    return Epc(f"https://id.gs1.org/01/0{digits}/21/{serial}")


@st.composite
def times(draw: st.DrawFn, millis_only: bool = False) -> tuple[datetime, str]:
    minutes = draw(st.integers(-12 * 60, 14 * 60).map(lambda m: m - m % 15))
    tz = timezone(timedelta(minutes=minutes))
    base = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
    if millis_only:
        base = base.replace(microsecond=base.microsecond - base.microsecond % 1000)
    sign = "-" if minutes < 0 else "+"
    offset = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return base.replace(tzinfo=tz), offset


quantities = st.builds(
    QuantityElement,
    epc_class=st.builds(lambda d, lot: Epc(f"urn:epc:class:lgtin:{d[:7]}.{d[7:]}.{lot}"), _digits, _word),
    quantity=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3),
    uom=st.none() | st.sampled_from(["KGM", "LTR", "EA"]),
)
biz_transactions = st.builds(
    BizTransaction,
    value=_word.map(lambda w: f"urn:epcglobal:cbv:bt:4012345000009:{w}"),
    type=st.sampled_from([*sorted(cbv.vocabulary("bizTransactionType").words), "https://example.com/btt/x"]),
)


def extensions(depth: int = 2) -> st.SearchStrategy[list[Extension]]:
    leaf = st.builds(
        lambda ns, text: Extension(name=ns, text=text),
        st.just(""),
        st.text(alphabet="abcdefgh XYZ0123456789.:/-", min_size=1, max_size=16).map(str.strip).filter(bool),
    )
    node: st.SearchStrategy[Extension] = leaf
    if depth > 0:
        node = leaf | st.builds(lambda kids: Extension(name="", children=kids), extensions(depth - 1))

    def named(items: list[Extension], names: list[str]) -> list[Extension]:
        for item, name in zip(items, names, strict=True):
            item.name = name
        return items

    uris = st.sampled_from(sorted(NAMESPACES.values()))
    names = st.lists(st.tuples(uris, _word.filter(lambda w: w[0].isalpha())), min_size=0, max_size=3, unique=True)
    return names.flatmap(
        lambda ns: st.lists(node, min_size=len(ns), max_size=len(ns)).map(
            lambda items: named(items, [f"{{{u}}}{local}" for u, local in ns])
        )
    )


@st.composite
def events(draw: st.DrawFn, millis_only: bool = False) -> Event:
    when, offset = draw(times(millis_only=millis_only))
    common: dict[str, Any] = {
        "event_time": when,
        "event_time_zone_offset": offset,
        "action": draw(st.sampled_from(["ADD", "OBSERVE", "DELETE"])),
        "biz_step": draw(st.none() | st.sampled_from(sorted(cbv.vocabulary("bizStep").words))),
        "disposition": draw(st.none() | st.sampled_from(sorted(cbv.vocabulary("disposition").words))),
        "read_point": draw(st.none() | st.builds(Location, id=st.just(Epc("urn:epc:id:sgln:4012345.00001.0")))),
        "biz_transactions": draw(st.lists(biz_transactions, max_size=3)),
        "extensions": draw(extensions()),
    }
    if draw(st.booleans()):
        return ObjectEvent(
            **common,
            epc_list=draw(st.lists(epcs(), max_size=5)),
            quantity_list=draw(st.lists(quantities, max_size=3)),
        )
    return AggregationEvent(
        **common,
        parent_id=Epc("urn:epc:id:sscc:4012345.0000000111"),
        child_epcs=draw(st.lists(epcs(), max_size=5)),
        child_quantity_list=draw(st.lists(quantities, max_size=3)),
    )


def _document(items: list[Event]) -> Document:
    return Document(creation_date=datetime(2024, 1, 1, tzinfo=UTC), events=items, namespaces=dict(NAMESPACES))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), min_size=1, max_size=4))
def test_random_events_round_trip_through_both_bindings(items: list[Event]) -> None:
    doc = _document(items)
    hashes = document_hashes(doc)
    via_xml = parse(to_xml(doc))
    via_json = parse(json.dumps(to_jsonld(doc)))
    via_12 = parse(to_xml(doc, "1.2"))
    assert via_xml == doc
    assert via_json == doc
    assert via_12 == doc
    assert document_hashes(via_xml) == document_hashes(via_json) == document_hashes(via_12) == hashes
    assert parse(to_xml(via_json)) == doc


oracle = pytest.importorskip("epcis_event_hash_generator.hash_generator")
oracle_xml = pytest.importorskip("epcis_event_hash_generator.xml_to_py")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(millis_only=True), min_size=1, max_size=3))
def test_random_event_hashes_match_the_reference_implementation(items: list[Event]) -> None:
    doc = _document(items)
    xml = to_xml(doc).decode()
    expected = oracle.epcis_hashes_from_events(oracle_xml.event_list_from_epcis_document_str(xml))
    assert document_hashes(doc) == expected
