"""Outbox delivery and the scheduler loop: claim due messages safely across worker processes, POST them with
`requests` (timeouts, TLS verification, per-channel credentials), record every attempt, back off
exponentially with jitter, and hand over to people after the last attempt or at once when the receiver
refuses the message (a 4xx other than 408/425/429).

A claim moves the message's `next_attempt_at` past the time its delivery can take (the lease), in its own
short transaction; the HTTP call runs outside any transaction. A worker killed mid-delivery therefore
leaves the message due again when the lease ends, and another worker sends it again under the same
`Custody-Message-Id`: delivery is at least once, and receivers de-duplicate on that id.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import os
import random
import shutil
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

import requests
import urllib3
from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from app.extensions import Database
from app.models import OutboxAttempt, OutboxMessage, OutboxStatus, PartnerChannel
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
    # Seconds the receiver asked us to wait (`Retry-After` on 429/503), when it said so.
    retry_after: float | None = None


@dataclass(frozen=True)
class TlsSettings:
    """How to check the receiver and prove who we are: the partner channel's settings at delivery time."""

    verify: bool = True
    ca_bundle: str | None = None  # PEM; replaces the system trust store
    client_cert: str | None = None  # PEM; with client_key, for mutual TLS
    client_key: str | None = None


SYSTEM_TLS = TlsSettings()


class Transport(Protocol):
    """Sends one POST; raises OSError, requests.RequestException or ValueError when no HTTP answer came back."""

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float, tls: TlsSettings) -> Reply: ...


# Answers that say "this message will never be taken as it is": retrying cannot help, people must look.
# 408 (timeout), 425 (too early) and 429 (slow down) are the 4xx answers worth retrying.
RETRYABLE_4XX = frozenset({408, 425, 429})


def is_permanent(status: int) -> bool:
    return 400 <= status < 500 and status not in RETRYABLE_4XX


def _retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - utcnow()).total_seconds(), 0.0)


class RequestsTransport:
    """POST with `requests`: certificates verified (system store, or the channel's CA bundle), an optional
    client certificate, connect and read timeouts, no redirects followed, no proxy taken from the environment,
    and at most SUMMARY_CHARS of the reply read. PEM material is written once per content to a private
    temporary folder, because the TLS layer reads certificates from files."""

    def __init__(self) -> None:
        self._session = requests.Session()
        self._session.trust_env = False
        self._folder: str | None = None
        self._files: dict[str, str] = {}

    def close(self) -> None:
        """Close pooled connections and remove the PEM files."""
        self._session.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder, self._files = None, {}

    def __enter__(self) -> RequestsTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _file(self, pem: str) -> str:
        digest = hashlib.sha256(pem.encode()).hexdigest()
        path = self._files.get(digest)
        if path is None:
            if self._folder is None:
                self._folder = tempfile.mkdtemp(prefix="custody-tls-")  # 0700: only this user reads the keys
            path = os.path.join(self._folder, f"{digest}.pem")
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(pem)
            self._files[digest] = path
        return path

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float, tls: TlsSettings) -> Reply:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"destination {url!r} is not an http(s) URL")
        verify: bool | str = self._file(tls.ca_bundle) if tls.ca_bundle else tls.verify
        cert = (self._file(tls.client_cert), self._file(tls.client_key)) if tls.client_cert and tls.client_key else None
        with warnings.catch_warnings():
            if verify is False:  # chosen per channel for a test endpoint; the setting is visible in the channel
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
            with self._session.post(
                url,
                data=body,
                headers=dict(headers),
                timeout=(min(timeout, 10.0), timeout),
                verify=verify,
                cert=cert,
                allow_redirects=False,
                stream=True,
            ) as response:
                data = response.raw.read(SUMMARY_CHARS, decode_content=True) or b""
                return Reply(
                    response.status_code,
                    data.decode("utf-8", "replace")[:SUMMARY_CHARS],
                    _retry_after(response.headers.get("Retry-After")),
                )


@dataclass(frozen=True)
class _Claim:
    pk: int
    message_id: str
    destination: str
    body: bytes
    headers: dict[str, str]
    token: str
    tls: TlsSettings
    lease_end: datetime  # when the claim runs out, unless renewed


@dataclass
class DeliveryReport:
    """What one `deliver_due` call did."""

    claimed: int = 0
    taken_over: int = 0  # claims that ran out before their turn and were claimed by another worker: not sent
    delivered: int = 0
    failed: int = 0
    needs_attention: int = 0
    message_ids: list[str] = field(default_factory=list)


def _claim(database: Database, now: datetime, limit: int, policy: RetryPolicy) -> list[_Claim]:
    with database.write() as session:
        earlier = aliased(OutboxMessage)
        # Messages about the same thing (`reference`, e.g. one batch at the EU hub) leave in the order they were
        # made: one waits while an older one of its reference is still pending (backing off or in flight) or
        # needs attention (until people resend or cancel it), so a refused upload cannot be overtaken.
        waits = (
            select(earlier.id)
            .where(
                earlier.reference == OutboxMessage.reference,
                earlier.id < OutboxMessage.id,
                earlier.status.in_((OutboxStatus.PENDING, OutboxStatus.NEEDS_ATTENTION)),
            )
            .exists()
        )
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now, ~waits)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if not database.is_sqlite:  # SQLite needs nothing more: database.write() holds its write lock
            query = query.with_for_update(skip_locked=True)
        messages = list(session.scalars(query))
        channel_ids = {m.partner_channel_id for m in messages if m.partner_channel_id is not None}
        channels = (
            {c.id: c for c in session.scalars(select(PartnerChannel).where(PartnerChannel.id.in_(channel_ids)))}
            if channel_ids
            else {}
        )
        lease_end = now + timedelta(seconds=policy.lease + policy.timeout * len(messages))
        settings = database.settings
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
            tls = SYSTEM_TLS
            configured = settings.channel_authorization(message.channel) if settings is not None else None
            if configured:
                headers["Authorization"] = configured
            channel = channels.get(message.partner_channel_id or 0)
            # Endpoints, like credentials, are read now: a corrected address reaches messages already queued, and
            # a new credential never goes to the address it replaced.
            endpoint = settings.channel_endpoint(message.channel) if settings is not None else None
            if channel is not None:
                if channel.auth_header:
                    headers["Authorization"] = channel.auth_header
                tls = TlsSettings(channel.tls_verify, channel.ca_bundle, channel.client_cert, channel.client_key)
                endpoint = channel.endpoint
            if endpoint:
                message.destination = endpoint
            claims.append(
                _Claim(
                    message.id, message.message_id, message.destination, message.body, headers, token, tls, lease_end
                )
            )
        return claims


def describe(exc: BaseException) -> str:
    """`Kind: root cause` for a failed request: requests and urllib3 wrap the socket or TLS error that says
    what happened (refused, timed out, certificate not trusted) several layers deep."""
    root: BaseException = exc
    seen = {id(root)}
    while True:
        inner = getattr(root, "reason", None)
        if not isinstance(inner, BaseException):
            inner = root.__cause__ or root.__context__
            if inner is None and root.args and isinstance(root.args[0], BaseException):
                inner = root.args[0]
        if not isinstance(inner, BaseException) or id(inner) in seen:
            break
        seen.add(id(inner))
        root = inner
    return f"{type(exc).__name__}: {root}"[:SUMMARY_CHARS]


def _send(transport: Transport, claim: _Claim, timeout: float) -> tuple[Reply | None, str | None, int]:
    started = time.monotonic()
    try:
        reply = transport.post(claim.destination, claim.body, claim.headers, timeout, claim.tls)
        error = None if 200 <= reply.status < 300 else f"HTTP {reply.status}"
    except (OSError, requests.RequestException, ValueError) as exc:
        reply, error = None, describe(exc)
    return reply, error, int((time.monotonic() - started) * 1000)


def _renew(database: Database, claim: _Claim, at: datetime, policy: RetryPolicy) -> bool:
    """Just before a send the claim's lease may not cover: extend it from `at` for one delivery, if the claim
    is still ours.

    A batch's sends can outlast the lease taken at claim time (a receiver that trickles its answer keeps
    each read within the timeout); another worker may then have claimed the message, and sends it itself.
    While the lease still covers a send, no other worker can hold the message and no write is needed.
    """
    with database.write() as session:
        renewed = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == claim.pk,
                OutboxMessage.claim_token == claim.token,
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .values(next_attempt_at=at + timedelta(seconds=policy.lease + policy.timeout))
        )
        return int(getattr(renewed, "rowcount", 0) or 0) == 1


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
        if reply is not None and is_permanent(reply.status):
            message.status = OutboxStatus.NEEDS_ATTENTION
            message.last_error = f"{message.last_error} (refused by the receiver: not retried)"
        elif message.attempts >= message.max_attempts:
            message.status = OutboxStatus.NEEDS_ATTENTION
        else:
            delay = backoff(message.attempts, policy, rng)
            if reply is not None and reply.retry_after is not None:
                delay = max(delay, min(reply.retry_after, policy.max_delay))
            message.next_attempt_at = at + timedelta(seconds=delay)
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
    if transport is None:
        with RequestsTransport() as own:
            return deliver_due(database, now=now, limit=limit, policy=policy, transport=own, rng=rng)
    report = DeliveryReport()
    started = time.monotonic()
    for claim in _claim(database, now, limit, policy):
        report.claimed += 1
        report.message_ids.append(claim.message_id)
        at = now + timedelta(seconds=time.monotonic() - started)
        if at + timedelta(seconds=policy.timeout) > claim.lease_end and not _renew(database, claim, at, policy):
            report.taken_over += 1
            continue
        status = _record(database, claim, _send(transport, claim, policy.timeout), now, policy, rng)
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
