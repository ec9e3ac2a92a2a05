"""EPCIS repository: events stored once (with their JSON-LD form and hash ID), indexed rows for the
fields queries use, capture jobs, and the live state of every code this service tracks."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class EpcisEvent(Base):
    """One event. `body` is its EPCIS 2.0 JSON-LD form, the canonical record returned by queries."""

    __tablename__ = "epcis_event"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    hash_id: Mapped[str] = mapped_column(String(100), index=True)
    event_type: Mapped[str] = mapped_column(String(24))
    action: Mapped[str | None] = mapped_column(String(8))
    event_time: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    event_time_zone_offset: Mapped[str] = mapped_column(String(6))
    record_time: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    biz_step: Mapped[str | None] = mapped_column(String(255), index=True)
    disposition: Mapped[str | None] = mapped_column(String(255))
    read_point: Mapped[str | None] = mapped_column(String(255), index=True)
    biz_location: Mapped[str | None] = mapped_column(String(255), index=True)
    transformation_id: Mapped[str | None] = mapped_column(String(255))
    error_declaration_time: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error_reason: Mapped[str | None] = mapped_column(String(255))
    capture_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("capture_job.id"), index=True)
    captured_by: Mapped[str] = mapped_column(String(120))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class EventEpc(Base):
    """An EPC named by an event, by role: epc, parent, child, input, output. `epc` is canonical."""

    __tablename__ = "epcis_event_epc"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    event_pk: Mapped[int] = mapped_column(BigInt, ForeignKey("epcis_event.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    epc: Mapped[str] = mapped_column(String(255))

    __table_args__ = (Index("ix_epcis_event_epc_epc_role", "epc", "role"),)


class EventQuantity(Base):
    """A class-level quantity of an event, by role (quantity, child, input, output)."""

    __tablename__ = "epcis_event_quantity"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    event_pk: Mapped[int] = mapped_column(BigInt, ForeignKey("epcis_event.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    epc_class: Mapped[str] = mapped_column(String(255), index=True)
    quantity: Mapped[float | None] = mapped_column(Numeric(24, 6))
    uom: Mapped[str | None] = mapped_column(String(8))


class EventLink(Base):
    """Business transactions, sources and destinations: kind (bizTransaction|source|destination), type, value."""

    __tablename__ = "epcis_event_link"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    event_pk: Mapped[int] = mapped_column(BigInt, ForeignKey("epcis_event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    type: Mapped[str | None] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))

    __table_args__ = (Index("ix_epcis_event_link_kind_value", "kind", "value"),)


class EventField(Base):
    """Top-level ILMD and extension fields (Clark name -> text) so queries can filter on them."""

    __tablename__ = "epcis_event_field"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    event_pk: Mapped[int] = mapped_column(BigInt, ForeignKey("epcis_event.id", ondelete="CASCADE"), index=True)
    part: Mapped[str] = mapped_column(String(8))  # ilmd | ext
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_epcis_event_field_name", "part", "name"),)


class CaptureStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


class CaptureJob(Base):
    """A capture request (`/epcis/capture`): its outcome and per-event errors."""

    __tablename__ = "capture_job"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[CaptureStatus] = mapped_column(
        Enum(
            CaptureStatus,
            name="capture_status",
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    error_behaviour: Mapped[str] = mapped_column(String(16))
    event_count: Mapped[int] = mapped_column(default=0)
    captured_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    principal: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CodeState(Base):
    """The current state of one code (pack SGTIN or logistic SSCC), updated with the events."""

    __tablename__ = "code_state"

    epc: Mapped[str] = mapped_column(String(255), primary_key=True)  # canonical Digital Link
    kind: Mapped[str] = mapped_column(String(8))  # sgtin | sscc
    gtin: Mapped[str | None] = mapped_column(String(14))
    serial: Mapped[str | None] = mapped_column(String(20))
    batch_id: Mapped[int | None] = mapped_column(BigInt, ForeignKey("batch.id"))
    status: Mapped[str] = mapped_column(String(16))
    disposition: Mapped[str | None] = mapped_column(String(255))  # as long as the event column it copies
    decommission_reason: Mapped[str | None] = mapped_column(String(32))
    parent: Mapped[str | None] = mapped_column(String(255), index=True)
    location: Mapped[str | None] = mapped_column(String(255))
    owner: Mapped[str | None] = mapped_column(String(255))
    last_event_id: Mapped[str] = mapped_column(String(255))
    last_biz_step: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    # Reads by status always name the batch: one index serves both (and counts per status without the table).
    __table_args__ = (Index("ix_code_state_batch_id_status", "batch_id", "status"),)


class LocationLink(Base):
    """Master-data hierarchy of locations (`children` of a BusinessLocation or ReadPoint vocabulary
    element), kept from captured headers so `WD_bizLocation`/`WD_readPoint` reach descendants."""

    __tablename__ = "location_link"

    parent: Mapped[str] = mapped_column(String(255), primary_key=True)
    child: Mapped[str] = mapped_column(String(255), primary_key=True)
