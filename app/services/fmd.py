"""EU FMD channel: pack data, status changes and recalls for the EU hub (being built)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import Batch, BatchStatus
from app.services.security import Principal
from epcis import model


def on_captured(session: Session, events: list[model.Event]) -> int:
    """Queue the hub messages the stored events call for; returns how many."""
    return 0


def on_batch_status(session: Session, actor: Principal, batch: Batch, before: BatchStatus) -> int:
    """Queue the hub messages a batch status change calls for; returns how many."""
    return 0


def recent_alerts(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The newest alerts the hub raised, newest first (the UI dashboard shows them)."""
    return []
