"""EPCIS 2.0 named queries and their webhook subscriptions (stream or schedule)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class NamedQuery(Base):
    """A stored SimpleEventQuery: the definition as given, and its REST parameters (name -> values)."""

    __tablename__ = "epcis_named_query"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    params: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    extensions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Subscription(Base):
    """A webhook subscription to a named query: notified on capture (`stream`) or on a cron-like `schedule`.

    `min_record_time` is the high-water mark of scheduled runs: the next run reports events recorded at or
    after it. The signature token is kept in clear because every notification is signed with it.
    """

    __tablename__ = "epcis_subscription"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    query_pk: Mapped[int] = mapped_column(BigInt, ForeignKey("epcis_named_query.id", ondelete="CASCADE"), index=True)
    dest: Mapped[str] = mapped_column(String(2048))
    signature_token: Mapped[str | None] = mapped_column(String(255))
    stream: Mapped[bool] = mapped_column(default=False, index=True)
    schedule: Mapped[dict[str, str] | None] = mapped_column(JSON)
    report_if_empty: Mapped[bool] = mapped_column(default=False)
    initial_record_time: Mapped[datetime] = mapped_column(UtcDateTime)
    min_record_time: Mapped[datetime] = mapped_column(UtcDateTime)
    next_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


__all__ = ["NamedQuery", "Subscription"]
