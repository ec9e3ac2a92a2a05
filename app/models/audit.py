"""The audit trail: append-only, hash-chained rows recording every change and who made it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime


class AuditEntry(Base):
    """One change. `entry_hash` = SHA-256 over `prev_hash` and the row's canonical JSON."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInt, unique=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(120), index=True)
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Single row holding the chain's tip; locking it serialises appends across processes."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInt, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
