"""The XML reader's shortcuts build exactly the objects the general paths build."""

from __future__ import annotations

import dataclasses

import pytest

from epcis import parse
from epcis.model import Epc, Extension, Location, ObjectEvent

# Every test here runs with the compiled XML reader and with the pure-Python one.
pytestmark = pytest.mark.usefixtures("both_readers")

DOC = (
    '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:ex="https://ex.example/ns/"'
    ' schemaVersion="2.0" creationDate="2024-01-02T03:04:05Z"><EPCISBody><EventList>'
    "<ObjectEvent><eventTime>2024-01-02T10:00:00+01:00</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset>"
    "<epcList><epc> urn:epc:id:sgtin:4012345.011111.1 </epc></epcList><action>ADD</action>"
    "<bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep><disposition>https://ref.gs1.org/cbv/Disp-active"
    "</disposition><readPoint><id> urn:epc:id:sgln:4012345.00001.0 </id></readPoint>"
    '<bizLocation><id>urn:epc:id:sgln:4012345.00001.0</id><ex:room a="1">7</ex:room></bizLocation>'
    '<ex:line>L1</ex:line><ex:empty/><ex:tree k="v"><ex:leaf>x</ex:leaf></ex:tree></ObjectEvent>'
    "</EventList></EPCISBody></epcis:EPCISDocument>"
)


def test_the_location_shortcut_covers_every_field() -> None:
    # _location builds identifier-only Locations without __init__: it must set every field there is.
    assert [f.name for f in dataclasses.fields(Location)] == ["id", "extensions"]
    assert not hasattr(Location, "__post_init__")


def test_inline_fields_and_leaf_extensions_read_like_the_general_path() -> None:
    [event] = parse(DOC.encode()).events
    ex = "{https://ex.example/ns/}"
    assert event == ObjectEvent(
        event_time=event.event_time,
        event_time_zone_offset="+01:00",
        action="ADD",
        epc_list=[Epc("urn:epc:id:sgtin:4012345.011111.1")],
        biz_step="commissioning",
        disposition="active",
        read_point=Location(id=Epc("urn:epc:id:sgln:4012345.00001.0")),
        biz_location=Location(
            id=Epc("urn:epc:id:sgln:4012345.00001.0"),
            extensions=[Extension(name=ex + "room", text="7", attributes={"a": "1"})],
        ),
        extensions=[
            Extension(name=ex + "line", text="L1"),
            Extension(name=ex + "empty"),
            Extension(name=ex + "tree", attributes={"k": "v"}, children=[Extension(name=ex + "leaf", text="x")]),
        ],
    )
    assert event.read_point is not None and event.biz_location is not None
    assert event.read_point is not event.biz_location
    assert event.read_point.extensions is not event.biz_location.extensions
    assert type(event.epc_list[0]) is Epc and type(event.read_point.id) is Epc
