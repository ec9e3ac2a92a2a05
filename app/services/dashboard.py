"""The dashboard's figures: batches in production, line activity, outbox health and hub alerts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.extensions import Database
from app.models import Batch, BatchStatus, EpcisEvent, OutboxMessage
from app.models.base import utcnow
from app.services import fmd

ACTIVITY_WINDOW = timedelta(hours=24)


def summary(database: Database, *, limit: int = 20) -> dict[str, Any]:
    """Everything the dashboard shows, read in one session (a handful of indexed aggregate queries)."""
    since = utcnow() - ACTIVITY_WINDOW
    with database.read() as s:
        in_production = s.scalars(
            select(Batch).where(Batch.status == BatchStatus.IN_PRODUCTION).order_by(Batch.id.desc()).limit(limit)
        ).all()
        activity = s.execute(
            select(
                func.coalesce(EpcisEvent.read_point, EpcisEvent.biz_location).label("place"),
                func.count().label("events"),
                func.max(EpcisEvent.event_time).label("last"),
            )
            .where(EpcisEvent.record_time >= since)
            .group_by(func.coalesce(EpcisEvent.read_point, EpcisEvent.biz_location))
            .order_by(func.count().desc())
            .limit(limit)
        ).all()
        outbox = dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        alerts = fmd.recent_alerts(s, limit)
        return {
            "in_production": [
                {"id": b.id, "gtin": b.gtin, "lot": b.lot, "name": b.product.name, "issued": b.issued_count}
                for b in in_production
            ],
            "activity": [{"place": r.place or "(no location)", "events": r.events, "last": r.last} for r in activity],
            "outbox": {str(k): int(v) for k, v in outbox.items()},
            "alerts": alerts,
        }
