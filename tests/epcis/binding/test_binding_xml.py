"""EPCIS XML binding: exact 2.0 and 1.2 output built from the model, lenient reading, exact error messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from epcis import parse, parse_validated, to_xml
from epcis.errors import EpcisError, EpcisExportError, EpcisParseError
from epcis.model import (
    AssociationEvent,
    BizTransaction,
    Document,
    Epc,
    Extension,
    Location,
    ObjectEvent,
    PersistentDisposition,
    QuantityElement,
    SensorElement,
    SensorReport,
    TransactionEvent,
    TransformationEvent,
)

# Every test here runs with the compiled XML reader and with the pure-Python one.
pytestmark = pytest.mark.usefixtures("both_readers")

CET = timezone(timedelta(hours=1))
NS = (
    'xmlns:ex="https://ex.example/ns/" xmlns:epcis="urn:epcglobal:epcis:xsd:{v}" xmlns:gs1="https://gs1.org/voc/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
)


def _object_event() -> ObjectEvent:
    return ObjectEvent(
        event_time=datetime(2024, 1, 2, 10, 0, tzinfo=CET),
        event_time_zone_offset="+01:00",
        action="ADD",
        epc_list=[Epc("urn:epc:id:sgtin:4012345.011111.9876")],
        quantity_list=[
            QuantityElement(
                epc_class=Epc("urn:epc:class:lgtin:4012345.011111.LOT1"), quantity=Decimal("2.5"), uom="KGM"
            )
        ],
        biz_step="commissioning",
        disposition="active",
        read_point=Location(id=Epc("urn:epc:id:sgln:4012345.00001.0")),
        sensor_elements=[SensorElement(reports=[SensorReport(type="Temperature", value=Decimal("4.5"), uom="CEL")])],
        extensions=[Extension(name="{https://ex.example/ns/}batch", text="B1")],
    )


def _document(*events: object) -> Document:
    return Document(
        creation_date=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        namespaces={"ex": "https://ex.example/ns/"},
        events=list(events),  # type: ignore[arg-type]
    )


def test_writes_epcis_20_in_xsd_order() -> None:
    assert to_xml(_document(_object_event())).decode() == (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<epcis:EPCISDocument {NS.format(v=2)} schemaVersion="2.0" creationDate="2024-01-02T03:04:05.000Z">'
        "<EPCISBody><EventList><ObjectEvent><eventTime>2024-01-02T10:00:00.000+01:00</eventTime>"
        "<eventTimeZoneOffset>+01:00</eventTimeZoneOffset>"
        "<epcList><epc>urn:epc:id:sgtin:4012345.011111.9876</epc></epcList><action>ADD</action>"
        "<bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>"
        "<disposition>urn:epcglobal:cbv:disp:active</disposition>"
        "<readPoint><id>urn:epc:id:sgln:4012345.00001.0</id></readPoint>"
        "<quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.011111.LOT1</epcClass>"
        "<quantity>2.5</quantity><uom>KGM</uom></quantityElement></quantityList>"
        '<sensorElementList><sensorElement><sensorReport type="gs1:Temperature" value="4.5" uom="CEL"/>'
        "</sensorElement></sensorElementList><ex:batch>B1</ex:batch></ObjectEvent></EventList></EPCISBody>"
        "</epcis:EPCISDocument>"
    )


def test_writes_epcis_12_with_extension_wrappers() -> None:
    assert to_xml(_document(_object_event()), "1.2").decode() == (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<epcis:EPCISDocument {NS.format(v=1)} schemaVersion="1.2" creationDate="2024-01-02T03:04:05.000Z">'
        "<EPCISBody><EventList><ObjectEvent><eventTime>2024-01-02T10:00:00.000+01:00</eventTime>"
        "<eventTimeZoneOffset>+01:00</eventTimeZoneOffset>"
        "<epcList><epc>urn:epc:id:sgtin:4012345.011111.9876</epc></epcList><action>ADD</action>"
        "<bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>"
        "<disposition>urn:epcglobal:cbv:disp:active</disposition>"
        "<readPoint><id>urn:epc:id:sgln:4012345.00001.0</id></readPoint>"
        "<extension><quantityList><quantityElement><epcClass>urn:epc:class:lgtin:4012345.011111.LOT1</epcClass>"
        "<quantity>2.5</quantity><uom>KGM</uom></quantityElement></quantityList>"
        '<extension><sensorElementList><sensorElement><sensorReport type="gs1:Temperature" value="4.5" uom="CEL"/>'
        "</sensorElement></sensorElementList></extension></extension>"
        "<ex:batch>B1</ex:batch></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"
    )


def test_12_places_transformation_and_association_events_in_event_list_extensions() -> None:
    when = {"event_time": datetime(2024, 1, 2, tzinfo=UTC), "event_time_zone_offset": "+00:00"}
    transformation = TransformationEvent(**when, transformation_id="urn:uuid:1")  # type: ignore[arg-type]
    association = AssociationEvent(**when, action="ADD", parent_id=Epc("urn:epc:id:grai:4012345.55555.1"))  # type: ignore[arg-type]
    xml = to_xml(_document(transformation, association), "1.2").decode()
    assert "<EventList><extension><TransformationEvent>" in xml
    assert "</TransformationEvent></extension><extension><extension><AssociationEvent>" in xml
    assert parse(xml).events == [transformation, association]


def test_12_moves_persistent_disposition_and_event_id_into_extensions() -> None:
    event = _object_event()
    event.quantity_list = []
    event.event_id = "urn:uuid:6d1d0e1c-2a5e-4d3c-9f1b-6f9c0d2b8a11"
    event.certification_info = ["https://cert.example/1"]
    event.persistent_disposition = PersistentDisposition(set=["completeness_verified"], unset=["needs_replacement"])
    xml = to_xml(_document(event), "1.2").decode()
    assert (
        "<baseExtension><eventID>urn:uuid:6d1d0e1c-2a5e-4d3c-9f1b-6f9c0d2b8a11</eventID>"
        "<extension><certificationInfo>https://cert.example/1</certificationInfo></extension></baseExtension>"
    ) in xml
    assert (
        "<extension><extension><sensorElementList>" in xml
        and "<persistentDisposition><unset>urn:epcglobal:cbv:disp:needs_replacement</unset>"
        "<set>urn:epcglobal:cbv:disp:completeness_verified</set></persistentDisposition></extension></extension>"
        in xml
    )
    assert parse(xml).events == [event]


def test_reads_epcis_namespaced_standard_fields() -> None:
    doc = parse(
        b'<e:EPCISDocument xmlns:e="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"><EPCISBody><EventList>'
        b"<e:ObjectEvent><e:eventTime>2022-04-13T12:35:29.017069617Z</e:eventTime>"
        b"<e:eventTimeZoneOffset>+02:00</e:eventTimeZoneOffset><e:epcList><e:epc> urn:epc:id:sgtin:0614141.107346.2018"
        b" </e:epc></e:epcList><e:action>ADD</e:action></e:ObjectEvent></EventList></EPCISBody></e:EPCISDocument>"
    )
    event = doc.events[0]
    assert isinstance(event, ObjectEvent)
    assert event.epc_list == ["urn:epc:id:sgtin:0614141.107346.2018"]
    assert event.event_time == datetime(2022, 4, 13, 12, 35, 29, 17069, tzinfo=UTC)


def test_business_transaction_type_is_optional() -> None:
    event = TransactionEvent(
        event_time=datetime(2024, 1, 2, tzinfo=UTC),
        event_time_zone_offset="+00:00",
        action="ADD",
        biz_transactions=[BizTransaction(value="urn:epcglobal:cbv:bt:4012345000009:PO1")],
    )
    xml = to_xml(_document(event))
    assert b"<bizTransaction>urn:epcglobal:cbv:bt:4012345000009:PO1</bizTransaction>" in xml
    assert parse(xml).events == [event]


def _wrap(events: str) -> bytes:
    return (
        '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"><EPCISBody><EventList>'
        f"{events}</EventList></EPCISBody></epcis:EPCISDocument>"
    ).encode()


HEAD = "<eventTime>2024-01-01T00:00:00Z</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset>"
OK = f"<ObjectEvent>{HEAD}<action>ADD</action></ObjectEvent>"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _wrap("<ObjectEvent><eventTimeZoneOffset>+01:00</eventTimeZoneOffset></ObjectEvent>"),
            "event 0, field 'eventTime': missing",
        ),
        (
            _wrap(OK + "<ObjectEvent><eventTime>2024-01-01T00:00:00</eventTime></ObjectEvent>"),
            "event 1, field 'eventTime': time '2024-01-01T00:00:00' has no time zone",
        ),
        (
            _wrap(OK + "<ObjectEvent><eventTime>yesterday</eventTime></ObjectEvent>"),
            "event 1, field 'eventTime': 'yesterday' is not an XSD dateTime",
        ),
        (_wrap(f"<ObjectEvent>{HEAD}</ObjectEvent>"), "event 0, field 'action': missing"),
        (_wrap("<QuantityEvent/>"), "event 0: unknown event type <QuantityEvent>"),
        (
            _wrap(f"<AggregationEvent>{HEAD}<epcList/><action>ADD</action></AggregationEvent>"),
            "event 0, field 'epcList': not allowed in AggregationEvent",
        ),
        (
            _wrap(f"<ObjectEvent>{HEAD}<action>ADD</action><sourceList><source>x</source></sourceList></ObjectEvent>"),
            "event 0, field 'sourceList': <source> without a type attribute",
        ),
        (
            _wrap(
                f"<ObjectEvent>{HEAD}<action>ADD</action><quantityList><quantityElement><epcClass>x</epcClass>"
                "<quantity>abc</quantity></quantityElement></quantityList></ObjectEvent>"
            ),
            "event 0, field 'quantityList': 'abc' is not a decimal number",
        ),
        (
            _wrap(
                f"<ObjectEvent>{HEAD}<action>ADD</action><quantityList><quantityElement><quantity>1</quantity>"
                "</quantityElement></quantityList></ObjectEvent>"
            ),
            "event 0, field 'quantityList': quantityElement without epcClass",
        ),
        (
            _wrap(
                f'<ObjectEvent>{HEAD}<action>ADD</action><sensorElementList><sensorElement><sensorReport value="x"/>'
                "</sensorElement></sensorElementList></ObjectEvent>"
            ),
            "event 0, field 'sensorElementList': 'x' is not a decimal number",
        ),
        (
            _wrap(f"<ObjectEvent>{HEAD}<action>ADD</action><readPoint/></ObjectEvent>"),
            "event 0, field 'readPoint': <readPoint> has no <id>",
        ),
        (b"<foo/>", "root element <foo> is not an EPCIS document"),
        (
            b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"><EPCISBody>',
            "not well-formed XML: Premature end of data in tag EPCISBody line 1, line 1, column 73 (<string>, line 1)",
        ),
    ],
)
def test_parse_errors_say_where_and_why(data: bytes, message: str) -> None:
    with pytest.raises(EpcisParseError) as info:
        parse(data)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_export_errors() -> None:
    doc = _document(_object_event())
    with pytest.raises(EpcisExportError) as info:
        to_xml(doc, "1.1")
    assert str(info.value) == "unsupported EPCIS XML version '1.1': expected '2.0' or '1.2'"
    doc.events.append(
        TransactionEvent(event_time=datetime(2024, 1, 2, tzinfo=UTC), event_time_zone_offset="+00:00", action="ADD")
    )
    with pytest.raises(EpcisError) as failure:
        to_xml(doc, "1.2")
    assert str(failure.value) == "event 1: TransactionEvent needs a bizTransactionList in EPCIS 1.2 XML"


# A 2.0 document around the events given as `events`.
DOCUMENT_2 = (
    f'<epcis:EPCISDocument {NS.format(v=2)} schemaVersion="2.0" creationDate="2024-01-02T10:00:00Z">'
    "<EPCISBody><EventList>{events}</EventList></EPCISBody></epcis:EPCISDocument>"
)


@pytest.mark.parametrize("node", ["<!-- note -->", "<?line-pi id=4?>"])
def test_a_comment_or_processing_instruction_inside_a_value_does_not_cut_it(node: str) -> None:
    # XML gives a value all its character data; a PI or comment in the middle is not part of it and cuts nothing.
    body = (
        "<ObjectEvent><eventTime>2024-01-02T10:00:00.000+01:00</eventTime>"
        "<eventTimeZoneOffset>+01:00</eventTimeZoneOffset>"
        "<epcList><epc>urn:epc:id:sgtin:4012345.{n}011111.1</epc></epcList><action>ADD</action>"
        "<bizStep>urn:epcglobal:cbv:bizstep:insp{n}ecting</bizStep>"
        "<readPoint><id>urn:epc:id:sgln:4012345.{n}00001.0</id></readPoint></ObjectEvent>"
    )
    data = DOCUMENT_2.format(events=body.format(n=node)).encode()
    [event] = parse(data).events
    assert event.biz_step == "inspecting"
    assert event.epc_list == ["urn:epc:id:sgtin:4012345.011111.1"]
    assert event.read_point is not None and event.read_point.id == "urn:epc:id:sgln:4012345.00001.0"
    assert parse_validated(data) == (parse(DOCUMENT_2.format(events=body.format(n="")).encode()), [])


@pytest.mark.parametrize("node", ["<!-- note -->", "<?line-pi id=4?>"])
def test_comments_and_processing_instructions_between_elements_are_not_read_as_fields(node: str) -> None:
    body = (
        "<ObjectEvent>{n}<eventTime>2024-01-02T10:00:00.000+01:00</eventTime>"
        "<eventTimeZoneOffset>+01:00</eventTimeZoneOffset>"
        "<epcList>{n}<epc>urn:epc:id:sgtin:4012345.011111.1</epc>{n}<epc>urn:epc:id:sgtin:4012345.011111.2</epc>"
        "{n}</epcList><action>ADD</action>{n}<bizStep>shipping</bizStep></ObjectEvent>"
    )
    with_nodes = parse(DOCUMENT_2.format(events=body.format(n=node)))
    without = parse(DOCUMENT_2.format(events=body.format(n="")))
    assert with_nodes.events == without.events
    assert with_nodes.events[0].epc_list == ["urn:epc:id:sgtin:4012345.011111.1", "urn:epc:id:sgtin:4012345.011111.2"]
