"""`parse_validated`: one parse for validation and model, the same outcome as `validate` then `parse`."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import epcis
from epcis import parse
from epcis.errors import EpcisParseError
from epcis.hashing import document_hashes
from epcis.validate import ValidationIssue, parse_validated, validate

# Every test here runs with the compiled XML reader and with the pure-Python one.
pytestmark = pytest.mark.usefixtures("both_readers")

EVENT = (
    "<ObjectEvent><eventTime>2026-03-01T10:00:00.{ms:03d}+01:00</eventTime>"
    "<eventTimeZoneOffset>+01:00</eventTimeZoneOffset>"
    "<epcList><epc>urn:epc:id:sgtin:0614141.107346.{serial}</epc></epcList><action>OBSERVE</action>"
    "<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>"
    "<readPoint><id>urn:epc:id:sgln:0614141.00777.0</id></readPoint>{extra}</ObjectEvent>"
)


def document(*events: str, prolog: str = "") -> bytes:
    return (
        prolog + '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="https://ns.example.com/"'
        ' schemaVersion="2.0" creationDate="2026-03-01T10:00:00Z"><EPCISBody><EventList>'
        + "".join(events)
        + "</EventList></EPCISBody></epcis:EPCISDocument>"
    ).encode()


def event(n: int, serial: str | None = None, extra: str = "") -> str:
    return EVENT.format(ms=n, serial=serial or str(n), extra=extra)


def two_steps(data: bytes | str) -> tuple[epcis.Document | None, list[ValidationIssue]]:
    issues = validate(data)
    return (None, issues) if issues else (parse(data), [])


def outcome(
    function: Callable[[bytes | str], tuple[epcis.Document | None, list[ValidationIssue]]], data: bytes | str
) -> object:
    try:
        return function(data)
    except EpcisParseError as error:
        return str(error)


def test_valid_xml_gives_the_parsed_document() -> None:
    data = document(event(1), event(2, extra="<ex:line>L1</ex:line>"))
    doc, issues = parse_validated(data)
    assert issues == []
    assert doc == parse(data)
    assert doc is not None and document_hashes(doc) == document_hashes(parse(data))


def test_invalid_xml_gives_the_issues_and_no_document() -> None:
    data = document(event(1), event(2, serial="A%2G"))
    assert parse_validated(data) == (
        None,
        [
            ValidationIssue(
                1,
                "/epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent[2]/epcList/epc",
                "'urn:epc:id:sgtin:0614141.107346.A%2G' does not follow the SGTIN pure-identity URN grammar",
                "epc-syntax",
                1,
            )
        ],
    )


def test_json_ld_bytes_share_one_load() -> None:
    doc = parse(document(event(1), event(2)))
    data = json.dumps(epcis.to_jsonld(doc)).encode()
    assert parse_validated(data) == (doc, [])
    broken = data.replace(b'"OBSERVE"', b'"WATCH"', 1)
    assert parse_validated(broken) == two_steps(broken)
    assert parse_validated(broken)[1] != []


@pytest.mark.parametrize(
    "data",
    [
        document(event(1)).decode(),  # str input
        document(event(1).replace("shipping<", "ship<!-- x -->ping<")),  # comments: parsed twice
        event(1).encode(),  # a bare event
        b"<not-xml",
        b"[1, 2]",
        b'{"eventType": ["ObjectEvent"]}',  # a query body
        b"neither",
    ],
)
def test_other_inputs_take_the_two_steps(data: bytes | str) -> None:
    assert outcome(parse_validated, data) == outcome(two_steps, data)


def test_a_parse_error_after_validation_is_raised_like_parse() -> None:
    data = document(event(1), prolog='<!DOCTYPE d [<!ENTITY e "x">]>')
    assert validate(data) == []
    with pytest.raises(EpcisParseError) as raised:
        parse_validated(data)
    assert str(raised.value) == "a DOCTYPE with declarations or an external DTD is not allowed (entities are refused)"


def test_exported_at_package_level() -> None:
    assert epcis.parse_validated is parse_validated


EXTRAS = st.sampled_from(
    [
        "",
        "<ex:line>L1</ex:line>",
        "<quantityList><quantityElement><epcClass>urn:epc:class:lgtin:0614141.107346.L1</epcClass>"
        "<quantity>-1</quantity></quantityElement></quantityList>",
        "<ex:line><!-- c --></ex:line>",
        "<ex:line>a<?pi x?>b</ex:line>",
    ]
)
SERIALS = st.sampled_from(["1", "A%2F1", "x" * 21, "!'()*+,-.:;=_", ""])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(SERIALS, EXTRAS), min_size=1, max_size=4))
def test_same_outcome_as_validate_then_parse(events: list[tuple[str, str]]) -> None:
    data = document(*(event(n, serial, extra) for n, (serial, extra) in enumerate(events)))
    assert parse_validated(data) == two_steps(data)
