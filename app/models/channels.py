"""Where a trading partner takes our messages: one row per channel (EPCIS 2.0 push, DSCSA, ...)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class PartnerChannel(Base):
    """A partner's endpoint for one channel; `auth_header` is sent as `Authorization` (a secret)."""

    __tablename__ = "partner_channel"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    partner_id: Mapped[int] = mapped_column(BigInt, ForeignKey("trading_partner.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    endpoint: Mapped[str] = mapped_column(String(2048))
    auth_header: Mapped[str | None] = mapped_column(String(1024))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("partner_id", "channel", name="uq_partner_channel_partner_id"),)
