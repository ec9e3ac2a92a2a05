"""Outgoing shipments: a draft packed by scanning top-level units, shipped by capturing one shipping event.

Shipping to a partner (destination owning party = the partner's GLN) lets the reporting channels queue
that partner's messages in the same transaction; a shipment without a partner is a transfer between our
own locations, received there against this record.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import Database
from app.models import CodeState, Location, LocationKind, TradingPartner
from app.models.shipments import Shipment, ShipmentItem, ShipmentStatus
from app.services import audit, logistics_capture, state
from app.services.bulk import member
from app.services.logistics_common import (
    OWN_KINDS,
    batch_problem,
    batches,
    contents,
    gln_of,
    kind_of,
    label,
    own_glns,
    own_location,
    partner,
    place_label,
    read_scan,
    summary,
    unknown,
)
from app.services.security import Principal
from epcis import model

MAX_ITEMS = 5_000  # top-level units per shipment: a truck, not a warehouse


def create(
    database: Database, actor: Principal, *, partner_id: int | None, ship_from_id: int | None, ship_to_id: int | None
) -> dict[str, Any]:
    """A new draft shipment from one of our locations to a partner's site (or to another site of ours)."""
    with database.write() as session:
        origin = own_location(session, ship_from_id, "ship_from")
        if ship_to_id is None:
            raise ValidationFailed("choose where the goods go", field="ship_to")
        target = session.get(Location, ship_to_id)
        if target is None:
            raise ValidationFailed(f"no location with id {ship_to_id}", field="ship_to")
        if partner_id is not None:
            partner(session, partner_id)
            if target.kind is not LocationKind.PARTNER_SITE:
                raise ValidationFailed(
                    f"{place_label(target)} is one of our locations; choose the partner's site, or no partner "
                    "for a transfer between our sites",
                    field="ship_to",
                )
        else:
            if target.kind not in OWN_KINDS:
                raise ValidationFailed(
                    f"{place_label(target)} is a partner's site; choose the partner it belongs to", field="partner"
                )
            if target.id == origin.id:
                raise ValidationFailed("a transfer must go to another of our locations", field="ship_to")
        shipment = Shipment(
            partner_id=partner_id,
            ship_from_id=origin.id,
            ship_to_id=target.id,
            status=ShipmentStatus.DRAFT,
            created_by=actor.name,
        )
        session.add(shipment)
        session.flush()
        audit.record(
            session,
            actor=actor.name,
            action="shipment.create",
            entity="shipment",
            entity_id=shipment.id,
            after={"partner_id": partner_id, "ship_from": origin.gln, "ship_to": target.gln},
        )
        return view(session, shipment)


def _draft(session: Session, shipment_id: int, *, lock: bool = False) -> Shipment:
    query = select(Shipment).where(Shipment.id == shipment_id)
    if lock:
        query = query.with_for_update()
    shipment = session.scalar(query)
    if shipment is None:
        raise NotFound(f"no shipment {shipment_id}", field="shipment")
    if shipment.status is not ShipmentStatus.DRAFT:
        raise Conflict(f"shipment {shipment.reference} is already shipped; start a new one", field="shipment")
    return shipment


def _check(
    session: Session,
    shipment: Shipment,
    epc: str,
    listed: set[str],
    ours: set[str],
    *,
    describe: bool = True,
    other_drafts: bool = True,
) -> dict[str, Any]:
    """Why `epc` may not go into `shipment` (as a `ValidationFailed` on `code`), else its summary.

    At shipping time other drafts do not matter (`other_drafts=False`): the first to ship takes the stock,
    and the other then finds it in transit.
    """
    name = label(epc)
    row = session.get(CodeState, epc)
    if row is None:
        raise unknown(epc)
    if epc in listed:
        raise ValidationFailed(f"{name} is already in this shipment", field="code")
    if row.status == state.DECOMMISSIONED:
        raise ValidationFailed(f"{name} is decommissioned ({row.decommission_reason}); it cannot ship", field="code")
    if row.status == state.SHIPPED:
        raise ValidationFailed(f"{name} is in transit (shipped); it must be received first", field="code")
    owner = gln_of(row.owner)
    if owner is not None and owner not in ours:
        raise ValidationFailed(f"{name} belongs to {owner}, not to us: it is not in our possession", field="code")
    # Stock last seen at another of our sites or warehouses (`ours`) is not here; a packaging line is part of a
    # site that master data does not name, so a unit last seen at a line may leave from any site.
    here, origin = gln_of(row.location), session.get(Location, shipment.ship_from_id)
    if here is not None and origin is not None and here != origin.gln and here in ours:
        raise ValidationFailed(
            f"{name} is at {here}, not at {origin.name} ({origin.gln}) where this shipment leaves from", field="code"
        )
    if row.parent is not None:
        where = "this shipment" if row.parent in listed else "a unit that is not in this shipment"
        raise ValidationFailed(
            f"{name} is packed in {label(row.parent)}, {where}; scan the outermost unit or unpack it first",
            field="code",
        )
    inside = contents(session, epc)
    for child in inside:
        if child.epc in listed:
            raise ValidationFailed(
                f"{name} contains {label(child.epc)}, already in this shipment; remove that first", field="code"
            )
        if child.status == state.DECOMMISSIONED:
            raise ValidationFailed(
                f"{name} contains {label(child.epc)}, decommissioned ({child.decommission_reason}); unpack it first",
                field="code",
            )
    to_partner = shipment.partner_id is not None
    found = batches(session, [row, *inside]).values()
    for problem in filter(None, (batch_problem(b, to_partner=to_partner) for b in found)):
        raise ValidationFailed(f"{name}: {problem}; it cannot ship", field="code")
    if not other_drafts:
        return summary(session, epc) if describe else {}
    keys = [epc, *(c.epc for c in inside)]
    elsewhere = session.execute(
        select(ShipmentItem.epc, Shipment.id)
        .join(Shipment, Shipment.id == ShipmentItem.shipment_id)
        .where(Shipment.status == ShipmentStatus.DRAFT, Shipment.id != shipment.id)
        .where(member(session, ShipmentItem.epc, keys))
        .limit(1)
    ).first()
    if elsewhere is not None:
        other = f"SHP-{elsewhere.id:06d}"
        raise ValidationFailed(f"{label(elsewhere.epc)} is already in open shipment {other}", field="code")
    return summary(session, epc) if describe else {}


def check(database: Database, shipment_id: int, raw: str) -> dict[str, Any]:
    """Live validation of a scan for a draft shipment: the unit's summary, or `ValidationFailed` on `code`."""
    scanned = read_scan(raw)
    with database.read() as session:
        shipment = _draft(session, shipment_id)
        return _check(session, shipment, scanned.epc, _items(session, shipment.id), own_glns(session))


def add(database: Database, actor: Principal, shipment_id: int, raw: str) -> dict[str, Any]:
    """Add a scanned top-level unit to a draft shipment (checked as `check` does); returns its summary."""
    scanned = read_scan(raw)
    with database.write() as session:
        shipment = _draft(session, shipment_id, lock=True)
        listed = _items(session, shipment.id)
        if len(listed) >= MAX_ITEMS:
            raise ValidationFailed(f"a shipment holds at most {MAX_ITEMS} units; start another", field="code")
        found = _check(session, shipment, scanned.epc, listed, own_glns(session))
        session.add(ShipmentItem(shipment_id=shipment.id, epc=scanned.epc, kind=kind_of(scanned.epc)))
        return found


def remove(database: Database, actor: Principal, shipment_id: int, epc: str) -> None:
    """Take a unit out of a draft shipment."""
    with database.write() as session:
        shipment = _draft(session, shipment_id, lock=True)
        item = session.scalar(
            select(ShipmentItem).where(ShipmentItem.shipment_id == shipment.id, ShipmentItem.epc == epc)
        )
        if item is None:
            raise NotFound(f"{label(epc)} is not in shipment {shipment.reference}", field="code")
        session.delete(item)


def ship(database: Database, actor: Principal, shipment_id: int) -> dict[str, Any]:
    """Capture the shipping event of a draft and mark it shipped, in one transaction; returns the shipment."""
    with database.write() as session:
        shipment = _draft(session, shipment_id, lock=True)
        listed = sorted(_items(session, shipment.id))
        if not listed:
            raise ValidationFailed("scan at least one pallet, case or pack before shipping", field="code")
        ours = own_glns(session)
        # Lock the units: a concurrent shipment of the same stock waits here and then sees it shipped.
        session.execute(select(CodeState.epc).where(member(session, CodeState.epc, listed)).with_for_update()).all()
        for epc in listed:  # the stock may have changed since it was scanned
            try:
                _check(session, shipment, epc, set(listed) - {epc}, ours, describe=False, other_drafts=False)
            except ValidationFailed as exc:
                raise ValidationFailed(f"{exc.detail}; remove it from the shipment", field="code") from None
        origin = session.get(Location, shipment.ship_from_id)
        target = session.get(Location, shipment.ship_to_id)
        assert origin is not None and target is not None
        buyer = session.get(TradingPartner, shipment.partner_id) if shipment.partner_id is not None else None
        event = shipping_event(shipment, listed, origin, target, buyer)
        shipment.event_id = logistics_capture.record(session, actor, event)
        shipment.status = ShipmentStatus.SHIPPED
        shipment.shipped_by = actor.name
        shipment.shipped_at = event.event_time
        audit.record(
            session,
            actor=actor.name,
            action="shipment.ship",
            entity="shipment",
            entity_id=shipment.id,
            before={"status": ShipmentStatus.DRAFT.value},
            after={"status": ShipmentStatus.SHIPPED.value, "event_id": shipment.event_id, "units": len(listed)},
        )
        return view(session, shipment)


def desadv(shipment: Shipment, origin: Location) -> str:
    """The despatch advice reference of a shipment as a CBV business transaction identifier."""
    return f"urn:epcglobal:cbv:bt:{origin.gln}:{shipment.reference}"


def shipping_event(
    shipment: Shipment, epcs: list[str], origin: Location, target: Location, buyer: TradingPartner | None
) -> model.ObjectEvent:
    """The shipping ObjectEvent: in transit from our site to the partner's (or our other) site."""
    here = model.Location(id=logistics_capture.place(origin.gln, origin.extension))
    return model.ObjectEvent(
        action="OBSERVE",
        epc_list=[model.Epc(e) for e in epcs],
        event_time=logistics_capture.now(),
        event_time_zone_offset="+00:00",
        biz_step="shipping",
        disposition="in_transit",
        read_point=here,
        biz_location=here,
        biz_transactions=[model.BizTransaction(type="desadv", value=desadv(shipment, origin))],
        sources=[
            model.SourceDest(type="owning_party", value=logistics_capture.party(origin.gln)),
            model.SourceDest(type="location", value=logistics_capture.place(origin.gln, origin.extension)),
        ],
        destinations=[
            model.SourceDest(type="owning_party", value=logistics_capture.party(buyer.gln if buyer else target.gln)),
            model.SourceDest(type="location", value=logistics_capture.place(target.gln, target.extension)),
        ],
    )


def _items(session: Session, shipment_id: int) -> set[str]:
    return set(session.scalars(select(ShipmentItem.epc).where(ShipmentItem.shipment_id == shipment_id)))


def view(session: Session, shipment: Shipment, *, with_items: bool = True) -> dict[str, Any]:
    origin = session.get(Location, shipment.ship_from_id)
    target = session.get(Location, shipment.ship_to_id)
    buyer = session.get(TradingPartner, shipment.partner_id) if shipment.partner_id is not None else None
    assert origin is not None and target is not None
    out: dict[str, Any] = {
        "id": shipment.id,
        "reference": shipment.reference,
        "status": shipment.status.value,
        "partner": {"id": buyer.id, "name": buyer.name, "gln": buyer.gln} if buyer else None,
        "ship_from": {"id": origin.id, "label": place_label(origin), "gln": origin.gln, "address": origin.address},
        "ship_to": {"id": target.id, "label": place_label(target), "gln": target.gln, "address": target.address},
        "created_by": shipment.created_by,
        "created_at": shipment.created_at,
        "shipped_by": shipment.shipped_by,
        "shipped_at": shipment.shipped_at,
        "event_id": shipment.event_id,
        "desadv": desadv(shipment, origin),
    }
    if with_items:
        epcs = session.scalars(
            select(ShipmentItem.epc).where(ShipmentItem.shipment_id == shipment.id).order_by(ShipmentItem.id)
        )
        out["items"] = [summary(session, e) for e in epcs]
        out["packs"] = sum(i["packs"] for i in out["items"])
    return out


def get(database: Database, shipment_id: int) -> dict[str, Any]:
    with database.read() as session:
        shipment = session.get(Shipment, shipment_id)
        if shipment is None:
            raise NotFound(f"no shipment {shipment_id}", field="shipment")
        return view(session, shipment)


def listing(database: Database, status: ShipmentStatus | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The newest shipments first, with their unit counts."""
    with database.read() as session:
        query = select(Shipment).order_by(Shipment.id.desc()).limit(limit)
        if status is not None:
            query = query.where(Shipment.status == status)
        rows = list(session.scalars(query))
        counts = dict(
            session.execute(
                select(ShipmentItem.shipment_id, func.count())
                .where(ShipmentItem.shipment_id.in_([r.id for r in rows]))
                .group_by(ShipmentItem.shipment_id)
            ).all()
        )
        return [{**view(session, r, with_items=False), "units": counts.get(r.id, 0)} for r in rows]
