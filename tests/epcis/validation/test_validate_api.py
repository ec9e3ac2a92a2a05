"""`validate` / `check` entry points: detection, `kind`, syntax errors, errors raised, threads."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import FrozenInstanceError

import pytest

from epcis.errors import EpcisError
from epcis.validate import EpcisValidationError, ValidationIssue, check, validate

EVENT = {
    "type": "ObjectEvent",
    "eventTime": "2026-03-01T10:00:00+01:00",
    "eventTimeZoneOffset": "+01:00",
    "epcList": ["urn:epc:id:sgtin:0614141.107346.2018"],
    "action": "ADD",
    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
}

XML = """<?xml version="1.0" encoding="UTF-8"?>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2026-03-01T10:00:00Z">
<EPCISBody><EventList>
<ObjectEvent><eventTime>2026-03-01T10:00:00Z</eventTime><eventTimeZoneOffset>{offset}</eventTimeZoneOffset>
<epcList/><action>OBSERVE</action></ObjectEvent>
</EventList></EPCISBody></epcis:EPCISDocument>"""


def test_issue_is_frozen_and_printable() -> None:
    issue = ValidationIssue(2, "eventList[2].action", "boom", "action-invalid")
    with pytest.raises(FrozenInstanceError):
        issue.rule = "other"  # type: ignore[misc]
    assert str(issue) == "eventList[2].action: boom [action-invalid]"
    assert str(ValidationIssue(None, "/a", "bad", "xsd", 3)) == "line 3: /a: bad [xsd]"


def test_str_with_encoding_declaration_and_bytes_agree() -> None:
    text = XML.format(offset="+00:00")
    assert validate(text) == []
    assert validate(text.encode()) == []
    assert validate(("\ufeff" + text).encode("utf-8")) == []
    assert validate("\ufeff" + text) == []


def test_xml_syntax_error() -> None:
    assert validate(b"<epcis:EPCISDocument>\n<unclosed>") == [
        ValidationIssue(
            None,
            "/",
            "not well-formed XML: Namespace prefix epcis on EPCISDocument is not defined, line 1, column 21",
            "xml-syntax",
            1,
        )
    ]


def test_json_syntax_error() -> None:
    assert validate('{"type": ') == [
        ValidationIssue(None, "$", "not valid JSON: Expecting value: line 1 column 10 (char 9)", "json-syntax")
    ]


def test_json_nested_too_deeply() -> None:
    assert validate("[" * 100_000 + "]" * 100_000) == [
        ValidationIssue(None, "$", "not valid JSON: nested too deeply", "json-syntax")
    ]


def test_entity_expansion_bomb_is_refused() -> None:
    entities = '<!ENTITY l0 "lollollollol">' + "".join(
        f'<!ENTITY l{level} "{f"&l{level - 1};" * 10}">' for level in range(1, 10)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE d [{entities}]>'
        '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="&l9;"'
        ' creationDate="2026-03-01T10:00:00Z"><EPCISBody><EventList/></EPCISBody></epcis:EPCISDocument>'
    )
    [issue] = validate(bomb)
    assert issue.rule == "xml-syntax"
    assert issue.message.startswith("not well-formed XML: Maximum entity amplification factor exceeded")


def test_neither_xml_nor_json() -> None:
    assert validate("hello") == [ValidationIssue(None, "$", "document is neither XML nor JSON", "document-type")]


def test_json_array_is_not_a_document() -> None:
    assert validate("[]") == [ValidationIssue(None, "$", "an EPCIS JSON document must be an object", "document-type")]


def test_unknown_xml_root() -> None:
    assert validate("<html/>") == [
        ValidationIssue(
            None,
            "/html",
            "root element html is not an EPCIS document, query or master-data document",
            "document-type",
            1,
        )
    ]


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match=r"^kind must be one of \['json', 'query', 'xml'\], not 'yaml'$"):
        validate("{}", kind="yaml")


def test_forced_kind_wins_over_detection() -> None:
    assert [i.rule for i in validate("<a/>", kind="json")] == ["json-syntax"]


def test_bare_json_event_has_no_event_index() -> None:
    assert validate(json.dumps(EVENT)) == []
    assert validate("\ufeff" + json.dumps(EVENT)) == []
    assert validate(("\ufeff" + json.dumps(EVENT)).encode()) == []
    issues = validate(json.dumps({**EVENT, "action": "MOVE"}))
    assert (
        ValidationIssue(None, "action", "action 'MOVE' is not one of ADD, OBSERVE, DELETE", "action-invalid") in issues
    )


def test_query_body_detected_and_forced() -> None:
    query = {"eventType": ["ObjectEvent"], "EQ_action": ["ADD"], "orderDirection": "ASC"}
    assert validate(json.dumps(query)) == []
    assert validate(json.dumps({"GE_eventTime": "yesterday"})) == [
        ValidationIssue(None, "GE_eventTime", "'yesterday' is not a 'date-time'", "json-schema")
    ]
    assert validate("{}", kind="query") == []


def test_check_raises_with_issues() -> None:
    check(XML.format(offset="+00:00"))
    with pytest.raises(EpcisValidationError) as caught:
        check(XML.format(offset="+0:00"))
    assert isinstance(caught.value, EpcisError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.issues == validate(XML.format(offset="+0:00"))
    assert str(caught.value) == (
        "invalid EPCIS document: line 4: /epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent/eventTimeZoneOffset:"
        " eventTimeZoneOffset '+0:00' is not +hh:mm or -hh:mm within -13:59..+14:00 [time-zone-offset]"
    )


def test_xsd_issue_carries_event_index_and_line() -> None:
    document = XML.replace("<action>OBSERVE</action>", "<action>MOVE</action>").format(offset="+00:00")
    xsd = [i for i in validate(document) if i.rule == "xsd"]
    assert xsd == [
        ValidationIssue(
            0,
            "/epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent/action",
            "Element 'action': [facet 'enumeration'] The value 'MOVE' is not an element of the set"
            " {'ADD', 'OBSERVE', 'DELETE'}.",
            "xsd",
            5,
        )
    ]


def test_threads_share_compiled_schemas_safely() -> None:
    # XSD error logs live on the schema object: each thread must see only its own document's issues.
    offsets = [f"+0{n % 10}:00" if n % 2 else f"+{n}:00:00" for n in range(40)]
    documents = [XML.format(offset=offset) for offset in offsets]
    serial = [validate(document) for document in documents]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(validate, documents))
    assert parallel == serial
    assert [bool(issues) for issues in serial] == [n % 2 == 0 for n in range(40)]
