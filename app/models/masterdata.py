"""Master data: products (GTIN, serial scheme, national numbers), locations (GLN/SGLN), trading partners."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class SerialSource(enum.StrEnum):
    POOL = "pool"  # generated here by the keyed permutation
    EXTERNAL = "external"  # imported lists (a brand owner supplies the numbers)


class LocationKind(enum.StrEnum):
    SITE = "site"
    LINE = "line"
    WAREHOUSE = "warehouse"
    PARTNER_SITE = "partner_site"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    dosage_form: Mapped[str | None] = mapped_column(String(100))
    strength: Mapped[str | None] = mapped_column(String(100))
    pack_size: Mapped[str | None] = mapped_column(String(100))
    company_prefix_length: Mapped[int]
    ndc: Mapped[str | None] = mapped_column(String(12))
    national_numbers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # market -> "AI:value"
    target_markets: Mapped[list[str]] = mapped_column(JSON, default=list)
    serial_alphabet: Mapped[str] = mapped_column(String(16))
    serial_length: Mapped[int]
    serial_source: Mapped[SerialSource] = mapped_column(_enum(SerialSource, "serial_source"))
    lifetime_volume: Mapped[int] = mapped_column(BigInt)
    resolver_domain: Mapped[str | None] = mapped_column(String(200))  # Digital Link domain; None = service default
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Location(Base):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    gln: Mapped[str] = mapped_column(String(13))
    extension: Mapped[str] = mapped_column(String(20), default="")
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    country: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[LocationKind] = mapped_column(_enum(LocationKind, "location_kind"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("gln", "extension", name="uq_location_gln_extension"),)


class TradingPartner(Base):
    __tablename__ = "trading_partner"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    gln: Mapped[str] = mapped_column(String(13), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
