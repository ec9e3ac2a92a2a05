"""EU FMD channel: product master data per market, pack data on batch release (split into parts), batch
recall, product withdrawal and pack status changes for the EU hub, queued in the outbox inside the
transaction of the change, and what was sent for each batch. Product data is `fmd_products`, the alerts the
hub sends back `fmd_alerts`.

Pack statuses follow the decommissionings the EPCIS state records (`app.services.state`): the reason of a
decommissioning (its `decommissionReason` extension, else its CBV disposition) names the hub status, and an
error declaration of it is the undo. Nothing is sent for a batch until it is released; at release the pack
data goes first, then the status of packs already decommissioned. Only products with EU FMD data are
reported, and never a batch made for a market outside the EEA.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import FMD_CHANNEL, Config
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import Database
from app.models import AuditEntry, Batch, BatchStatus, CodeState, OutboxMessage
from app.models.base import utcnow
from app.models.fmd import FmdMessage, FmdProduct
from app.services import eventstore, outbox
from app.services import fmd_format as fmt
from app.services.bulk import member
from app.services.security import Principal
from app.services.state import DISPOSITION_REASON, REASON_FIELD
from epcis import model

CHANNEL = FMD_CHANNEL
SCHEME = "GTIN"  # this service's products are GTINs; the format also carries PPNs for gateways
# Decommissioning reason (app.services.state.REASONS) -> hub pack status. "recalled" and "expired" have
# none: a recall is a batch message and the hub derives expiry itself.
STATUS_FOR_REASON = {
    "dispensed": "supplied",
    "exported": "exported",
    "sample": "sample",
    "free_sample": "free_sample",
    "locked": "locked",
    "stolen": "stolen",
    "destroyed": "destroyed",
}
# Member states of the EU plus Iceland, Liechtenstein and Norway (EEA), where the FMD applies.
EEA = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT"}
    | {"LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"}
)


@dataclass(frozen=True)
class Hub:
    """Where and how messages go: the hub's message URL, our sender id, the split size. (The hub's token is
    added by the worker at delivery time, from the settings: it is never stored in a message.)"""

    url: str
    sender: str | None = None
    split_size: int = 250_000


def hub_of(config: Config) -> Hub | None:
    """The channel's settings, or None when no hub URL is configured (the channel is off)."""
    if not config.fmd_hub_url:
        return None
    return Hub(config.fmd_hub_url, config.fmd_sender_id, max(1, config.fmd_split_size))


def _current_hub() -> Hub | None:
    """The hub of the app handling the current request or command (hooks get no config of their own)."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return None
    config: Config = current_app.extensions["custody.config"]
    return hub_of(config)


def require_hub(hub: Hub | None) -> Hub:
    if hub is None:
        raise Conflict("the EU FMD channel is off: set CUSTODY_FMD_HUB_URL", field="hub")
    return hub


# -- queueing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class About:
    """What a queued message is about, kept beside it (`FmdMessage`) for the per-batch listing."""

    product_id: int
    batch_id: int | None = None
    pack_status: str | None = None
    undo: bool = False
    part: int = 1
    parts: int = 1
    packs: int = 0


def queue(session: Session, hub: Hub, doc: fmt.Document, what: About, *, reference: str, dedupe_key: str) -> str:
    """Build and validate the document, queue it in the caller's transaction; returns the message id."""
    try:
        body = fmt.build(doc, created=utcnow(), sender=hub.sender)
    except fmt.FormatError as exc:
        raise ValidationFailed(
            f"the EU hub {type(doc).__name__} would break its schema: {exc.detail}", field="fmd"
        ) from None
    message = outbox.enqueue(
        session,
        channel=CHANNEL,
        destination=hub.url,
        body=body,
        content_type=fmt.CONTENT_TYPE,
        reference=reference,
        dedupe_key=dedupe_key,
    )
    if session.scalar(select(FmdMessage.id).where(FmdMessage.message_id == message.message_id)) is None:
        session.add(
            FmdMessage(
                message_id=message.message_id,
                kind=type(doc).__name__,
                product_id=what.product_id,
                batch_id=what.batch_id,
                pack_status=what.pack_status,
                undo=what.undo,
                part=what.part,
                parts=what.parts,
                packs=what.packs,
            )
        )
        session.flush()
    return message.message_id


def split(serials: Sequence[str], size: int) -> list[Sequence[str]]:
    """The serial list in parts of at most `size`, in order (none for an empty list)."""
    return [serials[i : i + size] for i in range(0, len(serials), size)]


def fmd_product(session: Session, product_id: int) -> FmdProduct | None:
    return session.scalar(select(FmdProduct).where(FmdProduct.product_id == product_id))


def _reported(session: Session, batch: Batch) -> bool:
    """A batch the hub hears of: its product has EU FMD data and it is not made for a market outside the EEA."""
    if batch.market is not None and batch.market not in EEA:
        return False
    return fmd_product(session, batch.product_id) is not None


def _status_messages(
    session: Session, hub: Hub, batch: Batch, status: str, serials: list[str], *, undo: bool, key: str
) -> int:
    parts = split(sorted(serials), hub.split_size)
    for index, chunk in enumerate(parts, start=1):
        doc = fmt.PackStatusChange(batch.gtin, SCHEME, batch.lot, status, undo, chunk)
        what = About(batch.product_id, batch.id, status, undo, index, len(parts), len(chunk))
        queue(session, hub, doc, what, reference=f"fmd:batch:{batch.id}", dedupe_key=f"{key}:{index}")
    return len(parts)


def on_captured(session: Session, events: list[model.Event]) -> int:
    """Queue the hub messages the stored events call for; returns how many."""
    hub = _current_hub()
    if hub is None:
        return 0
    queued = 0
    for event in events:
        if not isinstance(event, model.ObjectEvent) or event.action != "DELETE":
            continue
        reason = next((x.text for x in event.extensions if x.name == REASON_FIELD), None)
        status = STATUS_FOR_REASON.get(reason or DISPOSITION_REASON.get(event.disposition or "") or "")
        if status is None:
            continue
        epcs = [eventstore.canonical(e) for e in event.epc_list]
        by_batch: dict[int, list[str]] = defaultdict(list)
        for batch_id, serial in session.execute(
            select(CodeState.batch_id, CodeState.serial).where(
                member(session, CodeState.epc, epcs), CodeState.kind == "sgtin", CodeState.batch_id.is_not(None)
            )
        ):
            if batch_id is not None and serial is not None:
                by_batch[batch_id].append(serial)
        declared = event.error_declaration
        for batch_id, serials in sorted(by_batch.items()):
            # Locked: a release running meanwhile either sees this change in its upload or is seen here as done.
            batch = session.get(Batch, batch_id, with_for_update=True)
            if batch is None or batch.status is not BatchStatus.RELEASED or not _reported(session, batch):
                continue  # before release the hub knows nothing of the batch; the upload will carry the state
            key = f"fmd:status:{event.event_id}:{batch_id}"
            if declared is not None:
                key = f"fmd:undo:{event.event_id}:{declared.declaration_time.isoformat()}:{batch_id}"
            queued += _status_messages(session, hub, batch, status, serials, undo=declared is not None, key=key)
    return queued


def on_batch_status(session: Session, actor: Principal, batch: Batch, before: BatchStatus) -> int:
    """Queue the hub messages a batch status change calls for; returns how many."""
    hub = _current_hub()
    if hub is None or not _reported(session, batch):
        return 0
    if batch.status is BatchStatus.RELEASED and before is not BatchStatus.RELEASED:
        return _release(session, hub, batch)
    if batch.status is BatchStatus.RECALLED and before is BatchStatus.RELEASED:
        reason = session.scalar(
            select(AuditEntry.reason)
            .where(
                AuditEntry.entity == "batch", AuditEntry.entity_id == str(batch.id), AuditEntry.action == "batch.status"
            )
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        )
        doc = fmt.BatchRecall(batch.gtin, SCHEME, batch.lot, reason or "recalled")
        queue(
            session,
            hub,
            doc,
            About(batch.product_id, batch.id),
            reference=f"fmd:batch:{batch.id}",
            dedupe_key=f"fmd:recall:{batch.id}",
        )
        return 1
    return 0


def _release(session: Session, hub: Hub, batch: Batch) -> int:
    """Pack data of every commissioned pack of the batch in parts of `split_size`, then the statuses of the
    packs already decommissioned (the hub can only take a status for a pack it holds)."""
    # Core rows through the session's connection: no ORM row processing for a million packs.
    rows = (
        session.connection()
        .execute(
            select(CodeState.serial, CodeState.status, CodeState.decommission_reason)
            .where(CodeState.batch_id == batch.id, CodeState.kind == "sgtin")
            .order_by(CodeState.serial)
        )
        .all()
    )
    if not rows:
        return 0
    serials = [serial for serial, _, _ in rows if serial is not None]
    parts = split(serials, hub.split_size)
    for index, chunk in enumerate(parts, start=1):
        doc = fmt.PackData(batch.gtin, SCHEME, batch.lot, batch.expiry, chunk, index, len(parts))
        what = About(batch.product_id, batch.id, part=index, parts=len(parts), packs=len(chunk))
        queue(
            session,
            hub,
            doc,
            what,
            reference=f"fmd:batch:{batch.id}",
            dedupe_key=f"fmd:pack:{batch.id}:{index}/{len(parts)}",
        )
    queued = len(parts)
    gone: dict[str, list[str]] = defaultdict(list)
    for serial, state, reason in rows:
        status = STATUS_FOR_REASON.get(reason or "")
        if state == "decommissioned" and status is not None and serial is not None:
            gone[status].append(serial)
    for status, listed in sorted(gone.items()):
        key = f"fmd:release-status:{batch.id}:{status}"
        queued += _status_messages(session, hub, batch, status, listed, undo=False, key=key)
    return queued


# -- what was sent for a batch ------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def batch_messages(database: Database, batch_id: int) -> dict[str, Any]:
    """Every hub message of a batch in the order queued, with its delivery state; `uploaded` once every
    pack data part was delivered."""
    with database.read() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFound(f"no batch with id {batch_id}", field="batch_id")
        rows = session.execute(
            select(FmdMessage, OutboxMessage)
            .join(OutboxMessage, OutboxMessage.message_id == FmdMessage.message_id)
            .where(FmdMessage.batch_id == batch_id)
            .order_by(FmdMessage.id)
        ).all()
        items = [
            {
                "messageID": m.message_id,
                "kind": m.kind,
                "packStatus": m.pack_status,
                "undo": m.undo,
                "part": m.part,
                "parts": m.parts,
                "packs": m.packs,
                "status": o.status.value,
                "attempts": o.attempts,
                "lastError": o.last_error,
                "createdAt": _iso(m.created_at),
                "deliveredAt": _iso(o.delivered_at),
            }
            for m, o in rows
        ]
        uploads = [i for i in items if i["kind"] == "PackData"]
        return {
            "batch_id": batch.id,
            "gtin": batch.gtin,
            "lot": batch.lot,
            "packs_uploaded": sum(i["packs"] for i in uploads if i["status"] == "delivered"),
            "uploaded": bool(uploads) and all(i["status"] == "delivered" for i in uploads),
            "messages": items,
        }


def recent_alerts(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The newest alerts the hub raised, newest first (the UI dashboard shows them)."""
    from app.services import fmd_alerts

    return fmd_alerts.recent(session, limit)
