"""Events of one shape are schema-checked once: the verdicts and issues are those of checking every event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epcis.validate import validate
from epcis.validation import jsondoc
from epcis.validation.schemas import epcis_json_schema

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    definitions = epcis_json_schema()["definitions"]
    while set(schema) == {"$ref"}:
        schema = definitions[schema["$ref"].rpartition("/")[2]]
    return schema


def _walk(node: Any, found: list[tuple[str, dict[str, Any]]]) -> None:
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            found += [(name, sub) for name, sub in properties.items() if isinstance(sub, dict)]
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


def _at_most(schema: dict[str, Any], form: str) -> bool:
    """Whether every string of format `form` passes `schema` (a string type and that format at most)."""
    return schema.items() <= {"type": "string", "format": form}.items()


def test_the_replaced_fields_are_constrained_by_their_format_alone() -> None:
    """What `_shape` relies on: wherever the schema names these fields, it asks at most for a string of
    the format `_FORMATTED` gives, and of EPC list items at most a URI string (of the lists themselves also
    a type, a length and unique items, which replacing by distinct values keeps)."""
    found: list[tuple[str, dict[str, Any]]] = []
    _walk(epcis_json_schema(), found)
    seen = set()
    for name, sub in found:
        if name in jsondoc._FORMATTED:
            assert _at_most(_resolve(sub), jsondoc._FORMATTED[name][0]), name
            seen.add(name)
        elif name in jsondoc._EPC_LISTS:
            array = _resolve(sub)
            assert set(array) <= {"type", "items", "minItems", "uniqueItems"}, (name, array)
            assert _at_most(_resolve(array["items"]), jsondoc._ITEM_FORMAT), name
            seen.add(name)
    assert seen == {*jsondoc._FORMATTED, *jsondoc._EPC_LISTS}


def test_the_stand_ins_have_their_formats() -> None:
    for form, stand_in in jsondoc._FORMATTED.values():
        assert jsondoc._conforms(stand_in, form)
    assert jsondoc._conforms("urn:epc:id:sgtin:0000000.000000.0", jsondoc._ITEM_FORMAT)


def document(events: list[Any]) -> bytes:
    return json.dumps(
        {
            "@context": [CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-27T10:00:00Z",
            "epcisBody": {"eventList": events},
        }
    ).encode()


def every_event_checked(data: bytes, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as m:
        m.setattr(jsondoc, "_shape", lambda event: None)
        return validate(data)


def aggregation(i: int, **changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "AggregationEvent",
        "eventTime": f"2026-11-27T10:{i % 60:02d}:00+01:00",
        "eventTimeZoneOffset": "+01:00",
        "action": "ADD",
        "bizStep": "packing",
        "parentID": f"https://id.gs1.org/00/0950600000000{i:05d}",
        "childEPCs": [f"https://id.gs1.org/01/09506000134352/21/C{i}x{n}" for n in range(5)],
    }
    event.update(changes)
    return {k: v for k, v in event.items() if v is not None}


def test_a_bad_value_after_many_good_events_of_its_shape_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    events = [aggregation(i) for i in range(30)]
    events.insert(20, aggregation(20, eventTime="2026-11-27 10:00"))
    events.insert(25, aggregation(25, parentID="not a uri"))
    events.insert(27, aggregation(27, childEPCs=["https://id.gs1.org/a b"]))
    data = document(events)
    issues = validate(data)
    assert issues == every_event_checked(data, monkeypatch)
    assert [i.field for i in issues if i.rule == "json-schema"][:3] == [
        "eventList[20].eventTime",
        "eventList[25].parentID",
        "eventList[27].childEPCs[0]",
    ]


def test_a_duplicate_epc_is_not_hidden_by_its_stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    epcs = ["urn:epc:id:sgtin:0614141.107346.1", "urn:epc:id:sgtin:0614141.107346.2"]
    good = {"type": "ObjectEvent", "eventTime": "2026-11-27T10:00:00Z", "eventTimeZoneOffset": "+00:00"}
    events = [{**good, "action": "OBSERVE", "epcList": epcs}, {**good, "action": "OBSERVE", "epcList": epcs[:1] * 2}]
    data = document(events)
    issues = validate(data)
    assert issues == every_event_checked(data, monkeypatch)
    assert [(i.field, i.rule) for i in issues] == [("eventList[1].epcList", "json-schema")]


TIMES = st.one_of(
    st.from_regex(r"2026-0[1-9]-[0-2][0-9]T[01][0-9]:[0-5][0-9]:[0-5][0-9](Z|[+-]0[0-9]:00)", fullmatch=True),
    st.sampled_from(["2026-11-27T10:00:00", "2026-13-01T00:00:00Z", "", "2026-11-27T25:00:00Z", "x"]),
    st.integers(),
    st.none(),
)
URIS = st.one_of(
    st.from_regex(r"urn:epc:id:sgtin:9506000\.01343[0-9]\.[A-Z0-9]{1,6}", fullmatch=True),
    st.from_regex(r"https://id\.gs1\.org/00/[0-9]{18}", fullmatch=True),
    st.sampled_from(["ni:///sha-256;abc?ver=CBV2.0", "urn:uuid:1d5b6c6e-0d3c-4b59-8c2e-3f7c4a8f0f10"]),
    st.sampled_from(["x y", "", "http://a b", "%", "urn:epc:id:sgtin:1.2.3"]),
    st.integers(),
    st.none(),
)

GOOD_TIME = st.just("2026-11-27T10:00:00Z")
FEW_URIS = st.sampled_from(
    [
        "urn:epc:id:sscc:0614141.1234567890",
        "urn:epc:id:sscc:0614141.1234567891",
        "https://id.gs1.org/00/095060001343520001",
    ]
)


@st.composite
def batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Events of a few random kinds and field sets, differing in the values of the replaced fields."""
    kinds = draw(
        st.lists(
            st.sampled_from(["ObjectEvent", "AggregationEvent", "TransactionEvent", "X:Custom"]), min_size=1, max_size=3
        )
    )
    bases = []
    for kind in kinds:
        optional = st.sampled_from(["recordTime", "eventID", "parentID", "epcList", "childEPCs"])
        # What each kind needs to pass at all, so that many events pass and shapes repeat.
        needed = {"ObjectEvent": {"epcList"}, "AggregationEvent": {"parentID", "childEPCs"}}.get(kind, set())
        fields = {"eventTime"} | needed | draw(st.sets(optional))
        action = draw(st.sampled_from(["ADD", "OBSERVE", "DELETE", "ADD"]))
        bases.append(({"type": kind, "eventTimeZoneOffset": "+00:00", "action": action}, fields))
    out = []
    for _ in range(draw(st.integers(1, 12))):
        event, fields = draw(st.sampled_from(bases))
        event = dict(event)
        for name in fields:
            if name.endswith("Time"):
                event[name] = draw(GOOD_TIME | TIMES)
            elif name.endswith("ID"):
                event[name] = draw(FEW_URIS | URIS)
            else:
                event[name] = draw(st.lists(FEW_URIS, min_size=2, max_size=2) | st.lists(FEW_URIS | URIS, max_size=4))
        out.append(event)
    return out


@settings(max_examples=200, deadline=None)
@given(batches())
def test_issues_equal_checking_every_event(batch: list[dict[str, Any]]) -> None:
    """Random events, many of one shape: the issues are exactly those of checking each event alone."""
    data = document(batch)
    memoised = validate(data)
    saved = jsondoc._shape
    jsondoc._shape = lambda event: None  # type: ignore[assignment]
    try:
        assert memoised == validate(data)
    finally:
        jsondoc._shape = saved
