"""Web UI tables: sign-in attempts, kept to throttle password guessing and to show who tried when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigInt, UtcDateTime, utcnow


class LoginAttempt(Base):
    """One sign-in attempt on the web UI: the username typed, the client address and the outcome."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    remote_addr: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_login_attempt_username_at", "username", "at"),)
