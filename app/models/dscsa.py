"""US DSCSA channel tables: product and address master data for transaction information, the documents
queued (or held back) per shipment, and the partner files imported with a row per code they name."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class DscsaProduct(Base):
    """Transaction information of one GTIN: NDC, drug name, dosage form, strength, container size, maker."""

    __tablename__ = "dscsa_product"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    ndc: Mapped[str] = mapped_column(String(13))
    # `US_FDA_NDC` (GS1 US R1.3) or `FDA_NDC_11` (R1.2 partners).
    ndc_type: Mapped[str] = mapped_column(String(16))
    drug_name: Mapped[str] = mapped_column(String(200))
    dosage_form: Mapped[str] = mapped_column(String(100))
    strength: Mapped[str] = mapped_column(String(100))
    container_size: Mapped[str] = mapped_column(String(100))
    manufacturer: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class DscsaAddress(Base):
    """The name and postal address of a GLN (our sites, partners' sites and parties) for location master data."""

    __tablename__ = "dscsa_address"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    gln: Mapped[str] = mapped_column(String(13), unique=True)
    # Where the GS1 Company Prefix ends in the GLN, so it can be written as an SGLN URN.
    company_prefix_length: Mapped[int | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    street_one: Mapped[str] = mapped_column(String(200))
    street_two: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(50))
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class DscsaShipmentStatus(enum.StrEnum):
    QUEUED = "queued"
    BLOCKED = "blocked"


class DscsaShipment(Base):
    """One shipping event bound for a DSCSA partner: its document queued in the outbox, or held back with
    the reason (missing master data) so people see and fix it; capture never fails for a reporting gap."""

    __tablename__ = "dscsa_shipment"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    partner_id: Mapped[int] = mapped_column(BigInt, ForeignKey("trading_partner.id"), index=True)
    status: Mapped[DscsaShipmentStatus] = mapped_column(
        Enum(
            DscsaShipmentStatus,
            name="dscsa_shipment_status",
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    problem: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class DscsaImport(Base):
    """A partner's DSCSA file taken into the repository; `warnings` lists what was tolerated."""

    __tablename__ = "dscsa_import"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    partner_gln: Mapped[str | None] = mapped_column(String(13), index=True)
    receiver_gln: Mapped[str | None] = mapped_column(String(13))
    document_id: Mapped[str | None] = mapped_column(String(255))
    schema_version: Mapped[str] = mapped_column(String(16))
    guideline: Mapped[str | None] = mapped_column(String(100))
    transaction_statement: Mapped[bool | None] = mapped_column()
    event_count: Mapped[int] = mapped_column()
    stored_count: Mapped[int] = mapped_column()
    code_count: Mapped[int] = mapped_column()
    products: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    imported_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DscsaCode(Base):
    """What one imported file says about one code (canonical URI): product, lot, expiry and container."""

    __tablename__ = "dscsa_code"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    import_id: Mapped[int] = mapped_column(BigInt, ForeignKey("dscsa_import.id", ondelete="CASCADE"), index=True)
    epc: Mapped[str] = mapped_column(String(255))
    gtin: Mapped[str | None] = mapped_column(String(14))
    lot: Mapped[str | None] = mapped_column(String(100))
    expiry: Mapped[str | None] = mapped_column(String(10))
    parent: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (Index("ix_dscsa_code_epc_import_id", "epc", "import_id"),)


__all__ = [
    "DscsaAddress",
    "DscsaCode",
    "DscsaImport",
    "DscsaProduct",
    "DscsaShipment",
    "DscsaShipmentStatus",
]
