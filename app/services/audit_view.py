"""Reading the audit trail for people: newest entries first, filtered by entity, actor or action."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from app.extensions import Database
from app.models import AuditEntry
from app.services import audit


def entries(
    database: Database,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Entries newest first (`before_seq` pages back), each with its before/after as compact JSON."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    for column, value in (
        (AuditEntry.entity, entity),
        (AuditEntry.entity_id, entity_id),
        (AuditEntry.actor, actor),
        (AuditEntry.action, action),
    ):
        if value:
            query = query.where(column == value)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    with database.read() as s:
        return [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "before": json.dumps(e.before, sort_keys=True) if e.before is not None else "",
                "after": json.dumps(e.after, sort_keys=True) if e.after is not None else "",
                "reason": e.reason,
                "hash": e.entry_hash,
            }
            for e in s.scalars(query)
        ]


def check_chain(database: Database) -> audit.ChainReport:
    """Recompute the hash chain over every entry (read only)."""
    with database.read() as s:
        return audit.verify(s)
