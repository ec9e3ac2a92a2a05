"""The EPCIS 2.0 query interface over HTTP: filters, pagination with Link, content negotiation, resources."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from epcis.validate import validate
from tests.epcis_api.flows import commission_pack_ship
from tests.epcis_api.test_capture import capture, dl, document, event

Auth = dict[str, dict[str, str]]


@pytest.fixture
def history(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> dict[str, Any]:
    po = {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:9506000000008:PO-1"}
    return commission_pack_ship(client, auth, batch, 4, bizTransactionList=[po])


def events_of(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["type"] == "EPCISQueryDocument"
    return list(body["epcisBody"]["queryResults"]["resultsBody"]["eventList"])


def test_filters(client: FlaskClient, auth: Auth, history: dict[str, Any]) -> None:
    reg = auth["regulator"]
    assert [e["bizStep"] for e in events_of(client.get("/epcis/events?EQ_bizStep=packing", headers=reg))] == ["packing"]
    steps = [
        e["bizStep"]
        for e in events_of(
            client.get(
                "/epcis/events",
                query_string={"MATCH_anyEPC": dl(history["serials"][0]), "orderDirection": "ASC"},
                headers=reg,
            )
        )
    ]
    assert steps == ["commissioning", "packing"]
    urn = client.get("/epcis/events?EQ_bizStep=urn:epcglobal:cbv:bizstep:shipping", headers=reg)
    assert [e["bizStep"] for e in events_of(urn)] == ["shipping"]
    assert (
        len(
            events_of(
                client.get("/epcis/events?EQ_bizTransaction_po=urn:epcglobal:cbv:bt:9506000000008:PO-1", headers=reg)
            )
        )
        == 1
    )
    assert len(events_of(client.get("/epcis/events?EQ_ILMD_cbvmda:lotNumber=LOT-001", headers=reg))) == 1
    bad = client.get("/epcis/events?GE_eventDate=2026-01-01T00:00:00Z", headers=reg)
    assert bad.status_code == 400
    assert bad.get_json()["type"] == "epcisException:QueryParameterException"


def test_pagination_follows_link(client: FlaskClient, auth: Auth, history: dict[str, Any]) -> None:
    seen: list[str] = []
    url: str | None = "/epcis/events?perPage=1&orderBy=eventTime&orderDirection=ASC"
    while url:
        answer = client.get(url, headers=auth["qa"])
        seen += [e["bizStep"] for e in events_of(answer)]
        link = answer.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
    assert seen == ["commissioning", "packing", "shipping"]


def test_xml_answer_is_schema_valid(client: FlaskClient, auth: Auth, history: dict[str, Any]) -> None:
    answer = client.get("/epcis/events", headers={**auth["regulator"], "Accept": "application/xml"})
    assert answer.status_code == 200 and answer.mimetype == "application/xml"
    assert validate(answer.data) == []
    assert b"EPCISQueryDocument" in answer.data


def test_event_by_id_and_resources(client: FlaskClient, auth: Auth, history: dict[str, Any]) -> None:
    reg = auth["regulator"]
    first = events_of(client.get("/epcis/events?EQ_bizStep=packing", headers=reg))[0]
    by_id = events_of(client.get(f"/epcis/events/{quote(first['eventID'], safe='')}", headers=reg))
    assert [e["eventID"] for e in by_id] == [first["eventID"]]
    missing = client.get("/epcis/events/urn:uuid:00000000-0000-4000-8000-000000000000", headers=reg)
    assert missing.status_code == 404
    assert missing.get_json()["type"] == "epcisException:NoSuchResourceException"
    steps = client.get("/epcis/bizSteps", headers=reg).get_json()["member"]
    assert steps == ["commissioning", "packing", "shipping"]
    assert "ObjectEvent" in client.get("/epcis/eventTypes", headers=reg).get_json()["member"]
    case_events = events_of(client.get(f"/epcis/epcs/{quote(history['case'], safe='')}/events", headers=reg))
    assert sorted(e["bizStep"] for e in case_events) == ["packing", "shipping"]
    assert client.get("/epcis/", headers=reg).get_json()["member"][0] == "events"


def test_epc_format_header(client: FlaskClient, auth: Auth, history: dict[str, Any]) -> None:
    serial = history["serials"][0]
    urn = f"urn:epc:id:sgtin:9506000.013435.{serial}"
    url = "/epcis/events?EQ_bizStep=commissioning"
    default = client.get(url, headers=auth["qa"])
    assert default.headers["GS1-EPC-Format"] == "Always_GS1_Digital_Link"
    assert events_of(default)[0]["epcList"][0] == dl(serial)
    as_urn = client.get(url, headers={**auth["qa"], "GS1-EPC-Format": "Always_EPC_URN"})
    assert urn in events_of(as_urn)[0]["epcList"]
    assert events_of(as_urn)[0]["bizLocation"]["id"] == "urn:epc:id:sgln:9506000.00000.0"
    case = client.get(
        url.replace("commissioning", "shipping"), headers={**auth["qa"], "GS1-EPC-Format": "Always_EPC_URN"}
    )
    assert events_of(case)[0]["epcList"][0].startswith("urn:epc:id:sscc:9506000.")
    bad = client.get(url, headers={**auth["qa"], "GS1-EPC-Format": "Sometimes"})
    assert bad.status_code == 400 and bad.get_json()["field"] == "GS1-EPC-Format"


def test_wd_reaches_the_captured_location_hierarchy(client: FlaskClient, auth: Auth) -> None:
    site, store = "https://id.gs1.org/414/9506000000008", "https://id.gs1.org/414/9506000000015"
    body = json.loads(
        document(event("ObjectEvent", "OBSERVE", "storing", 5, epcList=["https://id.gs1.org/01/04012345000009/21/W1"]))
    )
    body["epcisBody"]["eventList"][0]["bizLocation"] = {"id": store}
    body["epcisHeader"] = {
        "epcisMasterData": {
            "vocabularyList": [
                {
                    "type": "urn:epcglobal:epcis:vtype:BusinessLocation",
                    "vocabularyElementList": [{"id": site, "children": [store]}],
                }
            ]
        }
    }
    assert capture(client, auth, json.dumps(body).encode())["success"] is True
    below = client.get("/epcis/events", query_string={"WD_bizLocation": site}, headers=auth["qa"])
    assert [e["bizStep"] for e in events_of(below)] == ["storing"]
    exact = client.get("/epcis/events", query_string={"EQ_bizLocation": site}, headers=auth["qa"])
    assert events_of(exact) == []
