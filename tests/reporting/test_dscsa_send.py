"""DSCSA channel, sending side: a shipment to a US partner queues one EPCIS 1.2 document in the GS1 US R1.3
shape with exactly the shipped hierarchy, valid against the EPCIS 1.2 XSD, delivered by HTTPS POST to a
partner endpoint on 127.0.0.1; missing master data holds the document back without failing the capture."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

import epcis
from app.models import OutboxMessage
from app.models.dscsa import DscsaShipment
from app.services import worker
from epcis.validate import validate
from tests.conftest import GTIN
from tests.epcis_api.flows import issue, new_case
from tests.epcis_api.test_capture import capture, commissioning, dl, document, event, packing
from tests.services.test_delivery_tls import _cert, _key

Auth = dict[str, dict[str, str]]
PARTNER_GLN = "4012345000009"
OUR_GLN = "9506000000008"
NS = {
    "epcis": "urn:epcglobal:epcis:xsd:1",
    "sbdh": "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader",
    "gs1ushc": "http://epcis.gs1us.org/hc/ns",
    "cbvmda": "urn:epcglobal:cbv:mda",
}
MDA = "urn:epcglobal:cbv:mda#"
PRODUCT = {
    "ndc": "50090-1234-1",
    "drug_name": "Examplumab",
    "dosage_form": "INJECTION, SOLUTION",
    "strength": "40 mg/0.8 mL",
    "container_size": "1 prefilled syringe",
    "manufacturer": "Custody Pharma GmbH",
}
OUR_ADDRESS = {
    "name": "Custody Pharma Packaging",
    "street_one": "1 Example Way",
    "city": "Springfield",
    "state": "NJ",
    "postal_code": "07081",
    "country": "US",
    "company_prefix_length": 7,
}
PARTNER_ADDRESS = {
    "name": "Example Drug Wholesale",
    "street_one": "230 Park Ave S",
    "street_two": "Room 378",
    "city": "New York",
    "state": "NY",
    "postal_code": "10003-1502",
    "country": "US",
    "company_prefix_length": 7,
}


@dataclass
class Endpoint:
    """A partner's DSCSA endpoint over HTTPS on 127.0.0.1 that records what it receives."""

    url: str
    ca: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Endpoint]:
    ca_key, server_key = _key(), _key()
    ca = _cert("DSCSA Test CA", ca_key, None, ca_key, ca=True)
    server_cert = _cert("127.0.0.1", server_key, ca.subject, ca_key, ca=False)
    pem = tmp_path / "server.pem"
    pem.write_bytes(
        server_cert.public_bytes(serialization.Encoding.PEM)
        + server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)
    received: list[tuple[dict[str, str], bytes]] = []

    @Request.application
    def inbox(request: Request) -> Response:
        received.append((dict(request.headers.items()), request.get_data()))
        return Response("accepted", status=202)

    server = make_server("127.0.0.1", 0, inbox, threaded=True, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Endpoint(
        f"https://127.0.0.1:{server.server_port}/dscsa/inbound",
        ca.public_bytes(serialization.Encoding.PEM).decode(),
        received,
    )
    server.shutdown()
    thread.join(timeout=10)


def _partner(client: FlaskClient, auth: Auth, url: str, ca: str | None = None) -> int:
    pid = client.post(
        "/api/v1/partners", headers=auth["erp"], json={"name": "Wholesaler", "gln": PARTNER_GLN, "country": "US"}
    ).get_json()["id"]
    settings: dict[str, Any] = {"endpoint": url, "authorization": "Bearer partner-secret"}
    if ca is not None:
        settings["ca_bundle"] = ca
    answer = client.put(f"/api/v1/partners/{pid}/channels/dscsa", headers=auth["erp"], json=settings)
    assert answer.status_code == 200, answer.get_json()
    return int(pid)


def _master_data(client: FlaskClient, auth: Auth, *, product: bool = True) -> None:
    if product:
        answer = client.put(f"/api/v1/dscsa/products/{GTIN}", headers=auth["erp"], json=PRODUCT)
        assert answer.status_code == 200, answer.get_json()
    for gln, address in ((OUR_GLN, OUR_ADDRESS), (PARTNER_GLN, PARTNER_ADDRESS)):
        answer = client.put(f"/api/v1/dscsa/addresses/{gln}", headers=auth["erp"], json=address)
        assert answer.status_code == 200, answer.get_json()


def _two_pallets(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> dict[str, Any]:
    """Five packs: three in case A on pallet 1, two in case B on pallet 2 (which is not shipped)."""
    serials = issue(client, auth, batch, 5)
    case_a, case_b, pallet_1, pallet_2 = (new_case(client, auth) for _ in range(4))
    capture(client, auth, document(commissioning(serials, minute=1)))
    capture(client, auth, document(packing(case_a, [dl(s) for s in serials[:3]], minute=2)))
    capture(client, auth, document(packing(case_b, [dl(s) for s in serials[3:]], minute=2)))
    capture(client, auth, document(packing(pallet_1, [case_a], minute=3), packing(pallet_2, [case_b], minute=3)))
    return {"serials": serials, "cases": [case_a, case_b], "pallets": [pallet_1, pallet_2]}


def _ship(client: FlaskClient, auth: Auth, pallet: str, destination: str = PARTNER_GLN) -> str:
    ship = event(
        "ObjectEvent",
        "OBSERVE",
        "shipping",
        5,
        epcList=[pallet],
        disposition="in_transit",
        bizTransactionList=[{"type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:{destination}:PO-4711"}],
        sourceList=[{"type": "owning_party", "source": f"https://id.gs1.org/417/{OUR_GLN}"}],
        destinationList=[
            {"type": "owning_party", "destination": f"https://id.gs1.org/417/{destination}"},
            {"type": "location", "destination": f"https://id.gs1.org/414/{destination}"},
        ],
    )
    job = capture(client, auth, document(ship))
    assert job["success"] is True, job
    answer = client.get(
        "/epcis/events?EQ_bizStep=shipping", headers={**auth["qa"], "GS1-EPC-Format": "Never_Translates"}
    )
    return str(epcis.parse(answer.data).events[-1].event_id)


def _urn(code: str) -> str:
    converted = epcis.model.Epc(code).to_urn(7)
    assert converted is not None
    return converted


def _messages(database: Any) -> list[OutboxMessage]:
    with database.read() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "dscsa")))


def test_shipment_document_is_the_shipped_hierarchy_in_the_gs1_us_shape(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], endpoint: Endpoint
) -> None:
    _partner(client, auth, endpoint.url, endpoint.ca)
    _master_data(client, auth)
    goods = _two_pallets(client, auth, batch)
    _ship(client, auth, goods["pallets"][0])

    [message] = _messages(database)
    assert message.content_type == "application/xml" and message.destination == endpoint.url
    assert validate(message.body) == []
    root = etree.fromstring(message.body)
    assert root.tag == "{urn:epcglobal:epcis:xsd:1}EPCISDocument" and root.get("schemaVersion") == "1.2"

    sbdh = root.find("EPCISHeader/sbdh:StandardBusinessDocumentHeader", NS)
    assert sbdh is not None
    sender = sbdh.find("sbdh:Sender/sbdh:Identifier", NS)
    receiver = sbdh.find("sbdh:Receiver/sbdh:Identifier", NS)
    assert (sender.text, sender.get("Authority")) == ("urn:epc:id:sgln:9506000.00000.0", "GS1")
    assert (receiver.text, receiver.get("Authority")) == ("urn:epc:id:sgln:4012345.00000.0", "GS1")
    assert sbdh.findtext("sbdh:DocumentIdentification/sbdh:Type", namespaces=NS) == "Events"
    assert root.findtext("EPCISHeader/gs1ushc:guidelineVersion", namespaces=NS) == "GS1 US DSCSA R1.3"
    statement = root.find("EPCISHeader/gs1ushc:dscsaTransactionStatement", NS)
    assert statement.findtext("gs1ushc:affirmTransactionStatement", namespaces=NS) == "true"
    assert "581(27)(A)-(G)" in statement.findtext("gs1ushc:legalNotice", namespaces=NS)

    vocabularies = {
        v.get("type"): {
            e.get("id"): {a.get("id").removeprefix(MDA): a.text for a in e.findall("attribute")}
            for e in v.iter("VocabularyElement")
        }
        for v in root.iter("Vocabulary")
    }
    classes = vocabularies["urn:epcglobal:epcis:vtype:EPCClass"]
    assert classes["urn:epc:idpat:sgtin:9506000.013435.*"] == {
        "additionalTradeItemIdentification": "50090-1234-1",
        "additionalTradeItemIdentificationTypeCode": "US_FDA_NDC",
        "regulatedProductName": "Examplumab",
        "manufacturerOfTradeItemPartyName": "Custody Pharma GmbH",
        "dosageFormType": "INJECTION, SOLUTION",
        "strengthDescription": "40 mg/0.8 mL",
        "netContentDescription": "1 prefilled syringe",
    }
    assert classes["urn:epc:class:lgtin:9506000.013435.LOT-001"] == {
        "lotNumber": "LOT-001",
        "itemExpirationDate": "2027-12-31",
    }
    locations = vocabularies["urn:epcglobal:epcis:vtype:Location"]
    assert locations["urn:epc:id:sgln:4012345.00000.0"] == {
        "name": "Example Drug Wholesale",
        "streetAddressOne": "230 Park Ave S",
        "streetAddressTwo": "Room 378",
        "city": "New York",
        "state": "NY",
        "postalCode": "10003-1502",
        "countryCode": "US",
    }
    assert locations["urn:epc:id:sgln:9506000.00000.0"]["name"] == "Custody Pharma Packaging"

    events = list(root.find("EPCISBody/EventList"))
    summary = [(e.tag, e.findtext("action"), e.findtext("bizStep")) for e in events]
    assert summary == [
        ("ObjectEvent", "ADD", "urn:epcglobal:cbv:bizstep:commissioning"),
        ("AggregationEvent", "ADD", "urn:epcglobal:cbv:bizstep:packing"),
        ("AggregationEvent", "ADD", "urn:epcglobal:cbv:bizstep:packing"),
        ("ObjectEvent", "OBSERVE", "urn:epcglobal:cbv:bizstep:shipping"),
    ]
    packs = [_urn(dl(s)) for s in goods["serials"]]
    case_a, pallet_1 = _urn(goods["cases"][0]), _urn(goods["pallets"][0])
    assert [x.text for x in events[0].iter("epc")] == packs[:3]
    assert events[0].findtext("extension/ilmd/cbvmda:lotNumber", namespaces=NS) == "LOT-001"
    assert events[0].findtext("extension/ilmd/cbvmda:itemExpirationDate", namespaces=NS) == "2027-12-31"
    assert (events[1].findtext("parentID"), [x.text for x in events[1].iter("epc")]) == (case_a, packs[:3])
    assert (events[2].findtext("parentID"), [x.text for x in events[2].iter("epc")]) == (pallet_1, [case_a])
    assert [x.text for x in events[3].iter("epc")] == [pallet_1]
    # The commissioning event is cut down to the shipped packs, so it no longer carries the stored eventID.
    assert events[0].find("baseExtension") is None
    assert all(e.findtext("baseExtension/eventID", "").startswith("ni:///") for e in events[1:])
    assert events[3].findtext("gs1ushc:dropShipment", namespaces=NS) == "false"
    assert [(d.get("type"), d.text) for d in events[3].iter("destination")] == [
        ("urn:epcglobal:cbv:sdt:owning_party", "urn:epc:id:pgln:4012345.00000"),
        ("urn:epcglobal:cbv:sdt:location", "urn:epc:id:sgln:4012345.00000.0"),
    ]
    text = message.body.decode()
    others = [_urn(goods["cases"][1]), _urn(goods["pallets"][1]), *packs[3:]]
    assert not [code for code in others if code in text]

    report = worker.deliver_due(database, policy=worker.RetryPolicy(base_delay=1, max_delay=2, timeout=10))
    assert report.delivered == 1, report
    [(headers, body)] = endpoint.received
    assert body == message.body
    assert headers["Content-Type"] == "application/xml"
    assert headers["Authorization"] == "Bearer partner-secret"
    assert headers["Custody-Message-Id"] == message.message_id

    shipments = client.get("/api/v1/dscsa/shipments", headers=auth["logistics"]).get_json()["items"]
    assert [(s["status"], s["messageID"], s["problem"]) for s in shipments] == [("queued", message.message_id, None)]

    # The other pallet, shipped later, is a document of its own with only its packs.
    _ship(client, auth, goods["pallets"][1])
    [second] = [m for m in _messages(database) if m.message_id != message.message_id]
    assert validate(second.body) == []
    epcs = {x.text for x in etree.fromstring(second.body).iter("epc")}
    assert epcs == {*packs[3:], _urn(goods["cases"][1]), _urn(goods["pallets"][1])}


def test_missing_master_data_holds_the_document_back_and_retry_sends_it(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]
) -> None:
    _partner(client, auth, "https://partner.example/dscsa")
    _master_data(client, auth, product=False)
    goods = _two_pallets(client, auth, batch)
    event_id = _ship(client, auth, goods["pallets"][0])  # the capture itself succeeds

    assert _messages(database) == []
    [blocked] = client.get("/api/v1/dscsa/shipments?status=blocked", headers=auth["qa"]).get_json()["items"]
    assert blocked["eventID"] == event_id and blocked["messageID"] is None
    assert blocked["problem"] == (f"GTIN {GTIN} has no DSCSA product data (PUT /api/v1/dscsa/products/{GTIN})")
    preview = client.get("/api/v1/dscsa/preview", query_string={"eventID": event_id}, headers=auth["qa"])
    assert preview.status_code == 422
    assert preview.get_json()["field"] == "eventID" and GTIN in preview.get_json()["detail"]

    client.put(f"/api/v1/dscsa/products/{GTIN}", headers=auth["erp"], json=PRODUCT)
    retried = client.post(f"/api/v1/dscsa/shipments/{blocked['id']}/retry", headers=auth["logistics"]).get_json()
    [message] = _messages(database)
    assert (retried["status"], retried["problem"], retried["messageID"]) == ("queued", None, message.message_id)
    assert validate(message.body) == []
    preview = client.get("/api/v1/dscsa/preview", query_string={"eventID": event_id}, headers=auth["qa"])
    assert preview.status_code == 200 and preview.mimetype == "application/xml"
    assert validate(preview.data) == []
    assert epcis.parse(preview.data).events == epcis.parse(message.body).events
    with database.read() as session:
        assert len(session.scalars(select(DscsaShipment)).all()) == 1


def test_missing_addresses_are_named(client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]) -> None:
    _partner(client, auth, "https://partner.example/dscsa")
    client.put(f"/api/v1/dscsa/products/{GTIN}", headers=auth["erp"], json=PRODUCT)
    goods = _two_pallets(client, auth, batch)
    _ship(client, auth, goods["pallets"][0])
    [blocked] = client.get("/api/v1/dscsa/shipments", headers=auth["qa"]).get_json()["items"]
    assert blocked["status"] == "blocked"
    assert blocked["problem"] == (
        f"the sender GLN {OUR_GLN} has no DSCSA address (PUT /api/v1/dscsa/addresses/{OUR_GLN}); "
        f"the receiver GLN {PARTNER_GLN} has no DSCSA address (PUT /api/v1/dscsa/addresses/{PARTNER_GLN})"
    )


def test_no_dscsa_channel_no_document(client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]) -> None:
    _master_data(client, auth)
    goods = _two_pallets(client, auth, batch)
    _ship(client, auth, goods["pallets"][0])
    assert _messages(database) == []
    assert client.get("/api/v1/dscsa/shipments", headers=auth["qa"]).get_json()["items"] == []


def test_a_shipment_without_serialised_codes_is_held_back(client: FlaskClient, auth: Auth, database: Any) -> None:
    _partner(client, auth, "https://partner.example/dscsa")
    _master_data(client, auth, product=False)
    ship = event(
        "ObjectEvent",
        "OBSERVE",
        "shipping",
        5,
        quantityList=[{"epcClass": f"https://id.gs1.org/01/{GTIN}/10/LOT-001", "quantity": 40}],
        destinationList=[{"type": "owning_party", "destination": f"https://id.gs1.org/417/{PARTNER_GLN}"}],
    )
    assert capture(client, auth, document(ship))["success"] is True
    assert _messages(database) == []
    [blocked] = client.get("/api/v1/dscsa/shipments", headers=auth["qa"]).get_json()["items"]
    assert (blocked["status"], blocked["problem"]) == (
        "blocked",
        "the shipping event names no serialised codes (epcList): DSCSA needs package-level data",
    )
