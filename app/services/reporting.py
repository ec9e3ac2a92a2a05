"""Where the reporting channels hear of changes. Each hook runs inside the transaction of the change, so
the messages it queues in the outbox commit or roll back with it: none is lost, none is sent for nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Batch, BatchStatus
from app.services import dscsa, epcis_push, fmd
from app.services.security import Principal
from epcis import model


def on_captured(session: Session, events: list[model.Event]) -> None:
    """Events just stored: pushes to EPCIS 2.0 partners, DSCSA shipment documents, EU FMD status changes."""
    epcis_push.on_captured(session, events)
    dscsa.on_captured(session, events)
    fmd.on_captured(session, events)


def on_imported(session: Session, events: list[model.Event]) -> None:
    """Events of a partner's imported file: only the EU FMD hub hears of what they do to our own packs. The
    partner's own shipments are theirs to report, not ours to pass on to other partners. An event the file
    declares in error from the start changed nothing (see `state.apply`), so nothing is reported of it."""
    fmd.on_captured(session, [e for e in events if e.error_declaration is None])


def on_batch_status(session: Session, actor: Principal, batch: Batch, before: BatchStatus) -> None:
    """A batch changed status (released, recalled, ...): the EU FMD hub hears of it."""
    fmd.on_batch_status(session, actor, batch, before)
