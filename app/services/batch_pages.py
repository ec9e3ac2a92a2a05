"""Read model for the batch page: the latest events that touched the batch's packs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.extensions import Database
from app.models import CodeState, EpcisEvent
from app.services.batches import get_batch_row


def recent_events(database: Database, batch_id: int, limit: int = 30) -> list[dict[str, Any]]:
    """The latest event of each of the batch's packs, newest first (one pass over the batch's state rows)."""
    with database.read() as s:
        get_batch_row(s, batch_id)
        latest = (
            select(CodeState.last_event_id)
            .where(CodeState.batch_id == batch_id)
            .group_by(CodeState.last_event_id)
            .order_by(func.max(CodeState.updated_at).desc())
            .limit(limit)
        )
        ids = list(s.scalars(latest))
        if not ids:
            return []
        rows = s.execute(
            select(
                EpcisEvent.event_id,
                EpcisEvent.event_type,
                EpcisEvent.action,
                EpcisEvent.biz_step,
                EpcisEvent.event_time,
                EpcisEvent.biz_location,
                EpcisEvent.captured_by,
            )
            .where(EpcisEvent.event_id.in_(ids))
            .order_by(EpcisEvent.event_time.desc(), EpcisEvent.id.desc())
        ).all()
        return [
            {
                "event_id": r.event_id,
                "type": r.event_type,
                "action": r.action,
                "biz_step": r.biz_step,
                "event_time": r.event_time,
                "biz_location": r.biz_location,
                "by": r.captured_by,
            }
            for r in rows
        ]
