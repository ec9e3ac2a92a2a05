"""Where a trading partner takes our messages: one row per channel (EPCIS 2.0 push, DSCSA, ...), with the
credentials and TLS settings the worker uses when it delivers to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class PartnerChannel(Base):
    """A partner's endpoint for one channel. `auth_header` is sent as `Authorization` (a secret); `ca_bundle`
    (PEM) replaces the system trust store for this endpoint; `client_cert`/`client_key` (PEM) answer a
    mutual-TLS request; `tls_verify` off is for test endpoints only."""

    __tablename__ = "partner_channel"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    partner_id: Mapped[int] = mapped_column(BigInt, ForeignKey("trading_partner.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    endpoint: Mapped[str] = mapped_column(String(2048))
    auth_header: Mapped[str | None] = mapped_column(String(1024))
    active: Mapped[bool] = mapped_column(default=True)
    tls_verify: Mapped[bool] = mapped_column(default=True, server_default=true())
    ca_bundle: Mapped[str | None] = mapped_column(Text)
    client_cert: Mapped[str | None] = mapped_column(Text)
    client_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("partner_id", "channel", name="uq_partner_channel_partner_id"),)
