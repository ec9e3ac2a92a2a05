"""Outbox delivery and the scheduler loop: claim due messages safely across worker processes, POST them,
record every attempt, back off exponentially with jitter, and hand over to people after the last attempt.

A claim moves the message's `next_attempt_at` past the time its delivery can take (the lease), in its own
short transaction; the HTTP call runs outside any transaction. A worker killed mid-delivery therefore
leaves the message due again when the lease ends, and another worker sends it again under the same
`Custody-Message-Id`: delivery is at least once, and receivers de-duplicate on that id.
"""

from __future__ import annotations

import http.client
import logging
import random
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import Database
from app.models import OutboxAttempt, OutboxMessage, OutboxStatus
from app.models.base import utcnow

log = logging.getLogger(__name__)
MESSAGE_ID_HEADER = "Custody-Message-Id"
SUMMARY_CHARS = 1000


@dataclass(frozen=True)
class RetryPolicy:
    """Delays in seconds: attempt n waits about base * 2**(n-1), capped, with jitter; HTTP timeout; lease."""

    base_delay: float = 30.0
    max_delay: float = 3600.0
    timeout: float = 10.0
    # Added to the timeouts of a claimed batch: how long a claim outlives the worker that made it.
    lease: float = 30.0


DEFAULT_POLICY = RetryPolicy()


def backoff(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Seconds before the next try after failed attempt number `attempt` (1-based): "equal jitter",
    uniformly between half and all of the capped exponential delay, so retries of one outage spread out."""
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Reply:
    status: int
    summary: str


class Transport(Protocol):
    """Sends one POST; raises OSError or http.client.HTTPException when no HTTP answer came back."""

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Reply: ...


class HttpTransport:
    """POST with the standard library (no proxy from the environment, no redirects followed)."""

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Reply:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"destination {url!r} is not an http(s) URL")
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", target, body=body, headers=dict(headers))
            response = connection.getresponse()
            data = response.read(SUMMARY_CHARS)
            return Reply(response.status, data.decode("utf-8", "replace")[:SUMMARY_CHARS])
        finally:
            connection.close()


@dataclass(frozen=True)
class _Claim:
    pk: int
    message_id: str
    destination: str
    body: bytes
    headers: dict[str, str]
    token: str


@dataclass
class DeliveryReport:
    """What one `deliver_due` call did."""

    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    needs_attention: int = 0
    message_ids: list[str] = field(default_factory=list)


def _claim(database: Database, now: datetime, limit: int, policy: RetryPolicy) -> list[_Claim]:
    with database.write() as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if not database.is_sqlite:  # SQLite needs nothing more: database.write() holds its write lock
            query = query.with_for_update(skip_locked=True)
        messages = list(session.scalars(query))
        lease_end = now + timedelta(seconds=policy.lease + policy.timeout * len(messages))
        claims = []
        for message in messages:
            token = str(uuid.uuid4())
            message.claim_token, message.next_attempt_at = token, lease_end
            message.attempts += 1  # counted at claim time, so a worker crashing on a message still uses up tries
            headers = {
                **message.headers,
                "Content-Type": message.content_type,
                MESSAGE_ID_HEADER: message.message_id,
            }
            claims.append(_Claim(message.id, message.message_id, message.destination, message.body, headers, token))
        return claims


def _send(transport: Transport, claim: _Claim, timeout: float) -> tuple[Reply | None, str | None, int]:
    started = time.monotonic()
    try:
        reply = transport.post(claim.destination, claim.body, claim.headers, timeout)
        error = None if 200 <= reply.status < 300 else f"HTTP {reply.status}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        reply, error = None, f"{type(exc).__name__}: {exc}"
    return reply, error, int((time.monotonic() - started) * 1000)


def _record(
    database: Database,
    claim: _Claim,
    outcome: tuple[Reply | None, str | None, int],
    at: datetime,
    policy: RetryPolicy,
    rng: random.Random | None,
) -> OutboxStatus:
    reply, error, duration = outcome
    with database.write() as session:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.id == claim.pk).with_for_update())
        if message is None:  # deleted meanwhile; nothing to record against
            return OutboxStatus.CANCELLED
        session.add(
            OutboxAttempt(
                message_pk=message.id,
                attempted_at=at,
                http_status=reply.status if reply else None,
                response_summary=reply.summary if reply else None,
                error=error,
                duration_ms=duration,
            )
        )
        if error is None:
            # A 2xx means the receiver has it, whatever happened to the row meanwhile.
            if message.status != OutboxStatus.DELIVERED:
                message.status, message.delivered_at = OutboxStatus.DELIVERED, at
            message.last_error, message.claim_token = None, None
            return OutboxStatus.DELIVERED
        message.last_error = error if reply is None else f"{error}: {reply.summary[:200]}"
        if message.claim_token != claim.token or message.status != OutboxStatus.PENDING:
            return message.status  # resent, cancelled or re-claimed since: that owner decides
        message.claim_token = None
        if message.attempts >= message.max_attempts:
            message.status = OutboxStatus.NEEDS_ATTENTION
        else:
            message.next_attempt_at = at + timedelta(seconds=backoff(message.attempts, policy, rng))
        return message.status


def deliver_due(
    database: Database,
    *,
    now: datetime | None = None,
    limit: int = 50,
    policy: RetryPolicy = DEFAULT_POLICY,
    transport: Transport | None = None,
    rng: random.Random | None = None,
) -> DeliveryReport:
    """Claim up to `limit` messages due at `now` (default: the current time) and try each once."""
    now = now or utcnow()
    sender = transport or HttpTransport()
    report = DeliveryReport()
    for claim in _claim(database, now, limit, policy):
        report.claimed += 1
        report.message_ids.append(claim.message_id)
        status = _record(database, claim, _send(sender, claim, policy.timeout), now, policy, rng)
        if status == OutboxStatus.DELIVERED:
            report.delivered += 1
        elif status == OutboxStatus.NEEDS_ATTENTION:
            report.needs_attention += 1
        else:
            report.failed += 1
        if status != OutboxStatus.DELIVERED:
            log.warning("outbox message %s to %s not delivered", claim.message_id, claim.destination)
    return report


@dataclass
class PassReport:
    """One worker pass: scheduled subscriptions run, then outbox delivery."""

    schedules_run: int
    delivery: DeliveryReport


def run_pass(
    database: Database,
    *,
    now: datetime | None = None,
    limit: int = 50,
    policy: RetryPolicy = DEFAULT_POLICY,
    transport: Transport | None = None,
) -> PassReport:
    from app.services import subscriptions

    ran = subscriptions.run_due_schedules(database, now=now)
    return PassReport(ran, deliver_due(database, now=now, limit=limit, policy=policy, transport=transport))


def run(
    database: Database,
    *,
    once: bool,
    interval: float,
    limit: int = 50,
    policy: RetryPolicy = DEFAULT_POLICY,
    should_stop: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """The worker loop. `once`: repeat passes until one finds nothing due, then return the totals."""
    total = DeliveryReport()
    while not should_stop():
        try:
            done = run_pass(database, limit=limit, policy=policy)
        except Exception:
            if once:
                raise
            # A lost database connection or one bad row must not end a long-running worker.
            log.exception("worker pass failed; retrying in %.1f s", interval)
            time.sleep(interval)
            continue
        for name in ("claimed", "delivered", "failed", "needs_attention"):
            setattr(total, name, getattr(total, name) + getattr(done.delivery, name))
        busy = done.schedules_run or done.delivery.claimed
        if once and not busy:
            break
        if not busy:
            time.sleep(interval)
    return total
