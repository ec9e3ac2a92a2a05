"""US DSCSA channel: on each shipment to a partner with an active "dscsa" channel, its EPCIS 1.2 transaction
document is queued in the outbox (HTTPS POST by the worker), or held back with the reason when master data is
missing; the shipment list, retry and preview; and what imported partner files say about scanned codes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound, ValidationFailed
from app.extensions import Database
from app.models import EpcisEvent, PartnerChannel, TradingPartner
from app.models.dscsa import DscsaCode, DscsaImport, DscsaShipment, DscsaShipmentStatus
from app.services import dscsa_document, eventstore, outbox
from app.services.bulk import member
from epcis import model

CHANNEL = "dscsa"
CONTENT_TYPE = "application/xml"
_PARTY = re.compile(r"https://id\.gs1\.org/(?:417|414)/(\d{13})")


def _partner_channel(session: Session, event: model.Event) -> tuple[PartnerChannel, TradingPartner] | None:
    """The active DSCSA channel of the partner a shipment is bound for (destination party or location)."""
    for dest in event.destinations:
        match = _PARTY.match(eventstore.canonical(dest.value))
        if match is None:
            continue
        row = session.execute(
            select(PartnerChannel, TradingPartner)
            .join(TradingPartner, TradingPartner.id == PartnerChannel.partner_id)
            .where(
                TradingPartner.gln == match.group(1), PartnerChannel.channel == CHANNEL, PartnerChannel.active.is_(True)
            )
        ).first()
        if row is not None:
            return row[0], row[1]
    return None


def _queue(
    session: Session, event: model.Event, channel: PartnerChannel, partner: TradingPartner, shipment: DscsaShipment
) -> None:
    """Build and enqueue the document, or record why it cannot be made yet."""
    try:
        body = dscsa_document.build(session, event, partner.gln)
    except dscsa_document.MissingData as exc:
        shipment.status, shipment.problem = DscsaShipmentStatus.BLOCKED, str(exc)
        return
    message = outbox.enqueue(
        session,
        channel=CHANNEL,
        destination=channel.endpoint,
        body=body,
        content_type=CONTENT_TYPE,
        partner_channel_id=channel.id,
        reference=f"{CHANNEL}:{event.event_id}",  # per channel: another channel's refusal does not hold this back
        dedupe_key=f"{CHANNEL}:{channel.id}:{event.event_id}",
    )
    shipment.status, shipment.problem, shipment.message_id = DscsaShipmentStatus.QUEUED, None, message.message_id


def on_captured(session: Session, events: list[model.Event]) -> int:
    """Queue one DSCSA document per shipping event bound for a US partner; returns how many.

    A shipment whose document cannot be made (missing product data or addresses) is recorded as blocked
    with the reason and queues nothing: capture never fails for a reporting gap.
    """
    queued = 0
    for event in events:
        if not isinstance(event, model.ObjectEvent) or event.biz_step != "shipping" or not event.destinations:
            continue
        found = _partner_channel(session, event)
        if found is None or event.event_id is None:
            continue
        if session.scalar(select(DscsaShipment.id).where(DscsaShipment.event_id == event.event_id)) is not None:
            continue
        channel, partner = found
        shipment = DscsaShipment(event_id=event.event_id, partner_id=partner.id, status=DscsaShipmentStatus.BLOCKED)
        session.add(shipment)
        _queue(session, event, channel, partner, shipment)
        session.flush()
        queued += shipment.status is DscsaShipmentStatus.QUEUED
    return queued


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shipment_view(shipment: DscsaShipment) -> dict[str, Any]:
    return {
        "id": shipment.id,
        "eventID": shipment.event_id,
        "partner_id": shipment.partner_id,
        "status": shipment.status.value,
        "problem": shipment.problem,
        "messageID": shipment.message_id,
        "createdAt": _iso(shipment.created_at),
        "updatedAt": _iso(shipment.updated_at),
    }


def list_shipments(database: Database, *, status: str | None, limit: int) -> list[dict[str, Any]]:
    """DSCSA shipments newest first, optionally only `queued` or `blocked` ones."""
    query = select(DscsaShipment).order_by(DscsaShipment.id.desc()).limit(limit)
    if status is not None:
        try:
            query = query.where(DscsaShipment.status == DscsaShipmentStatus(status))
        except ValueError:
            allowed = ", ".join(s.value for s in DscsaShipmentStatus)
            raise ValidationFailed(f"status must be one of {allowed}", field="status") from None
    with database.read() as session:
        return [shipment_view(s) for s in session.scalars(query)]


def _stored_event(session: Session, event_id: str, field: str) -> model.Event:
    body = session.scalar(select(EpcisEvent.body).where(EpcisEvent.event_id == event_id))
    if body is None:
        raise NotFound(f"no stored event {event_id}", field=field)
    return dscsa_document.models([body])[0]


def retry(database: Database, shipment_id: int) -> dict[str, Any]:
    """Build a blocked shipment's document again (after its master data was added) and queue it if complete."""
    with database.write() as session:
        shipment = session.get(DscsaShipment, shipment_id, with_for_update=True)
        if shipment is None:
            raise NotFound(f"no DSCSA shipment {shipment_id}", field="shipment_id")
        if shipment.status is DscsaShipmentStatus.QUEUED:
            return shipment_view(shipment)
        event = _stored_event(session, shipment.event_id, "eventID")
        found = _partner_channel(session, event)
        if found is None:
            shipment.problem = "the partner has no active dscsa channel any more"
        else:
            _queue(session, event, found[0], found[1], shipment)
        session.flush()
        return shipment_view(shipment)


def preview(database: Database, event_id: str, partner_id: int | None) -> bytes:
    """The document a stored shipping event produces (for its destination partner, or `partner_id`)."""
    with database.read() as session:
        event = _stored_event(session, event_id, "eventID")
        if event.biz_step != "shipping" or not isinstance(event, model.ObjectEvent):
            raise ValidationFailed(f"event {event_id} is not a shipping ObjectEvent", field="eventID")
        if partner_id is not None:
            partner = session.get(TradingPartner, partner_id)
            if partner is None:
                raise NotFound(f"no trading partner {partner_id}", field="partner_id")
            gln = partner.gln
        else:
            found = _partner_channel(session, event)
            glns = [m.group(1) for d in event.destinations if (m := _PARTY.match(eventstore.canonical(d.value)))]
            if found is not None:
                gln = found[1].gln
            elif glns:
                gln = glns[0]
            else:
                raise ValidationFailed(
                    "the shipping event names no destination GLN: give partner_id", field="partner_id"
                )
        try:
            return dscsa_document.build(session, event, gln)
        except dscsa_document.MissingData as exc:
            raise ValidationFailed(str(exc), field="eventID") from None


def partner_data(session: Session, codes: list[str]) -> dict[str, dict[str, Any]]:
    """What imported partner files say about `codes` (canonical EPC URIs): code -> its expected data
    (at least `partner_gln`, `gtin`, `lot`, `expiry`, `parent`); codes no file mentions are absent.
    When several files name a code, the latest import wins."""
    out: dict[str, dict[str, Any]] = {}
    keys = list(dict.fromkeys(codes))
    for i in range(0, len(keys), 50_000):
        rows = session.execute(
            select(DscsaCode, DscsaImport.partner_gln, DscsaImport.document_id)
            .join(DscsaImport, DscsaImport.id == DscsaCode.import_id)
            .where(member(session, DscsaCode.epc, keys[i : i + 50_000]))
            .order_by(DscsaCode.import_id)
        )
        for code, partner_gln, document_id in rows:
            out[code.epc] = {
                "partner_gln": partner_gln,
                "gtin": code.gtin,
                "lot": code.lot,
                "expiry": code.expiry,
                "parent": code.parent,
                "import_id": code.import_id,
                "document_id": document_id,
            }
    return out
