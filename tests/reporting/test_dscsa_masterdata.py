"""DSCSA master data API: transaction information per GTIN and addresses per GLN, set (audited) and read,
with refusals that name the field and write nothing; and what a partner file says about each code, for any
packing hierarchy (Hypothesis)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import select

from app.models import AuditEntry
from app.services import dscsa_import
from app.services.eventstore import canonical
from tests.conftest import GTIN

Auth = dict[str, dict[str, str]]
PRODUCT = {
    "ndc": "50090-1234-1",
    "drug_name": "Examplumab",
    "dosage_form": "INJECTION, SOLUTION",
    "strength": "40 mg/0.8 mL",
    "container_size": "1 prefilled syringe",
    "manufacturer": "Custody Pharma GmbH",
}
ADDRESS = {
    "name": "Example DC",
    "street_one": "136 Main St",
    "city": "Louisville",
    "postal_code": "40218",
    "country": "US",
}


def test_product_data_is_set_read_and_audited(client: FlaskClient, auth: Auth, database: Any) -> None:
    first = client.put(f"/api/v1/dscsa/products/{GTIN[1:]}", headers=auth["erp"], json=PRODUCT)
    assert first.status_code == 200, first.get_json()
    view = first.get_json()
    assert {k: v for k, v in view.items() if k != "updated_at"} == {"gtin": GTIN, "ndc_type": "US_FDA_NDC", **PRODUCT}
    changed = client.put(
        f"/api/v1/dscsa/products/{GTIN}",
        headers=auth["erp"],
        json={**PRODUCT, "ndc": "50090123401", "ndc_type": "FDA_NDC_11"},
    ).get_json()
    assert (changed["ndc"], changed["ndc_type"]) == ("50090123401", "FDA_NDC_11")
    assert client.get(f"/api/v1/dscsa/products/{GTIN}", headers=auth["qa"]).get_json() == changed
    assert client.get("/api/v1/dscsa/products", headers=auth["line"]).get_json()["items"] == [changed]
    with database.read() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "dscsa.product.set")).all()
    assert [(e.entity_id, e.before and e.before["ndc"], e.after["ndc"]) for e in entries] == [
        (GTIN, None, "50090-1234-1"),
        (GTIN, "50090-1234-1", "50090123401"),
    ]


def test_addresses_are_set_and_read(client: FlaskClient, auth: Auth) -> None:
    answer = client.put("/api/v1/dscsa/addresses/0399999345675", headers=auth["erp"], json=ADDRESS)
    assert answer.status_code == 200, answer.get_json()
    view = answer.get_json()
    assert view["gln"] == "0399999345675" and view["street_two"] is None and view["company_prefix_length"] is None
    assert client.get("/api/v1/dscsa/addresses/0399999345675", headers=auth["qa"]).get_json() == view
    assert client.get("/api/v1/dscsa/addresses", headers=auth["qa"]).get_json()["items"] == [view]
    missing = client.get("/api/v1/dscsa/addresses/0399999999991", headers=auth["qa"])
    assert (missing.status_code, missing.get_json()["field"]) == (404, "gln")
    assert client.get(f"/api/v1/dscsa/products/{GTIN}", headers=auth["qa"]).status_code == 404


def test_refusals_name_the_field_and_write_nothing(client: FlaskClient, auth: Auth, unchanged: Any) -> None:
    cases: list[tuple[str, str, dict[str, Any], str, int, str]] = [
        ("erp", "products/09506000134353", PRODUCT, "gtin", 422, ""),
        ("erp", f"products/{GTIN}", {**PRODUCT, "ndc": "12345"}, "ndc", 422, ""),
        (
            "erp",
            f"products/{GTIN}",
            {**PRODUCT, "ndc_type": "FDA_NDC_11"},
            "ndc",
            422,
            "NDC '50090-1234-1' has 10 digits; FDA_NDC_11 needs 11",
        ),
        ("erp", f"products/{GTIN}", {**PRODUCT, "colour": "blue"}, "colour", 422, ""),
        ("regulator", f"products/{GTIN}", PRODUCT, "", 403, ""),
        ("erp", "addresses/0399999345676", ADDRESS, "gln", 422, ""),
        ("erp", "addresses/0399999345675", {**ADDRESS, "country": "us"}, "country", 422, ""),
        ("erp", "addresses/0399999345675", {**ADDRESS, "company_prefix_length": 5}, "company_prefix_length", 422, ""),
        ("line", "addresses/0399999345675", ADDRESS, "", 403, ""),
    ]
    for role, path, data, field, status, detail in cases:
        with unchanged():
            answer = client.put(f"/api/v1/dscsa/{path}", headers=auth[role], json=data)
        assert answer.status_code == status, (path, data, answer.get_json())
        assert answer.mimetype == "application/problem+json"
        if field:
            assert answer.get_json()["field"] == field, answer.get_json()
        if detail:
            assert answer.get_json()["detail"] == detail


def test_listings_check_their_parameters(client: FlaskClient, auth: Auth) -> None:
    assert client.get("/api/v1/dscsa/shipments?status=lost", headers=auth["qa"]).get_json()["field"] == "status"
    assert client.get("/api/v1/dscsa/imports?limit=0", headers=auth["qa"]).get_json()["field"] == "limit"
    assert client.get("/api/v1/dscsa/preview", headers=auth["qa"]).get_json()["field"] == "eventID"
    unknown = client.get("/api/v1/dscsa/preview?eventID=urn:uuid:nothing", headers=auth["qa"])
    assert (unknown.status_code, unknown.get_json()["field"]) == (404, "eventID")
    assert client.post("/api/v1/dscsa/shipments/7/retry", headers=auth["logistics"]).status_code == 404
    assert client.get("/api/v1/dscsa/imports/7", headers=auth["qa"]).status_code == 404


E = "urn:epcglobal:epcis:xsd:1"


def _file(hierarchy: list[list[list[str]]], unpacked: set[int], lot: str) -> bytes:
    """An EPCIS 1.2 file: items commissioned with lot and expiry, packed into cases, cases onto pallets;
    the cases whose index is in `unpacked` are unpacked again."""
    root = etree.Element(
        f"{{{E}}}EPCISDocument", schemaVersion="1.2", nsmap={"epcis": E, "cbvmda": "urn:epcglobal:cbv:mda"}
    )
    events = etree.SubElement(etree.SubElement(root, "EPCISBody"), "EventList")

    def event(tag: str, action: str, parent: str | None, codes: list[str], ilmd: bool = False) -> None:
        el = etree.SubElement(events, tag)
        etree.SubElement(el, "eventTime").text = "2026-01-01T00:00:00Z"
        etree.SubElement(el, "eventTimeZoneOffset").text = "+00:00"
        if parent:
            etree.SubElement(el, "parentID").text = parent
        epcs = etree.SubElement(el, "childEPCs" if parent else "epcList")
        for code in codes:
            etree.SubElement(epcs, "epc").text = code
        etree.SubElement(el, "action").text = action
        if ilmd:
            block = etree.SubElement(etree.SubElement(el, "extension"), "ilmd")
            etree.SubElement(block, "{urn:epcglobal:cbv:mda}lotNumber").text = lot
            etree.SubElement(block, "{urn:epcglobal:cbv:mda}itemExpirationDate").text = "2030-06-30"

    items = [i for pallet in hierarchy for case in pallet for i in case]
    event("ObjectEvent", "ADD", None, items, ilmd=True)
    n = 0
    for p, pallet in enumerate(hierarchy):
        for case in pallet:
            event("AggregationEvent", "ADD", f"urn:epc:id:sscc:0614141.1{n:09d}", case)
            n += 1
        event(
            "AggregationEvent",
            "ADD",
            f"urn:epc:id:sscc:0614141.2{p:09d}",
            [f"urn:epc:id:sscc:0614141.1{n - len(pallet) + c:09d}" for c in range(len(pallet))],
        )
    for c in sorted(unpacked):
        if c < n:
            event("AggregationEvent", "DELETE", f"urn:epc:id:sscc:0614141.1{c:09d}", [])
    return etree.tostring(root)


serial = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(
    shape=st.lists(st.lists(st.integers(1, 4), min_size=1, max_size=3), min_size=1, max_size=3),
    serials=st.lists(serial, min_size=36, max_size=36, unique=True),
    unpacked=st.sets(st.integers(0, 8)),
    lot=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=20),
)
def test_every_code_gets_its_container_lot_and_expiry(
    shape: list[list[int]], serials: list[str], unpacked: set[int], lot: str
) -> None:
    pool = iter(serials)
    hierarchy = [
        [[f"urn:epc:id:sgtin:0614141.107346.{next(pool)}" for _ in range(k)] for k in pallet] for pallet in shape
    ]
    codes = dscsa_import.codes_of(dscsa_import.read(_file(hierarchy, unpacked, lot)).document)
    n = 0
    expected: dict[str, tuple[str | None, str | None, str | None, str | None]] = {}
    for p, pallet in enumerate(hierarchy):
        pallet_dl = canonical(f"urn:epc:id:sscc:0614141.2{p:09d}")
        expected[pallet_dl] = (None, None, None, None)
        for case in pallet:
            case_dl = canonical(f"urn:epc:id:sscc:0614141.1{n:09d}")
            expected[case_dl] = (None, None, None, pallet_dl)
            for item in case:
                link = f"https://id.gs1.org/01/10614141073464/21/{item.rpartition('.')[2]}"
                assert canonical(item) == link
                expected[link] = ("10614141073464", lot, "2030-06-30", None if n in unpacked else case_dl)
            n += 1
    assert {k: (v.gtin, v.lot, v.expiry, v.parent) for k, v in codes.items()} == expected
