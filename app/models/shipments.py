"""Shipments and receipts recorded through the web UI: what was packed for whom, and what arrived where."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class ShipmentStatus(enum.StrEnum):
    DRAFT = "draft"
    SHIPPED = "shipped"


class ReceiptStatus(enum.StrEnum):
    OPEN = "open"
    RECEIVED = "received"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Shipment(Base):
    """An outgoing delivery: draft while it is being packed, shipped once its shipping event is captured.

    No partner means a transfer between our own locations."""

    __tablename__ = "shipment"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(BigInt, ForeignKey("trading_partner.id"), index=True)
    ship_from_id: Mapped[int] = mapped_column(BigInt, ForeignKey("location.id"))
    ship_to_id: Mapped[int] = mapped_column(BigInt, ForeignKey("location.id"))
    status: Mapped[ShipmentStatus] = mapped_column(_enum(ShipmentStatus, "shipment_status"), index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    shipped_by: Mapped[str | None] = mapped_column(String(200))
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    event_id: Mapped[str | None] = mapped_column(String(255))

    @property
    def reference(self) -> str:
        """The despatch advice number printed on the packing list and named in the shipping event."""
        return f"SHP-{self.id:06d}"


class ShipmentItem(Base):
    """One top-level unit (pallet, case or pack) scanned into a shipment, as its canonical Digital Link."""

    __tablename__ = "shipment_item"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(BigInt, ForeignKey("shipment.id", ondelete="CASCADE"), index=True)
    epc: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # sgtin | sscc
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("shipment_id", "epc", name="uq_shipment_item_shipment_id"),)


class Receipt(Base):
    """A receiving session for one incoming delivery at one of our locations.

    What is expected comes from our own shipment (`shipment_id`: a transfer or a return) or from the
    partner's imported data (`partner_id`)."""

    __tablename__ = "receipt"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    location_id: Mapped[int] = mapped_column(BigInt, ForeignKey("location.id"))
    partner_id: Mapped[int | None] = mapped_column(BigInt, ForeignKey("trading_partner.id"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(BigInt, ForeignKey("shipment.id"), index=True)
    status: Mapped[ReceiptStatus] = mapped_column(_enum(ReceiptStatus, "receipt_status"), index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    received_by: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    event_id: Mapped[str | None] = mapped_column(String(255))


class ReceiptItem(Base):
    """One code scanned at receiving, with the lot and expiry its barcode carried (when it carried them)."""

    __tablename__ = "receipt_item"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(BigInt, ForeignKey("receipt.id", ondelete="CASCADE"), index=True)
    epc: Mapped[str] = mapped_column(String(255))
    lot: Mapped[str | None] = mapped_column(String(20))
    expiry: Mapped[str | None] = mapped_column(String(6))  # YYMMDD as printed
    scanned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("receipt_id", "epc", name="uq_receipt_item_receipt_id"),)
