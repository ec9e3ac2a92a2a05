"""Single-event reads (`/events/{eventID}`) and the value listings behind `/epcs`, `/bizSteps` and the like."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.models import EpcisEvent, EventEpc
from app.services.eventstore import canonical, find
from app.services.query.run import event_body

_LISTED: dict[str, Any] = {
    "epcs": EventEpc.epc,
    "bizSteps": EpcisEvent.biz_step,
    "bizLocations": EpcisEvent.biz_location,
    "readPoints": EpcisEvent.read_point,
    "dispositions": EpcisEvent.disposition,
    "eventTypes": EpcisEvent.event_type,
}


def has_value(session: Session, kind: str, value: str) -> bool:
    """Whether `value` (in any form a query accepts: URN or Digital Link, CBV URN or bare word) is stored as
    a `kind` (`epcs`, `bizSteps`, ...): what `/{kind}/{value}` answers 404 for when not."""
    from epcis import cbv

    if kind in ("epcs", "bizLocations", "readPoints"):
        key = canonical(value)
    elif kind in ("bizSteps", "dispositions"):
        key = cbv.bare(kind[:-1], value)
    else:
        key = value
    column = _LISTED[kind]
    return session.scalar(select(column).where(column == key).limit(1)) is not None


def event_with_error_declarations(session: Session, event_id: str) -> list[dict[str, Any]] | None:
    """The event and the error declarations of it, oldest capture first; None when no such event.

    An error declaration repeats the erroneous event with an `errorDeclaration` added (EPCIS 2.0
    §7.4.1.2). The standard has it reuse the eventID, but event IDs are unique here, so the two are tied
    by their event hash, which leaves `errorDeclaration` out: every stored event with the same hash is
    the same event, as first recorded or as declared in error.
    """
    row = find(session, event_id)
    if row is None:
        return None
    same = session.scalars(
        select(EpcisEvent)
        .where(EpcisEvent.hash_id == row.hash_id, EpcisEvent.id != row.id)
        .order_by(EpcisEvent.record_time, EpcisEvent.id)
    )
    declarations = [other for other in same if other.error_declaration_time is not None]
    return [event_body(r) for r in sorted([row, *declarations], key=lambda r: (r.record_time, r.id))]


def distinct_values(session: Session, kind: str, after: str | None, limit: int) -> list[str]:
    """Up to `limit` distinct stored values of `kind`, in code-point order, after `after` (exclusive)."""
    if kind not in _LISTED:
        raise ValueError(f"unknown listing {kind!r}: expected one of {', '.join(_LISTED)}")
    if limit < 1:
        raise ValueError(f"limit must be positive, got {limit}")
    column = _LISTED[kind]
    # PostgreSQL sorts text by locale unless told otherwise; "C" is code-point order, as SQLite does.
    bind = session.get_bind()
    key: ColumnElement[str] = column.collate("C") if bind.dialect.name == "postgresql" else column
    stmt = select(key).distinct().where(column.is_not(None)).order_by(key).limit(limit)
    if after is not None:
        stmt = stmt.where(key > after)
    return list(session.scalars(stmt))
