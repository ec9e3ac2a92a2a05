"""Serial pools (one per GTIN), counter ranges reserved by batches, voided and imported serials, SSCCs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class SerialPool(Base):
    """The permutation key and the counter high-water mark of one GTIN's serial space."""

    __tablename__ = "serial_pool"

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    alphabet: Mapped[str] = mapped_column(String(16))
    length: Mapped[int]
    key: Mapped[bytes] = mapped_column(LargeBinary(32))  # secret: never serialised in any answer
    next_counter: Mapped[int] = mapped_column(BigInt, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SerialAllocation(Base):
    """A counter range [start, start + count) of a pool issued to a batch: one row, whatever its size."""

    __tablename__ = "serial_allocation"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    batch_id: Mapped[int] = mapped_column(BigInt, ForeignKey("batch.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14))
    start: Mapped[int] = mapped_column(BigInt)
    count: Mapped[int] = mapped_column(BigInt)
    source: Mapped[str] = mapped_column(String(16), default="pool")
    actor: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_serial_allocation_gtin_start", "gtin", "start"),)


class VoidedSerial(Base):
    """An issued serial handed back unused: it stays out of circulation forever."""

    __tablename__ = "voided_serial"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str] = mapped_column(String(20))
    batch_id: Mapped[int] = mapped_column(BigInt, ForeignKey("batch.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    voided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("gtin", "serial", name="uq_voided_serial_gtin_serial"),)


class ImportedStatus(enum.StrEnum):
    AVAILABLE = "available"
    ISSUED = "issued"
    VOIDED = "voided"


class ImportedSerial(Base):
    """A serial supplied from outside (e.g. by the brand owner to a contract manufacturer)."""

    __tablename__ = "imported_serial"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str] = mapped_column(String(20))
    batch_id: Mapped[int] = mapped_column(BigInt, ForeignKey("batch.id"), index=True)
    status: Mapped[ImportedStatus] = mapped_column(
        Enum(
            ImportedStatus,
            name="imported_status",
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    allocation_id: Mapped[int | None] = mapped_column(BigInt, ForeignKey("serial_allocation.id"))

    __table_args__ = (UniqueConstraint("gtin", "serial", name="uq_imported_serial_gtin_serial"),)


class SsccCounter(Base):
    """Next serial reference per GS1 company prefix: SSCCs are sequential and never reused."""

    __tablename__ = "sscc_counter"

    company_prefix: Mapped[str] = mapped_column(String(12), primary_key=True)
    next_ref: Mapped[int] = mapped_column(BigInt, default=0)


class SsccAllocation(Base):
    """A range of serial references issued as SSCCs under one prefix and extension digit."""

    __tablename__ = "sscc_allocation"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    company_prefix: Mapped[str] = mapped_column(String(12))
    extension_digit: Mapped[int]
    start_ref: Mapped[int] = mapped_column(BigInt)
    count: Mapped[int] = mapped_column(BigInt)
    batch_id: Mapped[int | None] = mapped_column(BigInt, ForeignKey("batch.id"))
    actor: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_sscc_allocation_prefix_start", "company_prefix", "start_ref"),)
