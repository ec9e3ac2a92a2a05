"""The GS1 US DSCSA guideline R1.3 example (section 2.2.1.1) played through this service: its events captured
as our own packaging and shipment, its master data entered through the API; the DSCSA document we send has
the example's events, EPCClass and Location master data, header parts and SBDH parties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select

import epcis
from app.models import OutboxMessage
from epcis.validate import validate

Auth = dict[str, dict[str, str]]
EXAMPLE = Path("dscsa-examples/gs1us-guideline/GS1_US_Pharma_Example_2_2_1_1.xml")
MDA = "urn:epcglobal:cbv:mda#"
ITEM, CASE = "00300010123455", "10300010123452"
ADDRESS_KEYS = {
    "name": "name",
    "streetAddressOne": "street_one",
    "streetAddressTwo": "street_two",
    "city": "city",
    "state": "state",
    "postalCode": "postal_code",
    "countryCode": "country",
}


def _vocabularies(root: Any) -> dict[str, dict[str, dict[str, str]]]:
    return {
        v.get("type"): {
            e.get("id"): {a.get("id").removeprefix(MDA): a.text for a in e.findall("attribute")}
            for e in v.iter("VocabularyElement")
        }
        for v in root.iter("Vocabulary")
    }


def _comparable(data: bytes) -> list[epcis.model.Event]:
    events = epcis.parse(data).events
    for event in events:
        event.event_id = None
        event.record_time = None
    return events


def _setup(client: FlaskClient, auth: Auth, reference_md: dict[str, dict[str, dict[str, str]]]) -> None:
    """Our products (external serials 11-22 and cases 110, 111, 121, lot A123), the wholesaler and the
    master data of the example, all through the API."""
    for gtin, serials in ((ITEM, [str(n) for n in range(11, 23)]), (CASE, ["110", "111", "121"])):
        product = client.post(
            "/api/v1/products",
            headers=auth["erp"],
            json={
                "gtin": gtin,
                "name": "Epcistra",
                "company_prefix_length": 6,
                "serial_scheme": {"alphabet": "numeric", "length": 12, "source": "external"},
            },
        )
        assert product.status_code == 201, product.get_json()
        batch = client.post(
            "/api/v1/batches",
            headers=auth["erp"],
            json={"gtin": gtin, "lot": "A123", "expiry": "2025-03-27", "quantity": 20},
        )
        assert batch.status_code == 201, batch.get_json()
        imported = client.post(
            f"/api/v1/batches/{batch.get_json()['id']}/serials/import", headers=auth["erp"], json={"serials": serials}
        )
        assert imported.status_code == 201, imported.get_json()
        issued = client.post(
            f"/api/v1/batches/{batch.get_json()['id']}/serials", headers=auth["line"], json={"count": len(serials)}
        )
        assert sorted(s["serial"] for s in issued.get_json()["serials"]) == sorted(serials)
    partner = client.post(
        "/api/v1/partners",
        headers=auth["erp"],
        json={"name": "GS1 Drug Distributor", "gln": "0399999999991", "country": "US"},
    ).get_json()
    channel = client.put(
        f"/api/v1/partners/{partner['id']}/channels/dscsa",
        headers=auth["erp"],
        json={"endpoint": "https://w.example/dscsa"},
    )
    assert channel.status_code == 200, channel.get_json()
    for element_id, attributes in reference_md["urn:epcglobal:epcis:vtype:EPCClass"].items():
        gtin = ITEM if ".0012345." in element_id else CASE
        product_data = {
            "ndc": attributes["additionalTradeItemIdentification"],
            "ndc_type": attributes["additionalTradeItemIdentificationTypeCode"],
            "drug_name": attributes["regulatedProductName"],
            "dosage_form": attributes["dosageFormType"],
            "strength": attributes["strengthDescription"],
            "container_size": attributes["netContentDescription"],
            "manufacturer": attributes["manufacturerOfTradeItemPartyName"],
        }
        answer = client.put(f"/api/v1/dscsa/products/{gtin}", headers=auth["erp"], json=product_data)
        assert answer.status_code == 200, answer.get_json()
    for element_id, attributes in reference_md["urn:epcglobal:epcis:vtype:Location"].items():
        gln = epcis.model.Epc(element_id).digital_link.rpartition("/")[2]  # type: ignore[union-attr]
        address = {ADDRESS_KEYS[k]: v for k, v in attributes.items()}
        answer = client.put(
            f"/api/v1/dscsa/addresses/{gln}", headers=auth["erp"], json={**address, "company_prefix_length": 6}
        )
        assert answer.status_code == 200, answer.get_json()


def test_the_gs1_us_example_scenario_is_reproduced(
    client: FlaskClient, auth: Auth, database: Any, reference: Path
) -> None:
    sscc = client.post(
        "/api/v1/sscc", headers=auth["line"], json={"company_prefix": "030001", "extension_digit": 4, "count": 1}
    ).get_json()["sscc"][0]
    # The example's pallet becomes an SSCC allocated here (packing into an SSCC of ours is checked).
    pallet = epcis.model.Epc(f"https://id.gs1.org/00/{sscc}").to_urn(6)
    assert pallet is not None
    example = (reference / EXAMPLE).read_bytes().replace(b"urn:epc:id:sscc:030001.41234567890", pallet.encode())
    theirs = etree.fromstring(example)
    reference_md = _vocabularies(theirs)
    _setup(client, auth, reference_md)

    captured = client.post("/epcis/capture", data=example, headers={**auth["line"], "Content-Type": "application/xml"})
    assert captured.status_code == 202, captured.get_json()
    job = client.get(captured.headers["Location"], headers=auth["qa"]).get_json()
    assert job["success"] is True, job["errors"]

    with database.read() as session:
        [message] = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "dscsa")).all()
    ours = etree.fromstring(message.body)
    assert validate(message.body) == []

    # The same events: commissioning of 12 items and 3 cases, 3 case and 1 pallet aggregations, the
    # pallet's commissioning and the shipment with its PO, despatch advice, parties and dropShipment.
    mine, example_events = _comparable(message.body), _comparable(example)
    for a, b in zip(mine, example_events, strict=True):
        assert a == b

    # The same master data (the lot class is ours in addition: lot and expiry as master data too).
    md = _vocabularies(ours)
    classes = dict(md["urn:epcglobal:epcis:vtype:EPCClass"])
    assert classes.pop("urn:epc:class:lgtin:030001.0012345.A123") == {
        "lotNumber": "A123",
        "itemExpirationDate": "2025-03-27",
    }
    assert classes.pop("urn:epc:class:lgtin:030001.1012345.A123") == {
        "lotNumber": "A123",
        "itemExpirationDate": "2025-03-27",
    }
    assert classes == reference_md["urn:epcglobal:epcis:vtype:EPCClass"]
    assert md["urn:epcglobal:epcis:vtype:Location"] == reference_md["urn:epcglobal:epcis:vtype:Location"]

    # The same header: SBDH parties and document type, guideline version, transaction statement.
    ns = {"sbdh": "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"}

    def parties(root: Any) -> list[tuple[str, str, str | None]]:
        return [
            (
                etree.QName(p).localname,
                p.findtext("sbdh:Identifier", namespaces=ns),
                p.find("sbdh:Identifier", ns).get("Authority"),
            )
            for p in root.find("EPCISHeader/sbdh:StandardBusinessDocumentHeader", ns)
            if etree.QName(p).localname in ("Sender", "Receiver")
        ]

    assert (
        parties(ours)
        == parties(theirs)
        == [
            ("Sender", "urn:epc:id:sgln:030001.111111.0", "GS1"),
            ("Receiver", "urn:epc:id:sgln:039999.999999.0", "GS1"),
        ]
    )

    def extensions(root: Any) -> list[tuple[str, str, list[tuple[str, str]]]]:
        return [
            (etree.QName(el).localname, (el.text or "").strip(), [(etree.QName(c).localname, c.text) for c in el])
            for el in root.find("EPCISHeader")
            if etree.QName(el).namespace == "http://epcis.gs1us.org/hc/ns"
        ]

    assert (
        extensions(ours)
        == extensions(theirs)
        == [
            ("guidelineVersion", "GS1 US DSCSA R1.3", []),
            (
                "dscsaTransactionStatement",
                "",
                [
                    ("affirmTransactionStatement", "true"),
                    ("legalNotice", "Seller has complied with each applicable subsection of FDCA Sec. 581(27)(A)-(G)."),
                ],
            ),
        ]
    )


@pytest.mark.parametrize("missing", ["dosage_form", "manufacturer"])
def test_product_data_needs_every_transaction_field(
    client: FlaskClient, auth: Auth, unchanged: Any, missing: str
) -> None:
    data = {
        "ndc": "0001-0123-45",
        "drug_name": "Epcistra",
        "dosage_form": "PILL",
        "strength": "100mg",
        "container_size": "500 pills",
        "manufacturer": "GS1 Pharma LLC",
    }
    del data[missing]
    with unchanged():
        answer = client.put(f"/api/v1/dscsa/products/{ITEM}", headers=auth["erp"], json=data)
    assert answer.status_code == 422
    assert answer.get_json()["field"] == missing
