"""Events that reached a code through its containers: shipping or receiving a case moves the packs in it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import Database
from app.models import EpcisEvent, EventEpc


def container_events(database: Database, containers: list[str], limit: int = 100) -> list[dict[str, Any]]:
    """Events naming any of `containers` (the code's current ancestors), oldest first, with the container."""
    if not containers:
        return []
    with database.read() as s:
        rows = s.execute(
            select(
                EpcisEvent.event_id,
                EpcisEvent.event_type,
                EpcisEvent.action,
                EpcisEvent.biz_step,
                EpcisEvent.disposition,
                EpcisEvent.event_time,
                EpcisEvent.biz_location,
                EpcisEvent.captured_by,
                EventEpc.epc,
                EventEpc.role,
            )
            .join(EventEpc, EventEpc.event_pk == EpcisEvent.id)
            .where(EventEpc.epc.in_(containers))
            .order_by(EpcisEvent.event_time, EpcisEvent.id)
            .limit(limit)
        ).all()
    return [
        {
            "eventID": r.event_id,
            "type": r.event_type,
            "action": r.action,
            "bizStep": r.biz_step,
            "disposition": r.disposition,
            "eventTime": r.event_time.isoformat(),
            "bizLocation": r.biz_location,
            "by": r.captured_by,
            "role": r.role,
            "via": r.epc,
        }
        for r in rows
    ]
