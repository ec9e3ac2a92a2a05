"""The package's public surface as acceptance checks use it."""

from __future__ import annotations

import importlib

import epcis

DOC = (
    b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" '
    b'creationDate="2026-11-27T10:00:00Z"><EPCISBody><EventList><ObjectEvent>'
    b"<eventTime>2026-11-27T10:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>"
    b"<epcList><epc>urn:epc:id:sgtin:9506000.013435.A1</epc></epcList><action>OBSERVE</action>"
    b"</ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"
)


def test_validate_is_callable_before_and_after_the_submodule_import() -> None:
    # mypy sees the submodule; at run time the module itself is callable (see epcis/validate.py).
    assert epcis.validate(DOC) == []  # type: ignore[operator]
    importlib.import_module("epcis.validate")
    assert epcis.validate(DOC) == []  # type: ignore[operator]
    from epcis import validate

    assert validate(DOC.replace(b"+00:00", b"+25:00"))[0].rule == "time-zone-offset"  # type: ignore[operator]


def test_parse_hash_and_bindings() -> None:
    doc = epcis.parse(DOC)
    [event] = doc.events
    assert epcis.event_hash(event).startswith("ni:///sha-256;")
    assert epcis.to_jsonld(doc)["epcisBody"]["eventList"][0]["epcList"] == ["urn:epc:id:sgtin:9506000.013435.A1"]
    assert epcis.parse(epcis.to_xml(doc, version="1.2")).events[0].epc_list == event.epc_list
    assert epcis.gs1.element_string(dict(epcis.gs1.parse("(01)09506000134352(21)A1")), form="raw") == (
        "010950600013435221A1"
    )
