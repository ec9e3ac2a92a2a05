"""Micro-batches: one lot of one product, its expiry as printed, its status and where it is made."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, BigInt, UtcDateTime, utcnow
from app.models.masterdata import Product


class BatchStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PRODUCTION = "in_production"
    CLOSED = "closed"
    RELEASED = "released"
    RECALLED = "recalled"


class Batch(Base):
    __tablename__ = "batch"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInt, ForeignKey("product.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str] = mapped_column(String(20))
    expiry: Mapped[str] = mapped_column(String(6))  # YYMMDD exactly as printed (DD may be 00)
    expiry_date: Mapped[date] = mapped_column(Date)  # the date logic uses (DD=00 -> last day of month)
    quantity: Mapped[int] = mapped_column(BigInt)
    site_gln: Mapped[str | None] = mapped_column(String(13))
    line_gln: Mapped[str | None] = mapped_column(String(13), index=True)
    destination_gln: Mapped[str | None] = mapped_column(String(13))
    market: Mapped[str | None] = mapped_column(String(2))
    order_ref: Mapped[str | None] = mapped_column(String(100))
    patient_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[BatchStatus] = mapped_column(
        Enum(
            BatchStatus,
            name="batch_status",
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    issued_count: Mapped[int] = mapped_column(BigInt, default=0)
    voided_count: Mapped[int] = mapped_column(BigInt, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (UniqueConstraint("gtin", "lot", name="uq_batch_gtin_lot"),)
