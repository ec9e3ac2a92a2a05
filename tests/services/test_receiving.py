"""Receiving against our own shipment (transfer between sites) and against partner data: missing, unexpected and
mismatching scans, one receiving event with the receipt, rejected actions writing nothing; decommissioning with
reasons and signatures."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.errors import Conflict, ValidationFailed
from app.models import AuditEntry, CodeState, EpcisEvent
from app.services import logistics_decommission, receiving, shipments
from tests.conftest import GTIN
from tests.services.test_shipments import CLERK, PARTNER, SITE, WAREHOUSE, World, draft, make_world, sscc_of

Auth = dict[str, dict[str, str]]


@pytest.fixture
def world(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> World:
    return make_world(client, auth, batch)


def transfer(database: Any, world: World) -> dict[str, Any]:
    """Both cases shipped from the site to our warehouse."""
    shipment = draft(database, world, partner_id=None, ship_to_id=world.warehouse)
    for case in world.cases:
        shipments.add(database, CLERK, shipment["id"], case)
    return shipments.ship(database, CLERK, shipment["id"])


def serial_of(epc: str) -> str:
    return epc.rsplit("/", 1)[1]


def test_receive_a_transfer_at_the_second_location(database: Any, world: World, unchanged: Any) -> None:
    shipped = transfer(database, world)
    receipt = receiving.open_receipt(database, CLERK, location_id=world.warehouse, shipment_id=shipped["id"])
    assert receipt["missing"] == [
        {"epc": world.cases[0], "label": f"SSCC {sscc_of(world.cases[0])}"},
        {"epc": world.cases[1], "label": f"SSCC {sscc_of(world.cases[1])}"},
    ]
    receiving.scan(database, CLERK, receipt["id"], sscc_of(world.cases[0]))
    # A pack of the second case scanned alone, its barcode carrying the right lot and expiry.
    pack = f"]d201{GTIN}21{serial_of(world.packs[3])}\x1d10LOT-001\x1d17271231"
    now = receiving.scan(database, CLERK, receipt["id"], pack)
    assert now["unexpected"] == [] and now["mismatches"] == [] and now["clean"] is True
    # The second case came opened (a pack of it was scanned): its other pack is what is missing.
    assert [m["epc"] for m in now["missing"]] == [world.packs[4]]
    done = receiving.receive(database, CLERK, receipt["id"])
    assert done["status"] == "received" and done["received_by"] == "user:clerk"
    with database.read() as session:
        event = session.scalar(select(EpcisEvent).where(EpcisEvent.event_id == done["event_id"]))
        assert event is not None
        rows = {s.epc: s for s in session.scalars(select(CodeState))}
        audit = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    body = event.body
    assert body["bizStep"] == "receiving" and body["disposition"] == "in_progress"
    assert sorted(body["epcList"]) == sorted([world.cases[0], world.packs[3]])
    assert body["bizLocation"] == {"id": f"https://id.gs1.org/414/{WAREHOUSE}"}
    assert body["bizTransactionList"] == [
        {"type": "desadv", "bizTransaction": f"urn:epcglobal:cbv:bt:{SITE}:SHP-000001"}
    ]
    received = {world.cases[0], *world.packs[:3], world.packs[3]}
    assert {e for e, r in rows.items() if r.status == "received"} == received
    assert {rows[e].location for e in received} == {f"https://id.gs1.org/414/{WAREHOUSE}"}
    assert {rows[e].owner for e in received} == {f"https://id.gs1.org/417/{WAREHOUSE}"}
    assert rows[world.packs[4]].status == "shipped"
    assert audit[-2:] == ["receipt.open", "receipt.receive"]
    # The received case is ours again: it can ship from the warehouse.
    onward = draft(database, world, ship_from_id=world.warehouse)
    assert shipments.add(database, CLERK, onward["id"], world.cases[0])["packs"] == 3
    with unchanged(), pytest.raises(Conflict, match="receipt 1 is already received; start a new one"):
        receiving.scan(database, CLERK, receipt["id"], world.cases[1])


def test_unexpected_and_mismatching_scans_block_receiving(database: Any, world: World, unchanged: Any) -> None:
    shipment = draft(database, world, partner_id=None, ship_to_id=world.warehouse)
    shipments.add(database, CLERK, shipment["id"], world.cases[0])
    shipments.ship(database, CLERK, shipment["id"])
    receipt = receiving.open_receipt(database, CLERK, location_id=world.warehouse, shipment_id=shipment["id"])
    receiving.scan(database, CLERK, receipt["id"], world.cases[1])
    wrong = f"(01){GTIN}(21){serial_of(world.packs[0])}(10)LOT-999(17)271130"
    now = receiving.scan(database, CLERK, receipt["id"], wrong)
    assert now["unexpected"] == [{"epc": world.cases[1], "label": f"SSCC {sscc_of(world.cases[1])}"}]
    label = f"GTIN {GTIN} serial {serial_of(world.packs[0])}"
    assert now["mismatches"] == [
        {"epc": world.packs[0], "field": "lot", "expected": "LOT-001", "scanned": "LOT-999", "label": label},
        {"epc": world.packs[0], "field": "expiry", "expected": "271231", "scanned": "271130", "label": label},
    ]
    with unchanged():
        with pytest.raises(ValidationFailed) as caught:
            receiving.receive(database, CLERK, receipt["id"])
        assert (caught.value.field, caught.value.detail) == (
            "code",
            "1 unexpected and 2 mismatching scans: set those units aside and remove their scans before receiving",
        )
        with pytest.raises(ValidationFailed, match="is already scanned for this delivery"):
            receiving.scan(database, CLERK, receipt["id"], sscc_of(world.cases[1]))
    receiving.unscan(database, CLERK, receipt["id"], world.cases[1])
    receiving.unscan(database, CLERK, receipt["id"], world.packs[0])
    receiving.scan(database, CLERK, receipt["id"], world.cases[0])
    assert receiving.receive(database, CLERK, receipt["id"])["status"] == "received"


def test_opening_a_receipt_checks_its_source(database: Any, world: World, unchanged: Any) -> None:
    pending = draft(database, world, partner_id=None, ship_to_id=world.warehouse)
    cases = [
        ({"location_id": world.partner_site, "partner_id": world.partner}, "location"),
        ({"location_id": world.warehouse}, "shipment"),
        ({"location_id": world.warehouse, "shipment_id": pending["id"], "partner_id": world.partner}, "shipment"),
        ({"location_id": world.warehouse, "shipment_id": pending["id"]}, "shipment"),
        ({"location_id": world.warehouse, "partner_id": 404}, "partner"),
    ]
    details = []
    with unchanged():
        for fields, field in cases:
            with pytest.raises(ValidationFailed) as caught:
                receiving.open_receipt(database, CLERK, **fields)
            assert caught.value.field == field
            details.append(caught.value.detail)
    assert details == [
        "Wholesale DC (4012345000009) is a partner_site, not one of our sites or warehouses",
        "choose either the shipment being received or the partner it comes from",
        "choose either the shipment being received or the partner it comes from",
        "shipment SHP-000001 has not been shipped yet",
        "no trading partner with id 404",
    ]


def dscsa_file(
    serial: str, *, affirmed: str | None = "true", receiver: str = SITE, document_id: str = "DOC-1"
) -> bytes:
    """A partner's EPCIS 1.2 file (SBDH, transaction statement) commissioning one pack of lot X1, expiry 2028-01-31."""
    statement = (
        "<gs1ushc:dscsaTransactionStatement><gs1ushc:affirmTransactionStatement>"
        f"{affirmed}</gs1ushc:affirmTransactionStatement></gs1ushc:dscsaTransactionStatement>"
        if affirmed is not None
        else ""
    )
    return f"""<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1"
 xmlns:sbdh="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
 xmlns:gs1ushc="http://epcis.gs1us.org/hc/ns" xmlns:cbvmda="urn:epcglobal:cbv:mda"
 schemaVersion="1.2" creationDate="2026-01-01T00:00:00Z"><EPCISHeader>
<sbdh:StandardBusinessDocumentHeader><sbdh:HeaderVersion>1.0</sbdh:HeaderVersion>
<sbdh:Sender><sbdh:Identifier Authority="GLN">{PARTNER}</sbdh:Identifier></sbdh:Sender>
<sbdh:Receiver><sbdh:Identifier Authority="GLN">{receiver}</sbdh:Identifier></sbdh:Receiver>
<sbdh:DocumentIdentification><sbdh:Standard>EPCglobal</sbdh:Standard><sbdh:TypeVersion>1.0</sbdh:TypeVersion>
<sbdh:InstanceIdentifier>{document_id}</sbdh:InstanceIdentifier><sbdh:Type>Events</sbdh:Type>
<sbdh:CreationDateAndTime>2026-01-01T00:00:00Z</sbdh:CreationDateAndTime></sbdh:DocumentIdentification>
</sbdh:StandardBusinessDocumentHeader>{statement}</EPCISHeader>
<EPCISBody><EventList><ObjectEvent><eventTime>2026-01-01T00:00:00Z</eventTime>
<eventTimeZoneOffset>+00:00</eventTimeZoneOffset><epcList><epc>urn:epc:id:sgtin:4012345.000001.{serial}</epc></epcList>
<action>ADD</action><bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>
<disposition>urn:epcglobal:cbv:disp:active</disposition><extension><ilmd><cbvmda:lotNumber>X1</cbvmda:lotNumber>
<cbvmda:itemExpirationDate>2028-01-31</cbvmda:itemExpirationDate></ilmd></extension></ObjectEvent>
</EventList></EPCISBody></epcis:EPCISDocument>""".encode()


def test_partner_delivery_without_partner_data_is_all_unexpected(database: Any, world: World, unchanged: Any) -> None:
    receipt = receiving.open_receipt(database, CLERK, location_id=world.site, partner_id=world.partner)
    foreign = "(00)340123450000000017"
    now = receiving.scan(database, CLERK, receipt["id"], foreign)
    assert [u["epc"] for u in now["unexpected"]] == ["https://id.gs1.org/00/340123450000000017"]
    with unchanged(), pytest.raises(ValidationFailed, match="1 unexpected and 0 mismatching scans"):
        receiving.receive(database, CLERK, receipt["id"])


def test_partner_delivery_against_the_partner_file(
    client: FlaskClient, auth: Auth, database: Any, world: World, unchanged: Any
) -> None:
    """The partner's imported file decides what is expected, unexpected and mismatching in its delivery."""
    theirs, other = ("https://id.gs1.org/01/04012345000016/21/" + s for s in ("P1", "P2"))
    partner_file = dscsa_file("P1")
    imported = client.post(
        "/api/v1/dscsa/imports",
        data=partner_file,
        headers={**auth["admin"], "Content-Type": "application/xml"},
    )
    assert imported.status_code == 201, imported.get_json()
    receipt = receiving.open_receipt(database, CLERK, location_id=world.site, partner_id=world.partner)
    receiving.scan(database, CLERK, receipt["id"], "(01)04012345000016(21)P1(10)X2(17)280131")
    now = receiving.scan(database, CLERK, receipt["id"], "(01)04012345000016(21)P2(10)X1(17)280131")
    assert now["matched"] == [theirs] and [u["epc"] for u in now["unexpected"]] == [other]
    assert [(m["field"], m["expected"], m["scanned"]) for m in now["mismatches"]] == [("lot", "X1", "X2")]
    with unchanged(), pytest.raises(ValidationFailed, match="1 unexpected and 1 mismatching scans"):
        receiving.receive(database, CLERK, receipt["id"])
    receiving.unscan(database, CLERK, receipt["id"], other)
    receiving.unscan(database, CLERK, receipt["id"], theirs)
    # Day 00 is the month's last day: (17)280100 is the file's 2028-01-31, not a mismatch.
    day_zero = receiving.scan(database, CLERK, receipt["id"], "(01)04012345000016(21)P1(10)X1(17)280100")
    assert day_zero["mismatches"] == [] and day_zero["matched"] == [theirs]
    receiving.unscan(database, CLERK, receipt["id"], theirs)
    receiving.scan(database, CLERK, receipt["id"], "(01)04012345000016(21)P1(10)X1(17)280131")
    done = receiving.receive(database, CLERK, receipt["id"])
    with database.read() as session:
        stored = session.scalar(select(EpcisEvent).where(EpcisEvent.event_id == done["event_id"]))
        assert stored is not None
    assert stored.body["epcList"] == [theirs]
    assert stored.body["sourceList"] == [{"type": "owning_party", "source": "https://id.gs1.org/417/4012345000009"}]


@pytest.mark.parametrize(
    ("affirmed", "receiver", "reason"),
    [
        (None, SITE, "partner file DOC-9 does not carry the DSCSA transaction statement"),
        ("false", SITE, "partner file DOC-9 denies the DSCSA transaction statement"),
        ("true", "0614141000005", "partner file DOC-9 is addressed to 0614141000005, not to one of our locations"),
    ],
)
def test_a_partner_file_that_cannot_vouch_for_the_delivery_blocks_receiving(
    client: FlaskClient,
    auth: Auth,
    database: Any,
    world: World,
    unchanged: Any,
    affirmed: str | None,
    receiver: str,
    reason: str,
) -> None:
    """DSCSA: the seller's file must affirm the transaction statement and be addressed to us."""
    partner_file = dscsa_file("P9", affirmed=affirmed, receiver=receiver, document_id="DOC-9")
    imported = client.post(
        "/api/v1/dscsa/imports", data=partner_file, headers={**auth["admin"], "Content-Type": "application/xml"}
    )
    assert imported.status_code == 201, imported.get_json()
    receipt = receiving.open_receipt(database, CLERK, location_id=world.site, partner_id=world.partner)
    now = receiving.scan(database, CLERK, receipt["id"], "(01)04012345000016(21)P9(10)X1(17)280131")
    pack = "https://id.gs1.org/01/04012345000016/21/P9"
    assert [(r["epc"], r["reason"]) for r in now["refused"]] == [(pack, reason)]
    assert now["matched"] == [] and now["unexpected"] == [] and now["clean"] is False
    message = (
        f"1 scans are covered only by a partner file that cannot be accepted ({reason}): ask the partner for a "
        "corrected file, or set those units aside"
    )
    with unchanged(), pytest.raises(ValidationFailed) as refused:
        receiving.receive(database, CLERK, receipt["id"])
    assert refused.value.detail == message and refused.value.field == "code"


@pytest.mark.parametrize("reason", ["destroyed", "stolen", "recalled"])
def test_final_reasons_need_a_signature(database: Any, world: World, unchanged: Any, reason: str) -> None:
    with unchanged(), pytest.raises(ValidationFailed) as caught:
        logistics_decommission.decommission(database, CLERK, code=world.packs[5], reason=reason, location_id=world.site)
    assert (caught.value.field, caught.value.detail) == (
        "password",
        f"{reason} needs your signature: your password and a reason",
    )
    done = logistics_decommission.decommission(
        database,
        CLERK,
        code=world.cases[1],
        reason=reason,
        location_id=world.site,
        signature="signed by clerk: water damage in aisle 4",
    )
    assert done["contents"] == 2 and done["signed"] is True
    with database.read() as session:
        rows = {s.epc: s for s in session.scalars(select(CodeState))}
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
    assert {rows[e].decommission_reason for e in [world.cases[1], *world.packs[3:5]]} == {reason}
    assert (entry.action, entry.entity_id, entry.reason) == (
        "code.decommission",
        world.cases[1],
        "signed by clerk: water damage in aisle 4",
    )
    assert entry.after == {"status": "decommissioned", "reason": reason, "event_id": done["event_id"], "contents": 2}


def test_decommission_rules(database: Any, world: World, unchanged: Any) -> None:
    done = logistics_decommission.decommission(
        database, CLERK, code=world.packs[5], reason="sample", location_id=world.site, note="QC retain"
    )
    assert done["signed"] is False and done["contents"] == 0
    shipped = draft(database, world, partner_id=None, ship_to_id=world.warehouse)
    shipments.add(database, CLERK, shipped["id"], world.cases[0])
    shipments.ship(database, CLERK, shipped["id"])
    pack = f"GTIN {GTIN} serial {serial_of(world.packs[5])}"
    attempts = [
        ({"code": world.packs[5], "reason": "sample"}, "code", f"{pack} is already decommissioned (sample)"),
        (
            {"code": world.packs[3], "reason": "lost"},
            "reason",
            "choose a reason: one of "
            + ", ".join(
                sorted(
                    [
                        "destroyed",
                        "stolen",
                        "sample",
                        "free_sample",
                        "locked",
                        "exported",
                        "dispensed",
                        "recalled",
                        "expired",
                    ]
                )
            ),
        ),
        (
            {"code": world.cases[0], "reason": "sample"},
            "code",
            f"{world.cases[0]} is in transit; receive it before decommissioning",
        ),
        (
            {"code": world.packs[3], "reason": "sample", "location_id": world.partner_site},
            "location",
            "Wholesale DC (4012345000009) is a partner_site, not one of our sites or warehouses",
        ),
        (
            {"code": "(01)09506000134352(21)NOPE", "reason": "sample"},
            "code",
            f"no record of GTIN {GTIN} serial NOPE: it was never commissioned here",
        ),
    ]
    with unchanged():
        for fields, field, detail in attempts:
            with pytest.raises(ValidationFailed) as caught:
                logistics_decommission.decommission(database, CLERK, **{"location_id": world.site, **fields})
            assert (caught.value.field, caught.value.detail) == (field, detail)
    with database.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "code.decommission")).one()
    assert entry.reason == "QC retain"


def test_our_shipment_is_received_only_where_it_goes(database: Any, world: World, unchanged: Any) -> None:
    shipped = transfer(database, world)
    with unchanged(), pytest.raises(ValidationFailed) as refused:
        receiving.open_receipt(database, CLERK, location_id=world.site, shipment_id=shipped["id"])
    assert refused.value.field == "location"
    assert "goes to Warehouse Lyon" in refused.value.detail and "not at Plant Basel" in refused.value.detail
    assert receiving.open_receipt(database, CLERK, location_id=world.warehouse, shipment_id=shipped["id"])["id"]


def test_stock_ships_only_from_where_it_is(database: Any, world: World, unchanged: Any) -> None:
    shipped = transfer(database, world)
    receipt = receiving.open_receipt(database, CLERK, location_id=world.warehouse, shipment_id=shipped["id"])
    receiving.scan(database, CLERK, receipt["id"], world.cases[0])
    receiving.receive(database, CLERK, receipt["id"])
    from_site = draft(database, world)  # leaves from the site, where the case no longer is
    with unchanged(), pytest.raises(ValidationFailed) as refused:
        shipments.add(database, CLERK, from_site["id"], world.cases[0])
    assert refused.value.field == "code"
    assert f"is at {WAREHOUSE}, not at Plant Basel" in refused.value.detail
    from_warehouse = draft(database, world, ship_from_id=world.warehouse)
    assert shipments.add(database, CLERK, from_warehouse["id"], world.cases[0])["packs"] == 3
