"""Trace a code: where it is, what it holds, what held it, and every event that named it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.errors import NotFound, ValidationFailed
from app.extensions import Database
from app.models import CodeState, EpcisEvent, EventEpc
from app.services import state
from app.services.eventstore import canonical
from epcis import gs1

MAX_TREE = 10_000


def resolve(code: str) -> str:
    """A scanned or typed code (Digital Link, EPC URN, element string with or without `]d2`) as its canonical key."""
    text = code.strip()
    if text.isdigit() and len(text) == 18:
        text = f"(00){text}"  # a bare SSCC as typed from a label
    if text.startswith(("urn:epc:", "http://", "https://")):
        key = canonical(text)
        if key.startswith("https://id.gs1.org/"):
            return key
    try:
        data = gs1.parse(text)
    except gs1.Gs1Error as exc:
        raise ValidationFailed(f"not a code this service can read: {exc}", field="code") from None
    if "00" in data:
        return f"https://id.gs1.org/00/{data['00']}"
    if "01" in data and "21" in data:
        return canonical(gs1.Sgtin(gs1.Gtin.parse(data["01"]), data["21"]).digital_link())
    raise ValidationFailed("the code names no serialised item (01 + 21) or SSCC (00)", field="code")


def state_view(row: CodeState) -> dict[str, Any]:
    return {
        "epc": row.epc,
        "kind": row.kind,
        "gtin": row.gtin,
        "serial": row.serial,
        "batch_id": row.batch_id,
        "status": row.status,
        "disposition": row.disposition,
        "decommission_reason": row.decommission_reason,
        "parent": row.parent,
        "location": row.location,
        "owner": row.owner,
        "last_event_id": row.last_event_id,
        "last_biz_step": row.last_biz_step,
        "updated_at": row.updated_at.isoformat(),
    }


def trace(database: Database, code: str, *, events_limit: int = 200) -> dict[str, Any]:
    """State, ancestors, contents (tree) and the event timeline of one code."""
    key = resolve(code)
    with database.read() as session:
        row = session.get(CodeState, key)
        timeline_rows = session.execute(
            select(
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
            .join(EventEpc, EventEpc.event_pk == EpcisEvent.id)
            .where(EventEpc.epc == key)
            .order_by(EpcisEvent.event_time, EpcisEvent.id)
            .limit(events_limit)
        ).all()
        if row is None and not timeline_rows:
            raise NotFound(f"no record of {key}", field="code")
        contents = state.descendants(session, [key])[:MAX_TREE]
        children: dict[str, list[str]] = {}
        for child in session.scalars(select(CodeState).where(CodeState.epc.in_(contents))) if contents else ():
            children.setdefault(child.parent or "", []).append(child.epc)
        parents_over_time = session.execute(
            select(EventEpc.epc, EpcisEvent.event_time, EpcisEvent.action)
            .join(EpcisEvent, EpcisEvent.id == EventEpc.event_pk)
            .where(
                EventEpc.role == "parent",
                EpcisEvent.id.in_(select(EventEpc.event_pk).where(EventEpc.epc == key, EventEpc.role == "child")),
            )
            .order_by(EpcisEvent.event_time)
        ).all()
        return {
            "epc": key,
            "state": state_view(row) if row else None,
            "ancestors": state.ancestors(session, key) if row else [],
            "contents": _tree(key, children),
            "content_count": len(contents),
            "containers": [{"parent": p, "event_time": t.isoformat(), "action": a} for p, t, a in parents_over_time],
            "events": [
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
                }
                for r in timeline_rows
            ],
        }


def _tree(root: str, children: dict[str, list[str]]) -> list[dict[str, Any]]:
    return [{"epc": c, "contents": _tree(c, children)} for c in sorted(children.get(root, []))]
