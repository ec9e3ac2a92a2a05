"""Audit trail: append hash-chained entries in the caller's transaction; verify the whole chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, AuditHead
from app.models.base import utcnow

GENESIS = "0" * 64


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def entry_digest(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any,
    after: Any,
    reason: str | None,
) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON (sorted keys, no spaces)."""
    body = json.dumps(
        [
            seq,
            at.isoformat(timespec="microseconds"),
            actor,
            action,
            entity,
            entity_id,
            _canonical(before),
            _canonical(after),
            reason,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def ensure_head(session: Session) -> None:
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, seq=0, last_hash=GENESIS))


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    """Append one entry; the head row is locked so concurrent writers chain in order."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
    at = utcnow()
    seq = head.seq + 1
    before_c, after_c = _canonical(before), _canonical(after)
    digest = entry_digest(head.last_hash, seq, at, actor, action, entity, str(entity_id), before_c, after_c, reason)
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before_c,
        after=after_c,
        reason=reason,
        prev_hash=head.last_hash,
        entry_hash=digest,
    )
    head.seq, head.last_hash = seq, digest
    session.add(entry)
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session, batch_size: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first entry whose link or content was changed."""
    prev, expected_seq, count, last_id = GENESIS, 1, 0, 0
    while True:
        rows = (
            session.execute(select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch_size))
            .scalars()
            .all()
        )
        if not rows:
            break
        for e in rows:
            if e.seq != expected_seq:
                return ChainReport(count, False, e.seq, f"sequence gap: expected {expected_seq}, found {e.seq}")
            if e.prev_hash != prev:
                return ChainReport(count, False, e.seq, "previous-hash link broken")
            digest = entry_digest(
                prev, e.seq, e.at, e.actor, e.action, e.entity, e.entity_id, e.before, e.after, e.reason
            )
            if digest != e.entry_hash:
                return ChainReport(count, False, e.seq, "entry content does not match its hash")
            prev, expected_seq, count, last_id = e.entry_hash, expected_seq + 1, count + 1, e.id
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.last_hash != prev):
        return ChainReport(count, False, head.seq, "chain head does not match the last entry (entries removed?)")
    return ChainReport(count, True)
