"""Recall of a batch: every pack with its state and who holds it, as rows or CSV, and the signed recall itself."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.extensions import Database
from app.models import BatchStatus, CodeState, EpcisEvent, EventLink
from app.services import batches
from app.services.places import gln_names, gln_of
from app.services.security import Principal
from app.services.state import SHIPPED

CSV_COLUMNS = [
    "epc",
    "gtin",
    "serial",
    "status",
    "disposition",
    "decommission_reason",
    "container",
    "location",
    "owner",
    "holder",
    "updated_at",
]
CHUNK = 5000
PACK_COLUMNS = (
    CodeState.epc,
    CodeState.gtin,
    CodeState.serial,
    CodeState.status,
    CodeState.disposition,
    CodeState.decommission_reason,
    CodeState.parent,
    CodeState.owner,
    CodeState.location,
    CodeState.last_event_id,
    CodeState.updated_at,
)
MAX_DEPTH = 8  # pack < case < pallet < ...: deeper hierarchies do not occur in pharma logistics


@dataclass(frozen=True)
class Place:
    """Where a code effectively is: its own owner/location, or those of the outermost container that has one."""

    owner: str | None
    location: str | None

    @property
    def key(self) -> str | None:
        return self.owner or self.location


def _places(session: Session, parents: set[str]) -> dict[str, Place]:
    """Container -> effective place, walking up the hierarchy (an outer container's owner wins)."""
    rows: dict[str, tuple[str | None, str | None, str | None]] = {}
    todo = {p for p in parents if p}
    for _ in range(MAX_DEPTH):
        todo -= rows.keys()
        if not todo:
            break
        found = session.execute(
            select(CodeState.epc, CodeState.parent, CodeState.owner, CodeState.location).where(CodeState.epc.in_(todo))
        ).all()
        rows.update({epc: (None, None, None) for epc in todo})  # containers without a state stay unknown
        rows.update({epc: (parent, owner, location) for epc, parent, owner, location in found})
        todo = {parent for _, parent, _, _ in found if parent}

    def resolve(epc: str, depth: int = 0) -> Place:
        parent, owner, location = rows.get(epc, (None, None, None))
        outer = resolve(parent, depth + 1) if parent and depth < MAX_DEPTH else Place(None, None)
        return Place(outer.owner or owner, outer.location or location)

    return {p: resolve(p) for p in parents if p}


def _destinations(session: Session, event_ids: set[str]) -> dict[str, str]:
    """Shipping event -> where it sent the goods (its owning party, else its destination location)."""
    if not event_ids:
        return {}
    found = session.execute(
        select(EpcisEvent.event_id, EventLink.type, EventLink.value)
        .join(EventLink, EventLink.event_pk == EpcisEvent.id)
        .where(EpcisEvent.event_id.in_(event_ids), EventLink.kind == "destination")
    ).all()
    out: dict[str, str] = {}
    for row in sorted(found, key=lambda r: r.type == "owning_party"):
        out[row.event_id] = row.value  # owning_party rows come last, so they win
    return out


def _effective(
    parent: str | None, owner: str | None, location: str | None, containers: dict[str, Place], sent_to: str | None
) -> Place:
    """Shipped goods are held by the shipment's destination; packed goods where their outer container is."""
    if sent_to:
        return Place(sent_to, None)
    outer = containers.get(parent) if parent else None
    return Place((outer.owner if outer else None) or owner, (outer.location if outer else None) or location)


def _holder(place: Place, names: dict[str, str]) -> str:
    gln = gln_of(place.key)
    return names.get(gln, gln) if gln else (place.key or "")


def _row(state: Any, place: Place, names: dict[str, str]) -> dict[str, Any]:
    return {
        "epc": state.epc,
        "gtin": state.gtin,
        "serial": state.serial,
        "status": state.status,
        "disposition": state.disposition,
        "decommission_reason": state.decommission_reason,
        "container": state.parent,
        "location": place.location,
        "owner": place.owner,
        "holder": _holder(place, names),
        "updated_at": state.updated_at.isoformat(),
    }


def _summary(s: Session, batch_id: int) -> dict[str, Any]:
    # Shipped packs are held by their shipment's destination, whatever they are packed in: group those by
    # shipping event only, the others by container and place.
    shipped = CodeState.status == SHIPPED
    parent = case((shipped, None), else_=CodeState.parent)
    shipment = case((shipped, CodeState.last_event_id), else_=None)
    columns = (parent, CodeState.owner, CodeState.location, CodeState.status, shipment)
    groups = s.execute(select(*columns, func.count()).where(CodeState.batch_id == batch_id).group_by(*columns)).all()
    places = _places(s, {g[0] for g in groups if g[0]})
    sent = _destinations(s, {g[4] for g in groups if g[4]})
    keys: set[str] = set()
    by_status: dict[str, int] = {}
    effective = []
    for container, owner, location, status, event_id, n in groups:
        place = _effective(container, owner, location, places, sent.get(event_id) if event_id else None)
        effective.append((place, status, int(n)))
        keys.update(k for k in (place.owner, place.location) if k)
        by_status[status] = by_status.get(status, 0) + int(n)
    names = gln_names(s, keys)
    counted: dict[tuple[str, str], int] = {}
    for place, status, n in effective:
        label = _holder(place, names) or "(unknown)"
        counted[(label, status)] = counted.get((label, status), 0) + n
    return {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "by_holder": [
            {"holder": h, "status": st, "packs": n}
            for (h, st), n in sorted(counted.items(), key=lambda item: (-item[1], item[0]))
        ],
    }


def _packs(s: Session, batch_id: int, limit: int, after: str | None) -> list[dict[str, Any]]:
    query = select(*PACK_COLUMNS).where(CodeState.batch_id == batch_id).order_by(CodeState.epc).limit(limit)
    if after:
        query = query.where(CodeState.epc > after)
    rows = s.execute(query).all()
    containers = _places(s, {r.parent for r in rows if r.parent and r.status != SHIPPED})
    sent = _destinations(s, {r.last_event_id for r in rows if r.status == SHIPPED})
    places = [_effective(r.parent, r.owner, r.location, containers, sent.get(r.last_event_id)) for r in rows]
    names = gln_names(s, {k for p in places for k in (p.owner, p.location) if k})
    return [_row(r, p, names) for r, p in zip(rows, places, strict=True)]


def summary(database: Database, batch_id: int) -> dict[str, Any]:
    """Packs of the batch per status and per holder (partner or location), with the batch."""
    with database.read() as s:
        batch = batches.get_batch_row(s, batch_id)
        return {"batch": batches.batch_view(batch), **_summary(s, batch_id)}


def packs(database: Database, batch_id: int, *, limit: int = 200, after: str | None = None) -> list[dict[str, Any]]:
    """One page of the batch's packs in EPC order (keyset: `after` is the last EPC seen)."""
    with database.read() as s:
        batches.get_batch_row(s, batch_id)
        return _packs(s, batch_id, limit, after)


def page(database: Database, batch_id: int, *, limit: int, after: str | None = None) -> dict[str, Any]:
    """What the recall page shows, in one read: the batch, its summary and one page of packs."""
    with database.read() as s:
        batch = batches.get_batch_row(s, batch_id)
        return {"batch": batches.batch_view(batch), **_summary(s, batch_id), "packs": _packs(s, batch_id, limit, after)}


def csv_lines(database: Database, batch_id: int) -> Iterator[str]:
    """The whole batch as CSV (header first), streamed in chunks of `CHUNK` packs."""
    with database.read() as s:
        batches.get_batch_row(s, batch_id)  # 404 before the first byte
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    yield buffer.getvalue()
    after: str | None = None
    while True:
        chunk = packs(database, batch_id, limit=CHUNK, after=after)
        if not chunk:
            return
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(chunk)
        yield buffer.getvalue()
        after = chunk[-1]["epc"]


def recall(database: Database, actor: Principal, batch_id: int, signature: str) -> dict[str, Any]:
    """Recall the batch with the signed reason: audited with it, and reported like any status change."""
    if not signature.strip():
        raise ValidationFailed("a recall needs a signed reason", field="reason")
    with database.write() as s:
        batch = batches.get_batch_row(s, batch_id, lock=True)
        batches.check_line_scope(actor, batch)
        batches.transition(s, actor, batch, BatchStatus.RECALLED, signature)
        s.flush()
        return batches.batch_view(batch)
