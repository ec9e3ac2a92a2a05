"""Sensor parameters over HTTP, extension prefixes from `GS1-Extensions`, and the `GS1-CBV-XML-Format` header."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient
from lxml import etree

from epcis.validate import validate
from tests.epcis_api.flows import commission_pack_ship
from tests.epcis_api.test_capture import capture, document, event

Auth = dict[str, dict[str, str]]
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
NS = "urn:epcglobal:epcis:xsd:2"


def reading(minute: int, celsius: float, probe: str) -> dict[str, Any]:
    return event(
        "ObjectEvent",
        "OBSERVE",
        "storing",
        minute,
        epcList=["https://id.gs1.org/00/195060000000000017"],
        sensorElementList=[
            {
                "sensorMetadata": {"deviceID": "urn:epc:id:giai:9506000.F1"},
                "sensorReport": [{"type": "Temperature", "value": celsius, "uom": "CEL", "cx:probe": probe}],
            }
        ],
    )


def test_sensor_queries_over_http(client: FlaskClient, auth: Auth) -> None:
    body = json.loads(document(reading(1, 4.5, "P1"), reading(2, 9.0, "P2")))
    body["@context"] = [CONTEXT, {"cx": "https://custody.example/epcis/"}]
    assert capture(client, auth, json.dumps(body).encode())["success"] is True
    qa = auth["qa"]

    def probes(query: str, headers: dict[str, str] | None = None) -> list[str]:
        answer = client.get(f"/epcis/events?{query}", headers={**qa, **(headers or {})})
        assert answer.status_code == 200, answer.get_json()
        events = answer.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        reports = [e["sensorElementList"][0]["sensorReport"][0] for e in events]
        # Answers name the namespace by a prefix of their own: find the field by its local name.
        return [next(v for k, v in r.items() if k.endswith(":probe")) for r in reports]

    assert probes("EQ_type=Temperature&GE_value_FAH=46") == ["P2"]  # 8 °C is 46.4 °F
    assert probes("EQ_deviceID=urn:epc:id:giai:9506000.F1&LT_value_KEL=280") == ["P1"]
    assert probes("EXISTS_sensorElementList=true&orderDirection=ASC") == ["P1", "P2"]
    extensions = {"GS1-Extensions": "cx=https://custody.example/epcis/"}
    assert probes("EQ_SENSORREPORT_cx:probe=P2", extensions) == ["P2"]
    undeclared = client.get("/epcis/events?EQ_SENSORREPORT_cx:probe=P2", headers=qa)
    assert undeclared.status_code == 400
    assert undeclared.get_json()["type"] == "epcisException:QueryParameterException"
    assert undeclared.get_json()["field"] == "EQ_SENSORREPORT_cx:probe"


def cbv_codes(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    steps = [e.text for e in root.iter("bizStep", "disposition")]
    types = [e.get("type") for e in root.iter("bizTransaction")]
    return [str(v) for v in steps + types]


def test_cbv_xml_format_header(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    po = {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:9506000000008:PO-1"}
    commission_pack_ship(client, auth, batch, 2, bizTransactionList=[po], disposition="in_transit")
    url = "/epcis/events?EQ_bizStep=shipping"
    xml = {**auth["regulator"], "Accept": "application/xml"}
    default = client.get(url, headers=xml)
    assert default.headers["GS1-CBV-XML-Format"] == "No_Preference"
    urns = [
        "urn:epcglobal:cbv:bizstep:shipping",
        "urn:epcglobal:cbv:disp:in_transit",
        "urn:epcglobal:cbv:btt:po",
    ]
    assert cbv_codes(default.data) == urns
    for fmt in ("Always_URN", "Never_Translates"):
        answer = client.get(url, headers={**xml, "GS1-CBV-XML-Format": fmt})
        assert (answer.headers["GS1-CBV-XML-Format"], cbv_codes(answer.data)) == (fmt, urns)
    web = client.get(url, headers={**xml, "GS1-CBV-XML-Format": "Always_Web_URI"})
    assert web.headers["GS1-CBV-XML-Format"] == "Always_Web_URI"
    assert cbv_codes(web.data) == [
        "https://ref.gs1.org/cbv/BizStep-shipping",
        "https://ref.gs1.org/cbv/Disp-in_transit",
        "https://ref.gs1.org/cbv/BTT-po",
    ]
    assert validate(web.data) == []
    bad = client.get(url, headers={**xml, "GS1-CBV-XML-Format": "Always_GS1_Digital_Link"})
    assert bad.status_code == 400
    assert bad.get_json()["field"] == "GS1-CBV-XML-Format"
    assert (
        bad.get_json()["detail"]
        == "GS1-CBV-XML-Format must be one of No_Preference, Always_Web_URI, Always_URN, Never_Translates"
    )
