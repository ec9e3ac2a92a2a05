"""The outbox: messages written in the caller's transaction (so one exists iff the change committed),
and the operator actions on them (inspect, resend, cancel). Delivery is `app.services.worker`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import Database
from app.models import OutboxAttempt, OutboxMessage, OutboxStatus
from app.models.base import utcnow
from app.services import audit

DEFAULT_MAX_ATTEMPTS = 8


def enqueue(
    session: Session,
    *,
    channel: str,
    destination: str,
    body: bytes,
    content_type: str,
    headers: Mapping[str, str] | None = None,
    reference: str | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    now: datetime | None = None,
    partner_channel_id: int | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in `session`'s transaction; due at once. With `partner_channel_id`, the
    worker sends it with that channel's credentials and TLS settings as they are at delivery time.

    With `dedupe_key`, a second enqueue under the same key returns the first message instead of a new one.
    """
    if dedupe_key is not None:
        existing = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    message = OutboxMessage(
        message_id=str(uuid.uuid4()),
        channel=channel,
        reference=reference,
        destination=destination,
        body=body,
        content_type=content_type,
        headers=dict(headers or {}),
        status=OutboxStatus.PENDING,
        attempts=0,
        max_attempts=max_attempts,
        next_attempt_at=now or utcnow(),
        dedupe_key=dedupe_key,
        partner_channel_id=partner_channel_id,
    )
    session.add(message)
    session.flush()
    return message


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else None


def attempt_view(attempt: OutboxAttempt) -> dict[str, Any]:
    return {
        "at": _iso(attempt.attempted_at),
        "httpStatus": attempt.http_status,
        "response": attempt.response_summary,
        "error": attempt.error,
        "durationMs": attempt.duration_ms,
    }


def message_view(message: OutboxMessage, attempts: list[OutboxAttempt] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "messageID": message.message_id,
        "channel": message.channel,
        "reference": message.reference,
        "destination": message.destination,
        "contentType": message.content_type,
        "status": message.status.value,
        "attempts": message.attempts,
        "maxAttempts": message.max_attempts,
        "nextAttemptAt": _iso(message.next_attempt_at) if message.status == OutboxStatus.PENDING else None,
        "lastError": message.last_error,
        "createdAt": _iso(message.created_at),
        "deliveredAt": _iso(message.delivered_at),
    }
    if attempts is not None:
        view["attemptLog"] = [attempt_view(a) for a in attempts]
    return view


def _find(session: Session, message_id: str) -> OutboxMessage:
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == message_id).with_for_update())
    if message is None:
        raise NotFound(f"no outbox message {message_id}", field="messageID")
    return message


def get(database: Database, message_id: str) -> dict[str, Any]:
    """A message with its attempt log, oldest attempt first."""
    with database.read() as session:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == message_id))
        if message is None:
            raise NotFound(f"no outbox message {message_id}", field="messageID")
        attempts = session.scalars(
            select(OutboxAttempt).where(OutboxAttempt.message_pk == message.id).order_by(OutboxAttempt.id)
        ).all()
        return message_view(message, list(attempts))


def resend(
    database: Database,
    message_id: str,
    *,
    now: datetime | None = None,
    actor: str = "system",
    reason: str | None = None,
) -> dict[str, Any]:
    """Deliver a message again, under the same message id, with a fresh attempt budget; due at once."""
    with database.write() as session:
        message = _find(session, message_id)
        audit.record(
            session,
            actor=actor,
            action="outbox.resend",
            entity="outbox_message",
            entity_id=message_id,
            before={"status": message.status.value, "attempts": message.attempts},
            after={"status": OutboxStatus.PENDING.value},
            reason=reason,
        )
        message.status = OutboxStatus.PENDING
        message.attempts = 0
        message.claim_token = None
        message.next_attempt_at = now or utcnow()
        session.flush()
        return message_view(message)


def cancel(database: Database, message_id: str, *, actor: str = "system", reason: str | None = None) -> dict[str, Any]:
    """Stop delivering a message that was not delivered yet (409 once it was)."""
    with database.write() as session:
        message = _find(session, message_id)
        if message.status == OutboxStatus.DELIVERED:
            raise Conflict(f"outbox message {message_id} was delivered already; it cannot be cancelled", field="status")
        audit.record(
            session,
            actor=actor,
            action="outbox.cancel",
            entity="outbox_message",
            entity_id=message_id,
            before={"status": message.status.value},
            after={"status": OutboxStatus.CANCELLED.value},
            reason=reason,
        )
        message.status = OutboxStatus.CANCELLED
        message.claim_token = None
        session.flush()
        return message_view(message)


def cancel_pending(session: Session, reference: str) -> int:
    """Cancel, in the caller's transaction, every undelivered message about `reference`; returns how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.reference == reference,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.NEEDS_ATTENTION]),
        )
        .values(status=OutboxStatus.CANCELLED, claim_token=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def listing(
    database: Database, *, status: str | None, channel: str | None, after: int | None, limit: int
) -> list[dict[str, Any]]:
    """Messages newest first (`after` = the last `pk` seen), optionally of one status or channel."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        try:
            query = query.where(OutboxMessage.status == OutboxStatus(status))
        except ValueError:
            allowed = ", ".join(s.value for s in OutboxStatus)
            raise ValidationFailed(f"status must be one of {allowed}", field="status") from None
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    if after is not None:
        query = query.where(OutboxMessage.id < after)
    with database.read() as session:
        return [{**message_view(m), "pk": m.id} for m in session.scalars(query)]
