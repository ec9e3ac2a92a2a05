"""The compiled XML reader and screen give exactly what the pure-Python paths give, on any input."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import lxml
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from epcis import compiled, parse, to_xml
from epcis.compiled import XMLWALK
from epcis.errors import EpcisParseError
from epcis.model import BizTransaction, Document, Epc, Event, Extension, Location, QuantityElement
from epcis.validation import xmlscreen
from epcis.validation.schemas import xml_parser
from tests.epcis.binding.test_roundtrip_properties import NAMESPACES, events
from tests.epcis.conftest import pure_python

pytestmark = pytest.mark.skipif(XMLWALK is None, reason="the compiled XML reader is not built (make venv builds it)")


def test_the_compiled_reader_matches_the_installed_lxml_and_libxml2() -> None:
    assert XMLWALK is not None
    assert (lxml.__version__, etree.LIBXML_VERSION) == (
        XMLWALK.BUILT_FOR_LXML,
        tuple(int(part) for part in XMLWALK.BUILT_FOR_LIBXML2.split(".")),
    )
    assert compiled._load("epcis._xmlwalk") is XMLWALK


@pytest.mark.parametrize(
    ("module", "name", "value", "shown"),
    [(lxml, "__version__", "0.0.1", "not lxml 0.0.1 with"), (etree, "LIBXML_VERSION", (1, 2, 3), "with libxml2 1.2.3")],
)
def test_a_reader_built_for_another_lxml_or_libxml2_is_not_used(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str, value: Any, shown: str
) -> None:
    monkeypatch.setattr(module, name, value)
    with pytest.warns(RuntimeWarning, match=f"{shown}.*: rebuild it"):
        assert compiled._load("epcis._xmlwalk") is None


def test_bad_calls_are_refused_not_crashed() -> None:
    walk: Any = XMLWALK
    with pytest.raises(TypeError):
        walk.read_event(None)
    assert walk.read_event(etree._Element.__new__(etree._Element)) is None
    root = etree.fromstring(_document(_event()))
    with pytest.raises(TypeError):
        walk.screen_texts(None, ("epc",), (), "parentID", "AggregationEvent", "TransactionEvent")
    with pytest.raises(ValueError, match="at least one tag"):
        walk.screen_texts(root, (), (), "parentID", "AggregationEvent", "TransactionEvent")
    with pytest.raises(TypeError):
        walk.screen_texts(root, ("epc",), (), None, "AggregationEvent", "TransactionEvent")


def test_a_dtd_attribute_default_is_read_like_lxml_reads_it() -> None:
    # lxml's get() reports attribute defaults a DTD declares; the compiled reader leaves such documents alone.
    dtd = b'<!DOCTYPE epcis:EPCISDocument [<!ATTLIST bizTransaction type CDATA "urn:epcglobal:cbv:btt:po">]>'
    data = dtd + _document(
        _event(extra="<bizTransactionList><bizTransaction>urn:x:1</bizTransaction></bizTransactionList>")
    )
    compiled_doc, general = _both(data)
    assert compiled_doc == general
    assert compiled_doc.events[0].biz_transactions == [BizTransaction(value="urn:x:1", type="po")]
    assert _taken(data) == 0


def test_objects_built_without_init_get_every_field() -> None:
    # read_event fills Locations and leaf Extensions field by field, as epcis.xml._location does.
    assert [f.name for f in dataclasses.fields(Extension)] == ["name", "text", "attributes", "children", "json_type"]
    assert [f.name for f in dataclasses.fields(Location)] == ["id", "extensions"]
    assert not hasattr(Extension, "__post_init__") and not hasattr(Location, "__post_init__")
    assert [f.name for f in dataclasses.fields(BizTransaction)] == ["value", "type"]
    assert [f.name for f in dataclasses.fields(QuantityElement)] == ["epc_class", "quantity", "uom"]


def _outcome(data: bytes) -> Any:
    try:
        return parse(data)
    except EpcisParseError as exc:
        return (str(exc), exc.event_index, exc.field)


def _both(data: bytes) -> tuple[Any, Any]:
    compiled = _outcome(data)
    with pure_python():
        general = _outcome(data)
    return compiled, general


def _taken(data: bytes) -> int:
    """How many events of ``data`` the compiled reader reads itself."""
    root = etree.fromstring(data, xml_parser())
    event_list = root.find("EPCISBody/EventList")
    assert event_list is not None
    return sum(XMLWALK.read_event(el) is not None for el in event_list)  # type: ignore[union-attr]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), min_size=1, max_size=5))
def test_random_documents_read_the_same(items: list[Event]) -> None:
    data = to_xml(Document(creation_date=datetime(2024, 1, 1, tzinfo=UTC), events=items, namespaces=NAMESPACES))
    compiled, general = _both(data)
    assert compiled == general
    for event in compiled.events:
        assert all(type(epc) is Epc for epc in getattr(event, "epc_list", []) + getattr(event, "child_epcs", []))


def test_the_usual_shapes_are_read_by_the_compiled_reader() -> None:
    # What bulk packaging documents hold: no event of this document falls back to the general reader.
    ns = '<ex:line xmlns:ex="https://ex.example/">L1</ex:line>'
    data = _document(
        _event(),
        _event(extra=ns + "<ilmd><ex:lot xmlns:ex='https://ex.example/'>L7</ex:lot></ilmd>"),
        _event(
            "AggregationEvent",
            epcs="<parentID>urn:epc:id:sscc:4012345.0000000111</parentID><childEPCs>"
            "<epc>urn:epc:id:sgtin:4012345.011111.2</epc></childEPCs>",
            extra="<childQuantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.011111.L1</epcClass>"
            "<quantity>2.5</quantity><uom>KGM</uom></quantityElement></childQuantityList>",
        ),
        _event(
            extra='<bizTransactionList><bizTransaction type="po">urn:epcglobal:cbv:bt:4012345000009:1</bizTransaction>'
            "<bizTransaction>urn:epcglobal:cbv:bt:4012345000009:2</bizTransaction></bizTransactionList>"
        ),
    )
    assert _taken(data) == 4
    compiled, general = _both(data)
    assert compiled == general and isinstance(compiled, Document)


# ---------------------------------------------------------------- mutations of a plain event

EX = "https://ex.example/"


def _event(kind: str = "ObjectEvent", epcs: str | None = None, extra: str = "", **fields: str) -> str:
    values = {
        "eventTime": "2024-03-01T08:00:00.123-05:00",
        "eventTimeZoneOffset": "-05:00",
        "action": "ADD",
        "bizStep": "urn:epcglobal:cbv:bizstep:commissioning",
        "disposition": "active",
        **fields,
    }
    parts = [f"<{tag}>{values[tag]}</{tag}>" for tag in ("eventTime", "eventTimeZoneOffset")]
    parts.append(epcs if epcs is not None else "<epcList><epc>urn:epc:id:sgtin:4012345.011111.1</epc></epcList>")
    parts += [f"<{tag}>{values[tag]}</{tag}>" for tag in ("action", "bizStep", "disposition")]
    parts.append("<readPoint><id>urn:epc:id:sgln:4012345.00001.0</id></readPoint>")
    return f"<{kind}>{''.join(parts)}{extra}</{kind}>"


def _document(*events: str) -> bytes:
    return (
        '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"'
        f' creationDate="2024-01-01T00:00:00Z" xmlns:ex="{EX}"><EPCISBody><EventList>'
        + "".join(events)
        + "</EventList></EPCISBody></epcis:EPCISDocument>"
    ).encode()


# Each inserts or changes one thing in an event; some break it, some only leave the usual shape.
MUTATIONS: list[tuple[str, str]] = [
    ("</eventTime>", "</eventTime><!-- a comment -->"),
    ("</action>", "</action><?pi x?>"),
    ("<bizStep>urn", "<bizStep><![CDATA[urn]]>"),
    ("commissioning</bizStep>", "commis<!-- split -->sioning</bizStep>"),
    ("2024-03-01T08", "2024-13-01T08"),
    ("<action>ADD</action>", "<action/>"),
    ("<action>ADD</action>", "<action>ADD</action><action>DELETE</action>"),
    ("<action>ADD</action>", ""),
    ("<eventTime>2024-03-01T08:00:00.123-05:00</eventTime>", ""),
    ("<action>ADD</action>", "<epcis:action>ADD</epcis:action>"),
    ("<action>ADD</action>", "<action> ADD </action><unknown>1</unknown>"),
    ("</readPoint>", '</readPoint><ex:a k="v">1</ex:a>'),
    ("</readPoint>", "</readPoint><ex:a><ex:b>1</ex:b></ex:a>"),
    ("</readPoint>", "</readPoint><ex:a/><ex:b>  </ex:b><ex:c>x &amp; y &#65;</ex:c>"),
    ("</id></readPoint>", "</id><ex:room>7</ex:room></readPoint>"),
    ("<readPoint><id>", "<readPoint><id/><id>"),
    ("<readPoint><id>urn:epc:id:sgln:4012345.00001.0</id>", "<readPoint>"),
    ("<readPoint>", "<readPoint>text before "),
    ("<readPoint>", '<readPoint xml:lang="en">'),
    ("<id>urn", '<id a="1">urn'),
    ("</epc></epcList>", "</epc><other>urn:epc:id:sgtin:4012345.011111.9</other><epc/></epcList>"),
    ("</epc></epcList>", "</epc><epc><x/></epc></epcList>"),
    ("<epcList><epc>", "<epcList>tail text<epc>"),
    (
        "<epcList><epc>urn:epc:id:sgtin:4012345.011111.1</epc></epcList>",
        "<childEPCs><epc>urn:epc:id:sgtin:4012345.011111.1</epc></childEPCs>",
    ),
    ("</readPoint>", "</readPoint><parentID>urn:epc:id:sscc:4012345.0000000111</parentID>"),
    ("</readPoint>", "</readPoint><bizTransactionList><bizTransaction>x</bizTransaction></bizTransactionList>"),
    ("</readPoint>", '</readPoint><bizTransactionList><bizTransaction type="">x</bizTransaction></bizTransactionList>'),
    ("</readPoint>", "</readPoint><bizTransactionList><other>x</other></bizTransactionList>"),
    (
        "</readPoint>",
        "</readPoint><quantityList><quantityElement><quantity>1</quantity></quantityElement></quantityList>",
    ),
    (
        "</readPoint>",
        "</readPoint><quantityList><quantityElement><epcClass>c</epcClass><quantity>x</quantity>"
        "</quantityElement></quantityList>",
    ),
    (
        "</readPoint>",
        "</readPoint><quantityList><quantityElement><epcClass>c</epcClass><quantity></quantity><uom>KGM</uom>"
        "<extra>1</extra></quantityElement></quantityList>",
    ),
    ("</readPoint>", "</readPoint><ilmd><ex:lot>L1</ex:lot><ex:exp>2026-01-01</ex:exp></ilmd>"),
    ("</readPoint>", '</readPoint><ilmd><ex:lot k="1">L1</ex:lot></ilmd>'),
    ("</readPoint>", "</readPoint><ilmd><lot>L1</lot></ilmd>"),
    ("</readPoint>", "</readPoint><sourceList><source type='owning_party'>urn:x</source></sourceList>"),
    ("</readPoint>", "</readPoint><extension><ex:a>1</ex:a></extension>"),
    ("</readPoint>", "</readPoint><eventID>ni:///sha-256;abc</eventID><recordTime>2024-03-01T08:00:00Z</recordTime>"),
    ("</readPoint>", "</readPoint><recordTime>yesterday</recordTime>"),
    ("<ObjectEvent>", "<ObjectEvent kind='x'>"),
    ("<ObjectEvent>", "<ObjectEvent>\n  "),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent"]),
            st.lists(st.sampled_from(MUTATIONS), max_size=3),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_events_read_the_same_or_fail_the_same(specs: list[tuple[str, list[tuple[str, str]]]]) -> None:
    texts = []
    for kind, mutations in specs:
        text = _event().replace("ObjectEvent", kind)
        for old, new in mutations:
            text = text.replace(old.replace("ObjectEvent", kind), new.replace("ObjectEvent", kind), 1)
        texts.append(text)
    data = _document(*texts)
    compiled, general = _both(data)
    assert compiled == general


@pytest.mark.parametrize(("old", "new"), MUTATIONS)
def test_each_mutation_reads_the_same_or_fails_the_same(old: str, new: str) -> None:
    data = _document(_event(), _event().replace(old, new, 1), _event())
    compiled, general = _both(data)
    assert compiled == general


# ---------------------------------------------------------------- the bulk screen's walk


def _screen_reads(data: bytes) -> tuple[Any, Any]:
    compiled = xmlscreen._read(etree.fromstring(data, xml_parser()))
    general = xmlscreen._read_tree(etree.fromstring(data, xml_parser()))
    return compiled, general


SCREEN_MUTATIONS = [
    *MUTATIONS,
    ("</readPoint>", "</readPoint><errorDeclaration><declarationTime>x</declarationTime></errorDeclaration>"),
    ("</readPoint>", "</readPoint><quantityList><quantityElement><quantity/></quantityElement></quantityList>"),
    ("</readPoint>", "</readPoint><ex:epc>not read</ex:epc><ex:x><epc xmlns=''>read</epc></ex:x>"),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ObjectEvent", "AggregationEvent", "TransactionEvent", "AssociationEvent"]),
            st.booleans(),
            st.lists(st.sampled_from(SCREEN_MUTATIONS), max_size=3),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_the_compiled_screen_walk_reads_what_lxml_iter_reads(
    specs: list[tuple[str, bool, list[tuple[str, str]]]],
) -> None:
    texts = []
    for kind, with_parent, mutations in specs:
        parent = "<parentID>urn:epc:id:sscc:4012345.0000000111</parentID>" if with_parent else ""
        text = _event(kind, epcs=parent + "<epcList><epc>urn:epc:id:sgtin:4012345.011111.1</epc></epcList>")
        for old, new in mutations:
            text = text.replace(old.replace("ObjectEvent", kind), new.replace("ObjectEvent", kind), 1)
        texts.append(text)
    compiled, general = _screen_reads(_document(*texts))
    assert compiled == general


def test_screen_walk_reads_every_value_of_a_plain_document() -> None:
    data = _document(
        _event(), _event("AggregationEvent", epcs="<parentID>urn:epc:id:sscc:4012345.0000000111</parentID>")
    )
    compiled, general = _screen_reads(data)
    assert compiled == general
    assert compiled is not None and compiled["epc"] == [
        "urn:epc:id:sgtin:4012345.011111.1",
        "urn:epc:id:sscc:4012345.0000000111",
    ]


@pytest.mark.parametrize(
    "data",
    [
        _document(_event("AggregationEvent", epcs="")),
        _document(_event("AggregationEvent", epcs=""), _event("TransactionEvent", epcs="<parentID>p</parentID>")),
        _document(_event(extra="<!-- c -->")),
        _document(_event(extra="<sensorElementList/>")),
        _document(_event(bizStep="")),
        b'<!DOCTYPE epcis:EPCISDocument [<!ENTITY e "ping">]>'
        + _document(_event(bizStep="urn:epcglobal:cbv:bizstep:ship&e;")),
    ],
    ids=[
        "aggregation-without-parent",
        "parent-of-the-next-event",
        "comment",
        "unmodelled-field",
        "empty-value",
        "entity-reference",
    ],
)
def test_screen_walk_gives_up_where_lxml_iter_does(data: bytes) -> None:
    assert _screen_reads(data) == (None, None)
