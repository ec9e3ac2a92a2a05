"""Properties: offsets are accepted iff they match the EPCIS grammar; any JSON value gives issues, not errors."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from epcis.validate import validate

GRAMMAR = re.compile(r"[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)")
# Near misses: ASCII and non-ASCII digits, other signs, separators and whitespace.
ALPHABET = "+-0123456789:Z \n\u0663\u2212"

JSON_DOC = {
    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "creationDate": "2026-03-01T10:00:00Z",
    "epcisBody": {
        "eventList": [
            {
                "type": "ObjectEvent",
                "eventTime": "2026-03-01T10:00:00Z",
                "eventTimeZoneOffset": "+00:00",
                "epcList": ["urn:epc:id:sgtin:0614141.107346.2018"],
                "action": "OBSERVE",
            }
        ]
    },
}
XML_DOC = (
    '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"'
    ' creationDate="2026-03-01T10:00:00Z"><EPCISBody><EventList><ObjectEvent>'
    "<eventTime>2026-03-01T10:00:00Z</eventTime><eventTimeZoneOffset>{}</eventTimeZoneOffset>"
    "<epcList/><action>OBSERVE</action></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"
)


@st.composite
def mutated_offsets(draw: st.DrawFn) -> str:
    """A valid offset with a few random replacements, insertions or deletions."""
    chars = list(draw(st.from_regex(GRAMMAR, fullmatch=True)))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(chars)))
        operation = draw(st.sampled_from(["replace", "insert", "delete"]))
        if operation == "insert" or not chars or position == len(chars):
            chars.insert(position, draw(st.sampled_from(ALPHABET)))
        elif operation == "replace":
            chars[position] = draw(st.sampled_from(ALPHABET))
        else:
            del chars[position]
    return "".join(chars)


OFFSETS = mutated_offsets() | st.text(alphabet=ALPHABET, max_size=8)


def _json_with(offset: str) -> str:
    document = json.loads(json.dumps(JSON_DOC))
    document["epcisBody"]["eventList"][0]["eventTimeZoneOffset"] = offset
    return json.dumps(document)


@settings(max_examples=150, deadline=None)
@given(OFFSETS)
def test_json_offset_accepted_iff_grammar(offset: str) -> None:
    issues = validate(_json_with(offset))
    assert (issues == []) == (GRAMMAR.fullmatch(offset) is not None), issues


@settings(max_examples=150, deadline=None)
@given(OFFSETS)
def test_xml_offset_accepted_iff_grammar(offset: str) -> None:
    issues = validate(XML_DOC.format(offset))
    assert (issues == []) == (GRAMMAR.fullmatch(offset) is not None), issues
    if issues:
        assert [i.rule for i in issues] == ["time-zone-offset"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
EVENT_FIELDS = [
    "type",
    "action",
    "eventTime",
    "recordTime",
    "parentID",
    "epcList",
    "childEPCs",
    "quantityList",
    "bizStep",
    "disposition",
    "readPoint",
    "persistentDisposition",
    "errorDeclaration",
    "sensorElementList",
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(EVENT_FIELDS), JSON_VALUES)
def test_any_json_value_in_any_field_yields_issues_not_exceptions(field: str, value: object) -> None:
    document = json.loads(json.dumps(JSON_DOC))
    document["epcisBody"]["eventList"][0][field] = value
    issues = validate(json.dumps(document))
    assert all(issue.rule and issue.field for issue in issues)
