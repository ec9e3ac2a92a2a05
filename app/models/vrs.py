"""Verification requests answered for the Verification Router Service (GS1 Lightweight Messaging)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class VerificationRequest(Base):
    """One request and the verdict given: every verification is logged."""

    __tablename__ = "verification_request"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    corr_uuid: Mapped[str] = mapped_column(String(36), index=True)
    requester_gln: Mapped[str] = mapped_column(String(13))
    principal: Mapped[str] = mapped_column(String(120))
    context: Mapped[str | None] = mapped_column(String(64))
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str] = mapped_column(String(20))
    lot: Mapped[str] = mapped_column(String(20))
    expiry: Mapped[str | None] = mapped_column(String(6))
    verified: Mapped[bool]
    failure_reason: Mapped[str | None] = mapped_column(String(64))
    additional_info: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
