"""Long EPC lists are schema-checked through one representative only when that cannot change a verdict."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epcis.validate import validate
from epcis.validation import jsondoc

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
GOOD = [f"https://id.gs1.org/01/09506000134352/21/S{i:05d}" for i in range(40)]


def document(epcs: list[Any]) -> bytes:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-11-27T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "epcList": epcs,
    }
    return json.dumps(
        {
            "@context": [CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-27T10:00:00Z",
            "epcisBody": {"eventList": [event]},
        }
    ).encode()


def uncompressed(data: bytes, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as m:
        m.setattr(jsondoc, "_COMPRESS_FROM", 10**9)
        return validate(data)


def test_a_bad_element_is_still_found(monkeypatch: pytest.MonkeyPatch) -> None:
    data = document([*GOOD[:30], "not a uri", *GOOD[30:]])
    issues = validate(data)
    assert issues == uncompressed(data, monkeypatch)
    assert "eventList[0].epcList[30]" in [i.field for i in issues]


def test_a_duplicate_is_still_found(monkeypatch: pytest.MonkeyPatch) -> None:
    data = document([*GOOD, GOOD[3]])
    issues = validate(data)
    assert issues == uncompressed(data, monkeypatch)
    assert issues and issues[0].rule == "json-schema"


EPC = st.one_of(
    st.sampled_from(GOOD),
    st.from_regex(r"urn:epc:id:sgtin:9506000\.01343[0-9]\.[A-Z0-9]{1,6}", fullmatch=True),
    st.sampled_from(["x y", "https://id.gs1.org/01/123/21/A", "urn:epc:id:sgtin:1.2.3", "", "http://a b"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(EPC, min_size=15, max_size=40))
def test_verdicts_equal_the_full_schema_check(epcs: list[str]) -> None:
    data = document(epcs)
    compressed = validate(data)
    saved = jsondoc._COMPRESS_FROM
    jsondoc._COMPRESS_FROM = 10**9
    try:
        assert compressed == validate(data)
    finally:
        jsondoc._COMPRESS_FROM = saved


IDENTIFIERS = st.one_of(
    st.sampled_from(
        [
            "urn:epc:id:sgtin:0614141.107346.2018",
            "urn:epc:id:sgtin:0614141.107346.A%2F1",
            "urn:epc:id:sscc:0614141.1234567890",
            "urn:epc:id:sgln:0614141.00777.0",
            "urn:epc:id:sgtin:0614141.10734.1",
            "https://id.gs1.org/01/09506000134352/21/S1",
            "https://id.gs1.org/01/09506000134352/21/A%2F1",
            "https://id.gs1.org/00/095060001343520001",
            "https://id.gs1.org/01/09506000134352/21/" + "x" * 21,
            "https://example.org/01/09506000134352/21/S1",
            "urn:epc:id:sgtin:0614141.107346.1\nurn:epc:id:sgtin:0614141.107346.2",
            "https://id.gs1.org/00/095060001343520001\n",
            "",
            "%",
        ]
    ),
    st.text(alphabet="urn:epcidsgt0123456789.%2F\nhtps/gorx", max_size=40),
    st.integers(),
    st.none(),
)


@settings(max_examples=300)
@given(st.lists(IDENTIFIERS, max_size=12))
def test_all_valid_is_every_value_matched_alone(values: list[Any]) -> None:
    """The one-match list check says exactly what matching each value on its own says."""
    from epcis.validation.syntax import DL_VALID, EPC_VALID, all_valid

    one_by_one = all(isinstance(v, str) and (EPC_VALID.fullmatch(v) or DL_VALID.fullmatch(v)) for v in values)
    assert all_valid(values) == one_by_one
