"""GS1 and OpenEPCIS example documents: every valid one passes, every `Invalid/` one is pinpointed."""

from __future__ import annotations

from pathlib import Path

import pytest

from epcis.validate import ValidationIssue, validate

REFERENCE = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference" / "epcis"
EXAMPLES = REFERENCE / "examples"
OE = "openepcis-test-resources"
OE2 = f"{OE}/2.0/EPCIS"

_MOLAR = "measurement type Molar_concentration is not in the ratified schema (README: fails the GS1 schema anyway)"
_DOSE = "measurement type EffectiveDoseRate is not in the ratified schema's measurementType list"
_UNQUALIFIED = "unqualified <QueryResults> where the XSD requires epcisq:QueryResults (README: lenient-parser test)"
_LENIENT = "not XSD-valid on purpose (README: lenient-parser test)"
_OE_12 = "OpenEPCIS 1.2 resource that the original 1.2 XSD rejects: "

# Positive files that are known to be broken, with the reason (from the reference README where it says).
BROKEN: dict[str, str] = {
    f"{OE2}/JSON/Capture/Documents/SensorData_with_combined_events.json": _MOLAR,
    f"{OE2}/JSON/Query/SensorData_with_combined_events.json": _MOLAR,
    f"{OE2}/JSON/Capture/Documents/TransactionEvent_with_userExtensions.json": _DOSE,
    f"{OE2}/JSON/Query/TransactionEvent_with_userExtensions.json": _DOSE,
    f"{OE2}/XML/Capture/Documents/JumbledFieldsOrder.xml": _LENIENT,
    f"{OE2}/XML/Capture/Documents/Namespace_document.xml": _LENIENT + ": namespace-qualified events",
    f"{OE2}/XML/Capture/Events/Namespace_event.xml": _LENIENT + ": namespace-qualified bare event",
    f"{OE2}/XML/Query/Combination_of_different_event.xml": _UNQUALIFIED + "; also no creationDate",
    f"{OE2}/XML/Query/CurieString_document.xml": _UNQUALIFIED,
    f"{OE2}/XML/Query/JumbledFieldsOrder.xml": _UNQUALIFIED,
    f"{OE2}/XML/Query/ObjectEventWithAllPossibleFields.xml": _UNQUALIFIED,
    f"{OE2}/XML/Query/SensorData_with_combined_events.xml": _UNQUALIFIED,
    f"{OE2}/XML/Query/TransactionEvent_with_userExtensions.xml": _UNQUALIFIED,
    f"{OE2}/XML/Query/TransformationEvent_with_error_declaration.xml": _UNQUALIFIED,
    f"{OE}/1.2/EPCIS/XML/Capture/Documents/AggregationEvent_all_possible_fields.xml": _OE_12
    + "extension xs:dateTime values padded with whitespace",
    f"{OE}/1.2/EPCIS/XML/Capture/Documents/TransformationEvent_all_possible_fields.xml": _OE_12
    + "extension xs:dateTime values padded with whitespace",
    f"{OE}/1.2/EPCIS/XML/Capture/Documents/AssociationEvent_all_possible_fields.xml": _OE_12
    + "xsi:type QNames with an undeclared xsd: prefix",
    f"{OE}/1.2/EPCIS/XML/Capture/Documents/Document_with_namespace.xml": _OE_12 + "2.0-namespace events",
    f"{OE}/1.2/EPCIS/XML/Capture/Documents/Single_event_with_namespace.xml": _OE_12 + "qualified bare event",
    f"{OE}/1.2/EPCIS/XML/Capture/Documents/Jumbled_attributes_order.xml": _OE_12 + "fields out of order",
    f"{OE}/1.2/EPCIS/XML/Capture/Documents/ObjectEvent_all_possible_fields.xml": _OE_12
    + "certificationInfo, a 2.0 field",
    f"{OE}/1.2/EPCIS/XML/Capture/Documents/TransactionEvent_all_possible_fields.xml": _OE_12
    + "declarationTime without seconds",
    f"{OE}/1.2/EPCIS/XML/Capture/Documents/TransformationEvent.xml": _OE_12
    + "empty quantity (only GS1's modified 1.2 XSD makes it nillable)",
}


def _positives() -> list[str]:
    if not EXAMPLES.is_dir():
        return []
    patterns = [
        "xml/**/*.xml",
        "xml-1.2/*.xml",
        "json/**/*.jsonld",
        "regulator-extensions/gs1-egypt-hc/*.xml",
        "regulator-extensions/gs1-egypt-hc/GS1_*.json",
        f"{OE}/*/EPCIS/*/Capture/Documents/*",
        f"{OE2}/*/Capture/Events/*",
        f"{OE2}/*/Query/*.*",
        f"{OE2}/*/Query/Documents/*",
        f"{OE2}/*/Query/Queries/*.*",
    ]
    found = {str(p.relative_to(EXAMPLES)) for pattern in patterns for p in EXAMPLES.glob(pattern) if p.is_file()}
    return sorted(found)


POSITIVES = _positives()


def _read(relative: str) -> bytes:
    if not EXAMPLES.is_dir():
        pytest.skip(f"GS1 reference data not found at {REFERENCE}")
    return (EXAMPLES / relative).read_bytes()


def test_reference_present_or_skipped() -> None:
    if not EXAMPLES.is_dir():
        pytest.skip(f"GS1 reference data not found at {REFERENCE}")
    assert len(POSITIVES) > 150
    assert set(BROKEN) <= set(POSITIVES)


@pytest.mark.parametrize("relative", POSITIVES)
def test_valid_example_has_no_issue(relative: str) -> None:
    if relative in BROKEN:
        pytest.skip(BROKEN[relative])
    assert validate(_read(relative)) == []


@pytest.mark.parametrize("relative", sorted(BROKEN))
def test_known_broken_example_is_reported(relative: str) -> None:
    # Documented as broken: they must still fail, so the list stays honest.
    assert validate(_read(relative)) != []


_Q = "/epcisq:EPCISQueryDocument/EPCISBody"
_EV = "/epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent"
# Invalid document -> one issue it must contain: (event index, field, rule, line for XML).
INVALID: dict[str, tuple[int | None, str, str, int | None]] = {
    "XML/Capture/Invalid/ObjectEvent_bare_event_without_action.xml": (
        None,
        f"{_EV}/action",
        "action-required",
        1,
    ),
    "XML/Capture/Invalid/ObjectEvent_with_invalid_action.xml": (0, f"{_EV}/action", "action-invalid", 12),
    "XML/Capture/Invalid/ObjectEvent_with_near_miss_action.xml": (0, f"{_EV}/action", "action-invalid", 13),
    "XML/Capture/Invalid/ObjectEvent_with_invalid_eventTime_format.xml": (0, f"{_EV}/eventTime", "xsd", 7),
    "XML/Capture/Invalid/ObjectEvent_with_unknown_element.xml": (0, f"{_EV}/madeUpField", "xsd", 13),
    "XML/Capture/Invalid/ObjectEvent_with_wrong_element_order.xml": (0, f"{_EV}/action", "xsd", 7),
    "XML/Capture/Invalid/ObjectEvent_without_eventTime.xml": (0, f"{_EV}/eventTimeZoneOffset", "xsd", 7),
    "XML/Query/Invalid/QueryDocument_with_invalid_action.xml": (
        0,
        f"{_Q}/QueryResults/resultsBody/EventList/ObjectEvent/action",
        "action-invalid",
        14,
    ),
    "XML/Query/Invalid/QueryDocument_with_invalid_eventType.xml": (
        0,
        f"{_Q}/QueryResults/resultsBody/EventList/ObjectEventInvalid",
        "event-type",
        8,
    ),
    "XML/Query/Invalid/QueryDocument_with_missing_value.xml": (None, f"{_Q}/epcisq:Poll/params/param[2]", "xsd", 15),
    "XML/Query/Queries/Invalid/Query_without_queryName.xml": (None, f"{_Q}/epcisq:Poll/params", "xsd", 7),
    "JSON/Capture/Invalid/Combination_of_events_with_missing_mandatory_fields.json": (
        1,
        "eventList[1].eventTimeZoneOffset",
        "json-schema",
        None,
    ),
    "JSON/Capture/Invalid/Combination_of_multiple_invalid_fields.json": (
        4,
        "eventList[4].action",
        "action-invalid",
        None,
    ),
    "JSON/Capture/Invalid/Combination_of_non_standard_bizStep_and_disposition.json": (
        1,
        "eventList[1].disposition",
        "cbv-disposition",
        None,
    ),
    "JSON/Capture/Invalid/EPCISDocument_without_context.json": (None, "@context", "json-schema", None),
    "JSON/Capture/Invalid/ObjectEvent_with_ilmd_field_without_namespace.json": (
        0,
        "eventList[0].ilmd",
        "json-schema",
        None,
    ),
    "JSON/Capture/Invalid/ObjectEvent_with_invalid_action.json": (0, "eventList[0].action", "action-invalid", None),
    "JSON/Capture/Invalid/ObjectEvent_with_invalid_certificationInfo.json": (
        0,
        "eventList[0].certificationInfo",
        "json-schema",
        None,
    ),
    "JSON/Capture/Invalid/ObjectEvent_with_invalid_eventTime_format.json": (
        0,
        "eventList[0].eventTime",
        "json-schema",
        None,
    ),
    "JSON/Capture/Invalid/ObjectEvent_with_non_standard_bizStep.json": (0, "eventList[0].bizStep", "cbv-bizstep", None),
    "JSON/Capture/Invalid/ObjectEvent_with_non_standard_bizStep_in_second_event.json": (
        1,
        "eventList[1].bizStep",
        "cbv-bizstep",
        None,
    ),
    "JSON/Capture/Invalid/ObjectEvent_with_non_standard_disposition.json": (
        0,
        "eventList[0].disposition",
        "cbv-disposition",
        None,
    ),
    "JSON/Capture/Invalid/ObjectEvent_with_quantity_as_text.json": (
        0,
        "eventList[0].quantityList[0].quantity",
        "json-schema",
        None,
    ),
    "JSON/Capture/Invalid/ObjectEvent_with_unknown_field_in_quantityList.json": (
        0,
        "eventList[0].quantityList[0]",
        "json-schema",
        None,
    ),
    "JSON/Capture/Invalid/ObjectEvent_without_action_and_eventTime.json": (
        0,
        "eventList[0].eventTime",
        "json-schema",
        None,
    ),
    "JSON/Capture/Invalid/ObjectEvent_without_identifier_list.json": (0, "eventList[0].epcList", "json-schema", None),
    "JSON/Query/Invalid/QueryDocument_with_invalid_action.json": (0, "eventList[0].action", "action-invalid", None),
    "JSON/Query/Invalid/QueryDocument_with_invalid_eventType.json": (0, "eventList[0].type", "json-schema", None),
    "JSON/Query/Queries/Invalid/Query_with_invalid_values.json": (None, "orderDirection", "json-schema", None),
    "JSON/Query/Queries/Invalid/Query_with_unknown_parameter.json": (None, "$", "json-schema", None),
}


def test_every_invalid_file_is_in_the_table() -> None:
    if not EXAMPLES.is_dir():
        pytest.skip(f"GS1 reference data not found at {REFERENCE}")
    on_disk = {str(p.relative_to(EXAMPLES / OE2)) for p in (EXAMPLES / OE2).glob("*/**/Invalid/*") if p.is_file()}
    assert on_disk == set(INVALID)


@pytest.mark.parametrize("relative", sorted(INVALID))
def test_invalid_example_is_pinpointed(relative: str) -> None:
    index, field, rule, line = INVALID[relative]
    issues = validate(_read(f"{OE2}/{relative}"))
    located = [(i.event_index, i.field, i.rule, i.line) for i in issues]
    assert (index, field, rule, line) in located, located


def test_invalid_json_action_message() -> None:
    issues = validate(_read(f"{OE2}/JSON/Capture/Invalid/ObjectEvent_with_invalid_action.json"))
    assert (
        ValidationIssue(
            0, "eventList[0].action", "action 'CREATE' is not one of ADD, OBSERVE, DELETE", "action-invalid"
        )
        in issues
    )


def test_simple_context_examples_are_not_positive() -> None:
    # The non-normative "simple" context uses `_:document1` ids, which the normative schema rejects.
    folder = EXAMPLES / "json-simple-context"
    if not folder.is_dir():
        pytest.skip(f"GS1 reference data not found at {REFERENCE}")
    rejected = [p.name for p in sorted(folder.glob("**/*.jsonld")) if validate(p.read_bytes())]
    assert len(rejected) > len(list(folder.glob("**/*.jsonld"))) // 2
