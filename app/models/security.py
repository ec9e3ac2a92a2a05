"""Who may call the service: API tokens (hashed) with a role and optional line scope; UI users."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    ERP = "erp"
    LINE = "line"
    LOGISTICS = "logistics"
    QA = "qa"
    REGULATOR = "regulator"
    # The EU hub (or its gateway) posting alerts back: a token of this role may do nothing else.
    HUB = "hub"


RoleType = Enum(Role, name="role", native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the clear value is shown once at creation."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(RoleType)
    scope_gln: Mapped[str | None] = mapped_column(String(13))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class User(Base):
    """A person signing in to the web UI; the password is stored as a salted scrypt hash."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(RoleType)
    active: Mapped[bool] = mapped_column(default=True)
    # Counted up when the user signs out or is switched off or on: sessions signed in under another count end.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class IdempotencyRecord(Base):
    """A remembered request under an `Idempotency-Key`, so a retry gets the same answer."""

    __tablename__ = "idempotency_record"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    principal: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    allocation_id: Mapped[int | None] = mapped_column(BigInt, ForeignKey("serial_allocation.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("principal", "key", name="uq_idempotency_record_principal_key"),)
