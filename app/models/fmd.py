"""EU FMD channel tables: the hub's product data per market, the messages sent per batch, the alerts back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class FmdProduct(Base):
    """What the EU hub needs of a product beyond its master data (common elements of the PMD upload)."""

    __tablename__ = "fmd_product"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    product_id: Mapped[int] = mapped_column(BigInt, ForeignKey("product.id", ondelete="CASCADE"), unique=True)
    common_name: Mapped[str] = mapped_column(String(255))
    pharmaceutical_form: Mapped[str] = mapped_column(String(255))
    strength: Mapped[str] = mapped_column(String(255))
    pack_type: Mapped[str] = mapped_column(String(255))
    pack_size: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    markets: Mapped[list[FmdMarket]] = relationship(
        back_populates="fmd_product", cascade="all, delete-orphan", order_by="FmdMarket.market", lazy="selectin"
    )


class FmdMarket(Base):
    """Per-market data of a product: national code and marketing authorisation holder; withdrawal is final."""

    __tablename__ = "fmd_market"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    fmd_product_id: Mapped[int] = mapped_column(BigInt, ForeignKey("fmd_product.id", ondelete="CASCADE"), index=True)
    market: Mapped[str] = mapped_column(String(2))
    national_code: Mapped[str | None] = mapped_column(String(255))
    mah_id: Mapped[str] = mapped_column(String(255))
    mah_name: Mapped[str] = mapped_column(String(255))
    mah_address: Mapped[str] = mapped_column(String(1000))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(String(1000))

    fmd_product: Mapped[FmdProduct] = relationship(back_populates="markets")

    __table_args__ = (UniqueConstraint("fmd_product_id", "market", name="uq_fmd_market_fmd_product_id"),)


class FmdMessage(Base):
    """One message queued for the hub (its outbox row has the same `message_id`), with what it carries."""

    __tablename__ = "fmd_message"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # ProductMasterData, PackData, BatchRecall, ...
    product_id: Mapped[int] = mapped_column(BigInt, ForeignKey("product.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(BigInt, ForeignKey("batch.id"), index=True)
    pack_status: Mapped[str | None] = mapped_column(String(16))
    undo: Mapped[bool] = mapped_column(default=False)
    part: Mapped[int] = mapped_column(default=1)
    parts: Mapped[int] = mapped_column(default=1)
    packs: Mapped[int] = mapped_column(BigInt, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class FmdAlert(Base):
    """An alert the hub raised and sent back (kept once per hub alert id), and who acknowledged it."""

    __tablename__ = "fmd_alert"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(255), unique=True)
    code: Mapped[str] = mapped_column(String(8), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    market: Mapped[str | None] = mapped_column(String(2))
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str | None] = mapped_column(String(20))
    serial: Mapped[str | None] = mapped_column(String(20))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(1000))


__all__ = ["FmdAlert", "FmdMarket", "FmdMessage", "FmdProduct"]
