"""Outbox: messages that leave the service, written in the transaction of the change that causes them,
and every delivery attempt made for them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    NEEDS_ATTENTION = "needs_attention"
    CANCELLED = "cancelled"


class OutboxMessage(Base):
    """One message to POST to `destination`; `message_id` is the stable id receivers de-duplicate on."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    channel: Mapped[str] = mapped_column(String(64), index=True)
    # What the message is about (e.g. `subscription:<id>`), so related messages can be found or cancelled.
    reference: Mapped[str | None] = mapped_column(String(255), index=True)
    destination: Mapped[str] = mapped_column(String(2048))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(255))
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(
            OutboxStatus,
            name="outbox_status",
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set when a worker claims the message; only that worker may reschedule it afterwards.
    claim_token: Mapped[str | None] = mapped_column(String(36))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The partner channel whose credentials and TLS settings apply at delivery time (read then, not copied
    # here, so a rotated credential reaches messages already queued).
    partner_channel_id: Mapped[int | None] = mapped_column(
        BigInt, ForeignKey("partner_channel.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),)


class OutboxAttempt(Base):
    """One delivery attempt: when, the HTTP status or the error, a truncated reply and how long it took."""

    __tablename__ = "outbox_attempt"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    message_pk: Mapped[int] = mapped_column(BigInt, ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    http_status: Mapped[int | None] = mapped_column()
    response_summary: Mapped[str | None] = mapped_column(String(1000))
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column()


__all__ = ["OutboxAttempt", "OutboxMessage", "OutboxStatus"]
