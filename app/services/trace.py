"""Trace a code: where it is, what it holds, what held it, and every event that named it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import aliased

from app.errors import NotFound, ValidationFailed
from app.extensions import Database
from app.models import CodeState, EpcisEvent, EventEpc
from app.services import timeline
from app.services.eventstore import gs1_key, sgtin_key
from epcis import gs1

MAX_TREE = 10_000


def resolve(code: str) -> str:
    """A scanned or typed code (Digital Link, EPC URN, element string with or without `]d2`) as its canonical key."""
    text = code.strip()
    if text.isdigit() and len(text) == 18:
        text = f"(00){text}"  # a bare SSCC as typed from a label
    if text[:8].lower().startswith("urn:epc:"):
        head = text.split(":", 4)  # urn, epc, id/class, scheme: written in capitals by some scanners' software
        key = gs1_key(":".join([*(part.lower() for part in head[:4]), *head[4:]]))
        if key is None or not key.startswith("https://id.gs1.org/"):
            raise ValidationFailed(f"not an EPC URN of a GS1 key this service can read: {text!r}", field="code")
        return key
    if text.startswith(("http://", "https://")):
        key = gs1_key(text)  # lenient: a link with its lot or expiry in the query string still reads
        if key is not None and key.startswith("https://id.gs1.org/") and _verified(key):
            return key
    try:  # element strings, scans and Digital Links on any domain; check digits and values are verified
        data = gs1.parse(text)
    except gs1.Gs1Error as exc:
        raise ValidationFailed(f"not a code this service can read: {exc}", field="code") from None
    if "00" in data:
        return f"https://id.gs1.org/00/{data['00']}"
    if "01" in data and "21" in data:
        return sgtin_key(data["01"], data["21"])
    raise ValidationFailed("the code names no serialised item (01 + 21) or SSCC (00)", field="code")


def _verified(key: str) -> bool:
    """Whether a key's GS1 values are valid (check digits included): `gs1_key` only rewrites them."""
    try:
        gs1.parse(key)
    except gs1.Gs1Error:
        return False
    return True


def state_view(row: Any) -> dict[str, Any]:
    """A code's state as answered; `row` is a `CodeState` or a row of its columns."""
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


# Statements built once (SQLAlchemy caches their compiled form); each request only binds the key.
_NAMED = aliased(EventEpc)
_CONTAINER = (
    select(_NAMED.epc)
    .where(_NAMED.event_pk == EpcisEvent.id, _NAMED.role == "parent")
    .correlate(EpcisEvent)
    .limit(1)
    .scalar_subquery()
)
_TIMELINE = (
    select(*timeline.EVENT_COLUMNS, _CONTAINER.label("container"))
    .join(EventEpc, EventEpc.event_pk == EpcisEvent.id)
    .where(EventEpc.epc == bindparam("key"))
    .order_by(EpcisEvent.event_time, EpcisEvent.id)
    .limit(bindparam("limit"))
)
_CONTAINERS = (
    select(EventEpc.epc, EpcisEvent.event_time, EpcisEvent.action)
    .join(EpcisEvent, EpcisEvent.id == EventEpc.event_pk)
    .where(
        EventEpc.role == "parent",
        EpcisEvent.id.in_(select(EventEpc.event_pk).where(EventEpc.epc == bindparam("key"), EventEpc.role == "child")),
    )
    .order_by(EpcisEvent.event_time, EpcisEvent.id)
)
_INSIDE = (
    select(CodeState.epc, CodeState.parent).where(CodeState.parent == bindparam("key")).cte("inside", recursive=True)
)
_INSIDE = _INSIDE.union(select(CodeState.epc, CodeState.parent).join(_INSIDE, CodeState.parent == _INSIDE.c.epc))
_CONTENTS = select(_INSIDE.c.epc, _INSIDE.c.parent).limit(MAX_TREE)
_PARENT = select(CodeState.parent).where(CodeState.epc == bindparam("key"))
_STATE = select(*CodeState.__table__.c).where(CodeState.epc == bindparam("key"))  # a plain row, no ORM object


def trace(database: Database, code: str, *, events_limit: int = 200) -> dict[str, Any]:
    """State, ancestors, contents (tree) and the event timeline of one code.

    Three reads whatever the depth: the state, the timeline with the container each packing event
    named, and the contents tree (one recursive query); ancestors follow the state's parent.
    """
    key = resolve(code)
    with database.lookup() as session:
        connection = session.connection()  # Core execution: plain rows, none of the ORM's per-statement work
        row = connection.execute(_STATE, {"key": key}).first()
        timeline_rows = connection.execute(_TIMELINE, {"key": key, "limit": events_limit + 1}).all()
        if row is None and not timeline_rows:
            raise NotFound(f"no record of {key}", field="code")
        if len(timeline_rows) > events_limit:
            timeline_rows = timeline_rows[:events_limit]
            containers = _containers(connection, key)  # the timeline is cut short: read them all
        else:
            containers = [
                {"parent": r.container, "event_time": r.event_time.isoformat(), "action": r.action}
                for r in timeline_rows
                if r.role == "child" and r.container is not None
            ]
        tree: dict[str, list[str]] = {}
        for epc, parent in connection.execute(_CONTENTS, {"key": key}):
            tree.setdefault(parent, []).append(epc)
        return {
            "epc": key,
            "state": state_view(row) if row else None,
            "ancestors": _ancestors(connection, row.parent) if row else [],
            "contents": _tree(key, tree),
            "content_count": sum(len(c) for c in tree.values()),
            "containers": containers,
            "events": [timeline.entry(r) for r in timeline_rows],
        }


def _containers(connection: Connection, key: str) -> list[dict[str, Any]]:
    rows = connection.execute(_CONTAINERS, {"key": key})
    return [{"parent": p, "event_time": t.isoformat(), "action": a} for p, t, a in rows]


def _ancestors(connection: Connection, parent: str | None) -> list[str]:
    """The containers above a code whose parent is `parent`, innermost first."""
    chain: list[str] = []
    while parent is not None and parent not in chain:
        chain.append(parent)
        parent = connection.scalar(_PARENT, {"key": parent})
    return chain


def _tree(root: str, children: dict[str, list[str]]) -> list[dict[str, Any]]:
    return [{"epc": c, "contents": _tree(c, children)} for c in sorted(children.get(root, []))]
