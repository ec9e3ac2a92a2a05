"""Hand-made documents that break one rule the GS1 schemas miss, with the exact issue expected."""

from __future__ import annotations

import json
from typing import Any

import pytest

from epcis.validate import ValidationIssue, validate

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
SGTIN = "urn:epc:id:sgtin:0614141.107346.2018"
SSCC = "urn:epc:id:sscc:0614141.1234567890"
SGLN = "urn:epc:id:sgln:0614141.00777.0"


def object_event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": "2026-03-01T10:00:00.000+01:00",
        "eventTimeZoneOffset": "+01:00",
        "epcList": [SGTIN],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": SGLN},
    }
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


def json_doc(*events: dict[str, Any]) -> str:
    return json.dumps(
        {
            "@context": CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-03-01T10:00:00Z",
            "epcisBody": {"eventList": list(events)},
        }
    )


def xml_doc(event: str, namespace: str = "urn:epcglobal:epcis:xsd:2", version: str = "2.0") -> str:
    return (
        f'<epcis:EPCISDocument xmlns:epcis="{namespace}" schemaVersion="{version}"'
        ' creationDate="2026-03-01T10:00:00Z">\n'
        f"<EPCISBody>\n<EventList>\n{event}\n</EventList>\n</EPCISBody>\n</epcis:EPCISDocument>"
    )


def xml_object_event(
    *,
    offset: str = "+01:00",
    time: str = "2026-03-01T10:00:00.000+01:00",
    epc: str = SGTIN,
    biz_step: str = "urn:epcglobal:cbv:bizstep:shipping",
    disposition: str = "urn:epcglobal:cbv:disp:in_transit",
) -> str:
    return (
        "<ObjectEvent>\n"
        f"<eventTime>{time}</eventTime>\n"
        f"<eventTimeZoneOffset>{offset}</eventTimeZoneOffset>\n"
        f"<epcList><epc>{epc}</epc></epcList>\n"
        "<action>OBSERVE</action>\n"
        f"<bizStep>{biz_step}</bizStep>\n"
        f"<disposition>{disposition}</disposition>\n"
        "</ObjectEvent>"
    )


XML_EVENT = "/epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent"


def test_templates_are_valid() -> None:
    assert validate(json_doc(object_event())) == []
    assert validate(xml_doc(xml_object_event())) == []


def test_aggregation_add_without_parent_json() -> None:
    event = {
        "type": "AggregationEvent",
        "eventTime": "2026-03-01T10:00:00+01:00",
        "eventTimeZoneOffset": "+01:00",
        "childEPCs": [SGTIN],
        "action": "ADD",
        "bizStep": "packing",
    }
    assert validate(json_doc(event)) == [
        ValidationIssue(
            0, "eventList[0].parentID", "AggregationEvent with action ADD requires parentID", "aggregation-parent"
        )
    ]
    assert validate(json_doc({**event, "action": "OBSERVE"})) == []
    assert validate(json_doc({**event, "parentID": SSCC, "action": "DELETE"})) == []


def test_aggregation_delete_without_parent_xml() -> None:
    event = (
        "<AggregationEvent>\n<eventTime>2026-03-01T10:00:00Z</eventTime>\n"
        "<eventTimeZoneOffset>+00:00</eventTimeZoneOffset>\n"
        f"<childEPCs><epc>{SGTIN}</epc></childEPCs>\n<action>DELETE</action>\n</AggregationEvent>"
    )
    assert validate(xml_doc(event)) == [
        ValidationIssue(
            0,
            "/epcis:EPCISDocument/EPCISBody/EventList/AggregationEvent/parentID",
            "AggregationEvent with action DELETE requires parentID",
            "aggregation-parent",
            4,
        )
    ]


ASSOCIATION = {
    "type": "AssociationEvent",
    "eventTime": "2026-03-01T10:00:00+01:00",
    "eventTimeZoneOffset": "+01:00",
    "parentID": "urn:epc:id:grai:4012345.55555.987",
    "childEPCs": ["urn:epc:id:giai:4000001.12345"],
    "action": "ADD",
}


def test_association_without_parent() -> None:
    event = {k: v for k, v in ASSOCIATION.items() if k != "parentID"}
    issues = validate(json_doc(event))
    assert (
        ValidationIssue(0, "eventList[0].parentID", "AssociationEvent requires parentID", "association-parent")
        in issues
    )
    assert ValidationIssue(0, "eventList[0].parentID", "'parentID' is a required property", "json-schema") in issues


@pytest.mark.parametrize("action", ["ADD", "OBSERVE"])
def test_association_without_children(action: str) -> None:
    event = {**ASSOCIATION, "action": action, "childEPCs": []}
    message = f"AssociationEvent with action {action} requires childEPCs or childQuantityList"
    assert ValidationIssue(0, "eventList[0].childEPCs", message, "association-children") in validate(json_doc(event))
    assert validate(json_doc({**event, "action": "DELETE"})) == []
    xml_event = (
        "<AssociationEvent>\n<eventTime>2026-03-01T10:00:00Z</eventTime>\n"
        "<eventTimeZoneOffset>+00:00</eventTimeZoneOffset>\n"
        f"<parentID>{SGLN}</parentID>\n<action>{action}</action>\n</AssociationEvent>"
    )
    # The XSD lets both child lists be absent: only the rule (TCR-54 step 4) catches it.
    assert validate(xml_doc(xml_event)) == [
        ValidationIssue(
            0, "/epcis:EPCISDocument/EPCISBody/EventList/AssociationEvent/childEPCs", message, "association-children", 4
        )
    ]


def test_time_zone_offset_xml_only_checked_by_rule() -> None:
    assert validate(xml_doc(xml_object_event(offset="+14:30"))) == [
        ValidationIssue(
            0,
            f"{XML_EVENT}/eventTimeZoneOffset",
            "eventTimeZoneOffset '+14:30' is not +hh:mm or -hh:mm within -13:59..+14:00",
            "time-zone-offset",
            6,
        )
    ]


def test_event_time_without_zone_in_1_2_xml() -> None:
    # xsd:dateTime of EPCIS 1.2 admits a local time; the binding needs an explicit zone.
    document = xml_doc(
        xml_object_event(time="2026-03-01T10:00:00"), namespace="urn:epcglobal:epcis:xsd:1", version="1.2"
    )
    assert validate(document) == [
        ValidationIssue(
            0,
            f"{XML_EVENT}/eventTime",
            "eventTime '2026-03-01T10:00:00' has no time zone (Z or ±hh:mm)",
            "time-zone-explicit",
            5,
        )
    ]


def test_record_time_without_zone_json() -> None:
    issues = validate(json_doc(object_event(recordTime="2026-03-01T10:00:00")))
    assert (
        ValidationIssue(
            0,
            "eventList[0].recordTime",
            "recordTime '2026-03-01T10:00:00' has no time zone (Z or ±hh:mm)",
            "time-zone-explicit",
        )
        in issues
    )


def sensor(metadata: dict[str, Any], *reports: dict[str, Any]) -> dict[str, Any]:
    return {"sensorMetadata": metadata, "sensorReport": list(reports) or [{"type": "Temperature", "value": 4}]}


def test_sensor_element_without_report() -> None:
    element = {"sensorMetadata": {"deviceID": "urn:epc:id:giai:4000001.111"}, "sensorReport": []}
    issues = validate(json_doc(object_event(sensorElementList=[element])))
    assert (
        ValidationIssue(
            0,
            "eventList[0].sensorElementList[0].sensorReport",
            "sensorElement requires at least one sensorReport",
            "sensor-report-required",
        )
        in issues
    )


def test_object_event_without_action() -> None:
    issues = validate(json_doc(object_event(action=None)))
    assert (
        ValidationIssue(
            0, "eventList[0].action", "ObjectEvent requires an action (ADD, OBSERVE or DELETE)", "action-required"
        )
        in issues
    )
    assert ValidationIssue(0, "eventList[0].action", "'action' is a required property", "json-schema") in issues


def test_sensor_start_after_end() -> None:
    element = sensor({"startTime": "2026-03-01T09:00:00Z", "endTime": "2026-03-01T08:00:00Z"})
    assert validate(json_doc(object_event(sensorElementList=[element]))) == [
        ValidationIssue(
            0,
            "eventList[0].sensorElementList[0].sensorMetadata.startTime",
            "startTime 2026-03-01T09:00:00Z is after endTime 2026-03-01T08:00:00Z",
            "sensor-time-order",
        )
    ]


STRICT_CASES = [
    (
        sensor({"time": "2026-03-01T08:00:00Z", "startTime": "2026-03-01T07:00:00Z"}),
        "sensorMetadata.time",
        "sensorMetadata has both time and startTime/endTime: use one or the other",
        "sensor-time-exclusive",
    ),
    (
        sensor(
            {"startTime": "2026-03-01T07:00:00Z", "endTime": "2026-03-01T08:00:00Z"},
            {"type": "Temperature", "value": 4, "time": "2026-03-01T08:30:00Z"},
        ),
        "sensorReport[0].time",
        "sensorReport time 2026-03-01T08:30:00Z is outside sensorMetadata startTime..endTime",
        "sensor-time-range",
    ),
    (
        sensor({}, {"type": "Temperature", "value": 4, "time": "2026-03-01T09:30:00Z"}),
        "sensorReport[0].time",
        "sensor time 2026-03-01T09:30:00Z is later than eventTime",
        "sensor-time-after-event",
    ),
    (
        sensor(
            {"deviceID": "urn:epc:id:giai:4000001.111"},
            {"type": "Temperature", "deviceID": "urn:epc:id:giai:4000001.111"},
        ),
        "sensorReport[0].deviceID",
        "deviceID is given in both sensorMetadata and sensorReport",
        "sensor-inline-duplicate",
    ),
]


@pytest.mark.parametrize(("element", "path", "message", "rule"), STRICT_CASES)
def test_strict_sensor_rules(element: dict[str, Any], path: str, message: str, rule: str) -> None:
    document = json_doc(object_event(sensorElementList=[element]))
    assert validate(document, strict=True) == [
        ValidationIssue(0, f"eventList[0].sensorElementList[0].{path}", message, rule)
    ]
    assert validate(document) == []


def test_strict_sensor_rule_in_xml_points_at_attribute() -> None:
    event = xml_object_event().replace(
        "</ObjectEvent>",
        "<sensorElementList><sensorElement>\n"
        '<sensorMetadata time="2026-03-01T08:00:00Z" endTime="2026-03-01T09:00:00Z"/>\n'
        '<sensorReport type="gs1:Temperature" value="4.0" uom="CEL"/>\n'
        "</sensorElement></sensorElementList>\n</ObjectEvent>",
    )
    assert validate(xml_doc(event), strict=True) == [
        ValidationIssue(
            0,
            f"{XML_EVENT}/sensorElementList/sensorElement/sensorMetadata/@time",
            "sensorMetadata has both time and startTime/endTime: use one or the other",
            "sensor-time-exclusive",
            12,
        )
    ]


def test_uom_without_quantity() -> None:
    quantities = [{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "uom": "KGM"}]
    assert validate(json_doc(object_event(epcList=None, quantityList=quantities))) == [
        ValidationIssue(0, "eventList[0].quantityList[0].uom", "uom 'KGM' given without quantity", "quantity-uom")
    ]


def test_negative_quantity() -> None:
    quantities = [{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": -2.5, "uom": "KGM"}]
    assert validate(json_doc(object_event(epcList=None, quantityList=quantities))) == [
        ValidationIssue(0, "eventList[0].quantityList[0].quantity", "quantity -2.5 is negative", "quantity-negative")
    ]


def test_transformation_event_with_action() -> None:
    event = {
        "type": "TransformationEvent",
        "eventTime": "2026-03-01T10:00:00+01:00",
        "eventTimeZoneOffset": "+01:00",
        "inputEPCList": [SGTIN],
        "action": "ADD",
    }
    issues = validate(json_doc(event))
    assert (
        ValidationIssue(0, "eventList[0].action", "TransformationEvent must not have an action", "action-forbidden")
        in issues
    )


def test_error_declaration_without_time() -> None:
    issues = validate(json_doc(object_event(errorDeclaration={"reason": "incorrect_data"})))
    assert (
        ValidationIssue(
            0,
            "eventList[0].errorDeclaration.declarationTime",
            "errorDeclaration requires declarationTime",
            "error-declaration-time",
        )
        in issues
    )


def test_persistent_disposition_overlap() -> None:
    persistent = {"set": ["completeness_verified"], "unset": ["completeness_inferred", "completeness_verified"]}
    assert validate(json_doc(object_event(persistentDisposition=persistent))) == [
        ValidationIssue(
            0,
            "eventList[0].persistentDisposition.unset[1]",
            "disposition 'completeness_verified' is both set and unset",
            "persistent-disposition-overlap",
        )
    ]


@pytest.mark.parametrize(
    ("fields", "message", "rule", "line"),
    [
        (
            {"biz_step": "urn:epcglobal:cbv:bizstep:transforming"},
            "'urn:epcglobal:cbv:bizstep:transforming' is not a standard CBV bizStep",
            "cbv-bizstep",
            9,
        ),
        (
            {"disposition": "https://ref.gs1.org/cbv/Disp-in_transport"},
            "'https://ref.gs1.org/cbv/Disp-in_transport' is not a standard CBV disposition",
            "cbv-disposition",
            10,
        ),
        (
            {"biz_step": "shipping"},
            "bizStep 'shipping' must be a URI in XML, e.g. urn:epcglobal:cbv:bizstep:shipping",
            "cbv-bizstep",
            9,
        ),
    ],
)
def test_cbv_values_in_xml(fields: dict[str, str], message: str, rule: str, line: int) -> None:
    field = "bizStep" if rule == "cbv-bizstep" else "disposition"
    assert validate(xml_doc(xml_object_event(**fields))) == [
        ValidationIssue(0, f"{XML_EVENT}/{field}", message, rule, line)
    ]


def test_cbv_web_uri_and_private_vocabulary_pass_in_xml() -> None:
    event = xml_object_event(biz_step="https://ref.gs1.org/cbv/BizStep-receiving", disposition="urn:example:disp:odd")
    assert validate(xml_doc(event)) == []


def test_unknown_bare_bizstep_in_json() -> None:
    issues = validate(json_doc(object_event(bizStep="transforming")))
    assert (
        ValidationIssue(0, "eventList[0].bizStep", "'transforming' is not a standard CBV bizStep", "cbv-bizstep")
        in issues
    )


EPC_CASES = [
    (
        "urn:epc:id:sgtin:0614141.10734.2018",
        "'urn:epc:id:sgtin:0614141.10734.2018' has 12 digits in company prefix and reference, expected 13",
    ),
    (
        "urn:epc:id:sgtin:06141.41107346.2018",
        "'urn:epc:id:sgtin:06141.41107346.2018' has a 5-digit GS1 company prefix, expected 6 to 12 digits",
    ),
    (
        "urn:epc:id:sgtin:0614141.107346.20#18",
        "'urn:epc:id:sgtin:0614141.107346.20#18' does not follow the SGTIN pure-identity URN grammar",
    ),
    (
        "urn:epc:id:sgtin:0614141.107346.123456789012345678901",
        "'urn:epc:id:sgtin:0614141.107346.123456789012345678901' does not follow the SGTIN pure-identity URN grammar",
    ),
    (
        "urn:epc:id:sscc:0614141.123456789",
        "'urn:epc:id:sscc:0614141.123456789' has 16 digits in company prefix and reference, expected 17",
    ),
    (
        "urn:epc:id:sscc:0614141.12345678A0",
        "'urn:epc:id:sscc:0614141.12345678A0' does not follow the SSCC pure-identity URN grammar",
    ),
    (
        "urn:epc:id:sgln:0614141.0077.0",
        "'urn:epc:id:sgln:0614141.0077.0' has 11 digits in company prefix and reference, expected 12",
    ),
]


@pytest.mark.parametrize(("epc", "message"), EPC_CASES)
def test_epc_syntax(epc: str, message: str) -> None:
    assert validate(json_doc(object_event(epcList=[epc]))) == [
        ValidationIssue(0, "eventList[0].epcList[0]", message, "epc-syntax")
    ]


def test_epc_syntax_in_xml_and_escaped_serial_passes() -> None:
    assert validate(xml_doc(xml_object_event(epc="urn:epc:id:sgtin:0614141.107346.A%2Fb-1"))) == []
    assert validate(xml_doc(xml_object_event(epc="urn:epc:id:sscc:06141.41234567890"))) == [
        ValidationIssue(
            0,
            f"{XML_EVENT}/epcList/epc",
            "'urn:epc:id:sscc:06141.41234567890' has a 5-digit GS1 company prefix, expected 6 to 12 digits",
            "epc-syntax",
            7,
        )
    ]


def test_sgln_read_point_is_checked() -> None:
    issues = validate(json_doc(object_event(readPoint={"id": "urn:epc:id:sgln:0614141.777.0"})))
    assert issues == [
        ValidationIssue(
            0,
            "eventList[0].readPoint.id",
            "'urn:epc:id:sgln:0614141.777.0' has 10 digits in company prefix and reference, expected 12",
            "epc-syntax",
        )
    ]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("https://id.gs1.org/01/0952114101234/21/2017", None),
        ("https://id.gs1.org/01/095211410123/21/2017", None),
        (
            "https://id.gs1.org/01/0952114101/21/2017",
            "'https://id.gs1.org/01/0952114101/21/2017' has an invalid value '0952114101' for GS1 primary key (01)",
        ),
        (
            "https://id.gs1.org/01/09521141012345X/21/2017",
            "'https://id.gs1.org/01/09521141012345X/21/2017' has an invalid value '09521141012345X'"
            " for GS1 primary key (01)",
        ),
        (
            "https://example.com/shop/00/12345/",
            "'https://example.com/shop/00/12345/' has an invalid value '12345' for GS1 primary key (00)",
        ),
        (
            "https://id.gs1.org/product/123",
            "'https://id.gs1.org/product/123' is not a GS1 Digital Link URI: no GS1 primary key in its path",
        ),
        ("https://example.com/user/vocab/obj/12345.67890", None),
    ],
)
def test_digital_link_epcs(uri: str, message: str | None) -> None:
    expected = [] if message is None else [ValidationIssue(0, "eventList[0].epcList[0]", message, "digital-link")]
    assert validate(json_doc(object_event(epcList=[uri]))) == expected
