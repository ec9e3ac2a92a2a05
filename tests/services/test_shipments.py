"""Shipments: drafts packed by scanning top-level units with every rule checked, shipped as one event with the
shipment's status, partner messages queued, rejected actions writing nothing; the packing list PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.errors import Conflict, ValidationFailed
from app.models import AuditEntry, CodeState, EpcisEvent, OutboxMessage, Role
from app.services import logistics_decommission, logistics_packing, shipments
from app.services.security import Principal
from tests.conftest import GTIN
from tests.epcis_api.flows import issue, new_case
from tests.epcis_api.test_capture import capture, commissioning, dl, document, event, packing

Auth = dict[str, dict[str, str]]
CLERK = Principal("user:clerk", Role.LOGISTICS)
SITE, WAREHOUSE, PARTNER = "9506000000008", "9506000000015", "4012345000009"


@dataclass
class World:
    """Our site and warehouse, a partner with its site, and stock: two cases of packs and one loose pack."""

    site: int
    warehouse: int
    partner: int
    partner_site: int
    cases: list[str]
    packs: list[str]  # packs[0:3] in cases[0], packs[3:5] in cases[1], packs[5] loose
    batch: dict[str, Any]


def post(client: FlaskClient, auth: Auth, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(path, headers=auth["erp"], json=body)
    assert answer.status_code == 201, answer.get_json()
    return dict(answer.get_json())


def make_world(client: FlaskClient, auth: Auth, batch: dict[str, Any], *, release: bool = True) -> World:
    """Our site and warehouse, a partner with its site, and 6 commissioned packs of `batch` (3 + 2 in two cases,
    1 loose), the batch released by QA unless `release` is false."""
    site = post(client, auth, "/api/v1/locations", {"gln": SITE, "name": "Plant Basel", "kind": "site"})
    warehouse = post(
        client, auth, "/api/v1/locations", {"gln": WAREHOUSE, "name": "Warehouse Lyon", "kind": "warehouse"}
    )
    partner = post(client, auth, "/api/v1/partners", {"name": "Pharma Wholesale", "gln": PARTNER, "country": "US"})
    partner_site = post(
        client,
        auth,
        "/api/v1/locations",
        {"gln": PARTNER, "name": "Wholesale DC", "kind": "partner_site", "address": "1 Main St, Newark NJ"},
    )
    serials = issue(client, auth, batch, 6)
    cases = [new_case(client, auth), new_case(client, auth)]
    assert capture(client, auth, document(commissioning(serials, minute=1)))["success"]
    assert capture(client, auth, document(packing(cases[0], [dl(s) for s in serials[:3]], minute=2)))["success"]
    assert capture(client, auth, document(packing(cases[1], [dl(s) for s in serials[3:5]], minute=3)))["success"]
    if release:
        for status in ("closed", "released"):  # issuing serials started production
            answer = client.post(f"/api/v1/batches/{batch['id']}/status", headers=auth["qa"], json={"status": status})
            assert answer.status_code == 200, answer.get_json()
    return World(site["id"], warehouse["id"], partner["id"], partner_site["id"], cases, [dl(s) for s in serials], batch)


@pytest.fixture
def world(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> World:
    return make_world(client, auth, batch)


def draft(database: Any, world: World, **changes: Any) -> dict[str, Any]:
    fields = {"partner_id": world.partner, "ship_from_id": world.site, "ship_to_id": world.partner_site, **changes}
    return shipments.create(database, CLERK, **fields)


def sscc_of(epc: str) -> str:
    return epc.rsplit("/", 1)[1]


def test_create_ship_and_queue_the_partner_push(
    client: FlaskClient, auth: Auth, database: Any, world: World, unchanged: Any
) -> None:
    channel = client.put(
        f"/api/v1/partners/{world.partner}/channels/epcis2",
        headers=auth["erp"],
        json={"endpoint": "https://partner.example/epcis/capture"},
    )
    assert channel.status_code in (200, 201), channel.get_json()
    created = draft(database, world)
    assert created["status"] == "draft" and created["items"] == [] and created["reference"] == "SHP-000001"
    # Any scanner form: a bare SSCC as typed, and a pack's ]d2 element string with lot and expiry.
    added = shipments.add(database, CLERK, created["id"], sscc_of(world.cases[0]))
    assert added["packs"] == 3 and added["lines"] == [
        {"gtin": GTIN, "lot": "LOT-001", "expiry": "2027-12-31", "count": 3}
    ]
    serial = world.packs[5].rsplit("/", 1)[1]
    shipments.add(database, CLERK, created["id"], f"]d201{GTIN}21{serial}\x1d10LOT-001\x1d17271231")
    shipped = shipments.ship(database, CLERK, created["id"])
    assert shipped["status"] == "shipped" and shipped["shipped_by"] == "user:clerk" and shipped["packs"] == 4
    with database.read() as session:
        event = session.scalar(select(EpcisEvent).where(EpcisEvent.event_id == shipped["event_id"]))
        assert event is not None
        body = event.body
        states = {s.epc: s.status for s in session.scalars(select(CodeState))}
        pushes = list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "epcis2")))
        actions = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert body["bizStep"] == "shipping" and body["disposition"] == "in_transit" and body["action"] == "OBSERVE"
    assert sorted(body["epcList"]) == sorted([world.cases[0], world.packs[5]])
    assert body["readPoint"] == body["bizLocation"] == {"id": f"https://id.gs1.org/414/{SITE}"}
    assert body["bizTransactionList"] == [
        {"type": "desadv", "bizTransaction": f"urn:epcglobal:cbv:bt:{SITE}:SHP-000001"}
    ]
    assert body["sourceList"] == [
        {"type": "owning_party", "source": f"https://id.gs1.org/417/{SITE}"},
        {"type": "location", "source": f"https://id.gs1.org/414/{SITE}"},
    ]
    assert body["destinationList"] == [
        {"type": "owning_party", "destination": f"https://id.gs1.org/417/{PARTNER}"},
        {"type": "location", "destination": f"https://id.gs1.org/414/{PARTNER}"},
    ]
    assert {e for e, s in states.items() if s == "shipped"} == {world.cases[0], *world.packs[:3], world.packs[5]}
    assert len(pushes) == 1 and pushes[0].reference == f"epcis2:{shipped['event_id']}"
    assert [a for a in actions if a.startswith("shipment.")] == ["shipment.create", "shipment.ship"]
    # Shipped is final: nothing more can be added, removed or shipped again, and nothing is written.
    with unchanged():
        for attempt in (
            lambda: shipments.add(database, CLERK, created["id"], sscc_of(world.cases[1])),
            lambda: shipments.remove(database, CLERK, created["id"], world.cases[0]),
            lambda: shipments.ship(database, CLERK, created["id"]),
        ):
            with pytest.raises(Conflict, match="shipment SHP-000001 is already shipped; start a new one"):
                attempt()


def scan_error(database: Any, shipment_id: int, code: str) -> str:
    with pytest.raises(ValidationFailed) as caught:
        shipments.check(database, shipment_id, code)
    assert caught.value.field == "code"
    return caught.value.detail


def test_live_validation_rules(client: FlaskClient, auth: Auth, database: Any, world: World, unchanged: Any) -> None:
    first = draft(database, world)
    shipments.add(database, CLERK, first["id"], world.cases[1])
    second = draft(database, world)
    case0, case1 = sscc_of(world.cases[0]), sscc_of(world.cases[1])
    pack0 = world.packs[0].rsplit("/", 1)[1]
    with unchanged():
        assert shipments.check(database, second["id"], case0)["packs"] == 3
        assert scan_error(database, second["id"], f"(01){GTIN}(21){pack0}") == (
            f"GTIN {GTIN} serial {pack0} is packed in SSCC {case0}, a unit that is not in this shipment; "
            "scan the outermost unit or unpack it first"
        )
        assert scan_error(database, second["id"], case1) == f"SSCC {case1} is already in open shipment SHP-000001"
        assert scan_error(database, first["id"], case1) == f"SSCC {case1} is already in this shipment"
        assert scan_error(database, second["id"], f"(01){GTIN}(21)NEVERISSUED1") == (
            f"no record of GTIN {GTIN} serial NEVERISSUED1: it was never commissioned here"
        )
        assert scan_error(database, second["id"], "hello").startswith("not a code this service can read")
        assert scan_error(database, second["id"], "  \r\n") == "scan or type a code: the field is empty"
        with pytest.raises(ValidationFailed) as caught:
            shipments.add(database, CLERK, second["id"], case1)
        assert caught.value.field == "code"


def test_recalled_and_expired_batches_cannot_ship(
    client: FlaskClient, auth: Auth, database: Any, world: World, unchanged: Any
) -> None:
    from datetime import date

    from app.models import Batch

    shipment = draft(database, world)
    case0 = sscc_of(world.cases[0])
    path = f"/api/v1/batches/{world.batch['id']}/status"
    with database.write() as session:  # a batch QA has not released does not go to a partner
        unreleased = session.get(Batch, world.batch["id"])
        assert unreleased is not None
        unreleased.status = unreleased.status.__class__("closed")
    with unchanged():
        assert scan_error(database, shipment["id"], case0) == (
            f"SSCC {case0}: batch LOT-001 of GTIN {GTIN} is not released by QA (it is closed); it cannot ship"
        )
    assert client.post(path, headers=auth["qa"], json={"status": "released"}).status_code == 200
    assert shipments.check(database, shipment["id"], case0)["packs"] == 3
    recall = {"status": "recalled", "reason": "out-of-specification assay"}
    assert client.post(path, headers=auth["qa"], json=recall).status_code == 200
    with unchanged():
        assert scan_error(database, shipment["id"], case0) == (
            f"SSCC {case0}: batch LOT-001 of GTIN {GTIN} is recalled; it cannot ship"
        )
    # Expiry is fixed when a batch is created: an old batch is set up directly.
    with database.write() as session:
        batch = session.get(Batch, world.batch["id"])
        assert batch is not None
        batch.status, batch.expiry_date = batch.status.__class__("released"), date(2020, 1, 31)
    assert scan_error(database, shipment["id"], case0) == (
        f"SSCC {case0}: batch LOT-001 of GTIN {GTIN} expired on 2020-01-31; it cannot ship"
    )


def test_ship_rechecks_what_changed_since_the_scan(database: Any, world: World, unchanged: Any) -> None:
    slow = draft(database, world)
    shipments.add(database, CLERK, slow["id"], world.packs[5])
    fast = draft(database, world, partner_id=None, ship_to_id=world.warehouse)
    shipments.add(database, CLERK, fast["id"], world.cases[0])
    shipments.ship(database, CLERK, fast["id"])
    with unchanged():
        with pytest.raises(ValidationFailed) as caught:
            shipments.add(database, CLERK, slow["id"], world.cases[0])
        assert (
            caught.value.detail == f"SSCC {sscc_of(world.cases[0])} is in transit (shipped); it must be received first"
        )
    # A pack decommissioned after it was scanned stops the shipment, and the shipment stays a draft.
    logistics_decommission.decommission(database, CLERK, code=world.packs[5], reason="sample", location_id=world.site)
    with unchanged(), pytest.raises(ValidationFailed) as caught:
        shipments.ship(database, CLERK, slow["id"])
    label = f"GTIN {GTIN} serial {world.packs[5].rsplit('/', 1)[1]}"
    assert caught.value.detail == f"{label} is decommissioned (sample); it cannot ship; remove it from the shipment"
    assert shipments.get(database, slow["id"])["status"] == "draft"


def test_create_rejects_wrong_places(database: Any, world: World, unchanged: Any) -> None:
    cases = [
        (
            {"ship_from_id": world.partner_site},
            "ship_from",
            "Wholesale DC (4012345000009) is a partner_site, not one of our sites or warehouses",
        ),
        ({"ship_from_id": None}, "ship_from", "choose one of our sites or warehouses"),
        ({"ship_to_id": None}, "ship_to", "choose where the goods go"),
        ({"ship_to_id": 999}, "ship_to", "no location with id 999"),
        ({"partner_id": 999}, "partner", "no trading partner with id 999"),
        (
            {"ship_to_id": world.warehouse},
            "ship_to",
            f"Warehouse Lyon ({WAREHOUSE}) is one of our locations; choose the partner's site, or no partner for a "
            "transfer between our sites",
        ),
        (
            {"partner_id": None},
            "partner",
            f"Wholesale DC ({PARTNER}) is a partner's site; choose the partner it belongs to",
        ),
        ({"partner_id": None, "ship_to_id": world.site}, "ship_to", "a transfer must go to another of our locations"),
    ]
    with unchanged():
        for changes, field, detail in cases:
            with pytest.raises(ValidationFailed) as caught:
                draft(database, world, **changes)
            assert (caught.value.field, caught.value.detail) == (field, detail)


def test_ship_needs_units_and_packing_list(database: Any, world: World, unchanged: Any) -> None:
    shipment = draft(database, world)
    with unchanged(), pytest.raises(ValidationFailed, match="scan at least one pallet, case or pack before shipping"):
        shipments.ship(database, CLERK, shipment["id"])
    shipments.add(database, CLERK, shipment["id"], world.cases[0])
    shipments.add(database, CLERK, shipment["id"], world.cases[1])
    name, pdf = logistics_packing.packing_list(database, shipment["id"])
    assert name == "packing-list-SHP-000001.pdf" and pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for expected in (
        "Packing list SHP-000001 (DRAFT: not shipped)",
        f"SSCC {sscc_of(world.cases[0])}",
        f"SSCC {sscc_of(world.cases[1])}",
        "Wholesale DC (4012345000009)",
        "Pharma Wholesale (4012345000009)",
        "2 units",
        "LOT-001",
    ):
        assert expected in text, expected


def pdf_text(pdf: bytes) -> str:
    """The text a reportlab PDF shows: the strings of its page content streams (ASCII85 + Flate)."""
    import base64
    import re
    import zlib

    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            content = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        except (ValueError, zlib.error):
            continue  # not a content stream (fonts, images)
        shown += [m.decode("latin-1") for m in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", content)]
    return "\n".join(shown).replace("\\(", "(").replace("\\)", ")")


def test_stock_received_by_a_partner_is_not_ours_to_ship(
    client: FlaskClient, auth: Auth, database: Any, world: World, unchanged: Any
) -> None:
    shipment = draft(database, world)
    shipments.add(database, CLERK, shipment["id"], world.cases[0])
    shipments.ship(database, CLERK, shipment["id"])
    arrived = event(
        "ObjectEvent",
        "OBSERVE",
        "receiving",
        9,
        epcList=[world.cases[0]],
        disposition="in_progress",
        bizLocation={"id": f"https://id.gs1.org/414/{PARTNER}"},
        destinationList=[{"type": "owning_party", "destination": f"https://id.gs1.org/417/{PARTNER}"}],
    )
    assert capture(client, auth, document(arrived))["success"]
    later = draft(database, world)
    with unchanged():
        assert scan_error(database, later["id"], world.cases[0]) == (
            f"SSCC {sscc_of(world.cases[0])} belongs to {PARTNER}, not to us: it is not in our possession"
        )


def test_the_same_case_never_ships_twice_when_two_stations_race(database: Any, world: World) -> None:
    """Two drafts holding the same case (two stations scanned it at once) shipped at the same moment: one wins."""
    import threading

    from app.models.shipments import ShipmentItem

    drafts = [draft(database, world)["id"], draft(database, world, partner_id=None, ship_to_id=world.warehouse)["id"]]
    with database.write() as session:  # what two simultaneous scans leave behind
        session.add_all(ShipmentItem(shipment_id=d, epc=world.cases[0], kind="sscc") for d in drafts)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def ship(shipment_id: int) -> None:
        start.wait()
        try:
            outcomes.append(shipments.ship(database, CLERK, shipment_id)["status"])
        except ValidationFailed as exc:
            outcomes.append(exc.detail)

    threads = [threading.Thread(target=ship, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    case = f"SSCC {sscc_of(world.cases[0])}"
    assert sorted(outcomes) == sorted(
        ["shipped", f"{case} is in transit (shipped); it must be received first; remove it from the shipment"]
    ), outcomes
    with database.read() as session:
        shipping = session.scalars(select(EpcisEvent).where(EpcisEvent.biz_step == "shipping")).all()
    assert len(shipping) == 1
