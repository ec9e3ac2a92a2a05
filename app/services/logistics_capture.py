"""Capturing a logistics event inside the caller's transaction, with the same rules and hooks as EPCIS capture.

Shipping, receiving and decommissioning from the web UI change a record of ours (shipment status, receipt,
audit entry with a signature) together with the event; both must commit or roll back as one. This runs the
steps of `capture.capture_event` (pharma rules and live state, storage, subscriptions, reporting channels)
on the session the caller already holds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from sqlalchemy.orm import Session

from app.errors import Conflict, ValidationFailed
from app.services import eventstore, reporting, state, subscriptions
from app.services.security import Principal
from epcis import model
from epcis.hashing import event_hash

PGLN = "https://id.gs1.org/417/"
SGLN = "https://id.gs1.org/414/"


def party(gln: str) -> model.Epc:
    """A party GLN (owning party of a source or destination) as its Digital Link."""
    return model.Epc(PGLN + gln)


def place(gln: str, extension: str = "") -> model.Epc:
    """A physical location (GLN with optional SGLN extension) as its Digital Link."""
    return model.Epc(SGLN + gln + (f"/254/{quote(extension, safe='')}" if extension else ""))


def now() -> datetime:
    """The event time of an action taken now, to the millisecond as EPCIS writes it."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def record(session: Session, actor: Principal, event: model.Event, *, field: str = "code") -> str:
    """Apply the rules to `event`, store it and queue what it triggers; returns its eventID.

    A broken rule raises `ValidationFailed` naming `field` (the caller's input), so the caller's
    transaction rolls back with nothing written.
    """
    digest = event_hash(event)
    event.event_id = event.event_id or digest
    if eventstore.find(session, event.event_id) is not None:
        raise Conflict(f"this event was already recorded ({event.event_id}); nothing changed", field=field)
    try:
        state.apply(session, event, state.Context())
    except state.RuleViolation as exc:
        raise ValidationFailed(exc.detail, field=field) from None
    eventstore.store(
        session, event, record_time=datetime.now(UTC), captured_by=actor.name, capture_id=None, hash_id=digest
    )
    subscriptions.on_captured(session, [event.event_id])
    reporting.on_captured(session, [event])
    return event.event_id
