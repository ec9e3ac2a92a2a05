"""Events that reached a code through its containers: shipping or receiving a case moves the packs in it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import Database
from app.models import EpcisEvent, EventEpc

# What a timeline shows of an event (with the code's role in it): trace's own timeline and the events that
# reached a code through its containers read the same columns and answer the same entries.
EVENT_COLUMNS = (
    EpcisEvent.event_id,
    EpcisEvent.event_type,
    EpcisEvent.action,
    EpcisEvent.biz_step,
    EpcisEvent.disposition,
    EpcisEvent.event_time,
    EpcisEvent.biz_location,
    EpcisEvent.captured_by,
    EventEpc.role,
)


def entry(row: Any) -> dict[str, Any]:
    """A timeline entry from a row holding `EVENT_COLUMNS`."""
    return {
        "eventID": row.event_id,
        "type": row.event_type,
        "action": row.action,
        "bizStep": row.biz_step,
        "disposition": row.disposition,
        "eventTime": row.event_time.isoformat(),
        "bizLocation": row.biz_location,
        "by": row.captured_by,
        "role": row.role,
    }


def container_events(database: Database, containers: list[str], limit: int = 100) -> list[dict[str, Any]]:
    """Events naming any of `containers` (the code's current ancestors), oldest first, with the container."""
    if not containers:
        return []
    with database.read() as s:
        rows = s.execute(
            select(*EVENT_COLUMNS, EventEpc.epc)
            .join(EventEpc, EventEpc.event_pk == EpcisEvent.id)
            .where(EventEpc.epc.in_(containers))
            .order_by(EpcisEvent.event_time, EpcisEvent.id)
            .limit(limit)
        ).all()
    return [{**entry(r), "via": r.epc} for r in rows]
