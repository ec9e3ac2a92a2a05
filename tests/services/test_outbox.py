"""The outbox and its worker against real HTTP receivers on 127.0.0.1: delivery, attempts, backoff with
jitter, needs_attention, resend and cancel, duplicate-safe redelivery, and concurrent workers."""

from __future__ import annotations

import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.errors import Conflict
from app.models import OutboxAttempt, OutboxMessage, OutboxStatus
from app.services import outbox, worker

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
FAST = worker.RetryPolicy(base_delay=30, max_delay=600, timeout=2, lease=5)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A webhook receiver on 127.0.0.1: records every POST; answers with `statuses` in turn, then 200."""

    def __init__(
        self,
        port: int = 0,
        statuses: list[int] | None = None,
        delay: float = 0.0,
        tls: ssl.SSLContext | None = None,
        reply_headers: dict[str, str] | None = None,
    ) -> None:
        self.requests: list[Received] = []
        self.peer_subjects: list[str] = []
        self.statuses = list(statuses or [])
        self.delay = delay
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                time.sleep(owner.delay)
                with owner._lock:
                    owner.requests.append(Received(self.path, dict(self.headers.items()), data))
                    status = owner.statuses.pop(0) if owner.statuses else 200
                    if isinstance(self.connection, ssl.SSLSocket) and self.connection.getpeercert():
                        subject = dict(item for rdn in self.connection.getpeercert()["subject"] for item in rdn)
                        owner.peer_subjects.append(str(subject["commonName"]))
                reply = b"boom" if status >= 500 else b"refused" if status >= 400 else b"ok"
                self.send_response(status)
                for name, value in (reply_headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_port}/hook"

    def ids(self) -> list[str]:
        with self._lock:
            return [r.headers["Custody-Message-Id"] for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def put(database: Any, url: str, body: bytes = b'{"n": 1}', **options: Any) -> str:
    with database.write() as session:
        message = outbox.enqueue(
            session, channel="test", destination=url, body=body, content_type="application/json", now=T0, **options
        )
        return message.message_id


def row(database: Any, message_id: str) -> tuple[OutboxMessage, list[OutboxAttempt]]:
    with database.read() as session:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == message_id))
        assert message is not None
        attempts = session.scalars(
            select(OutboxAttempt).where(OutboxAttempt.message_pk == message.id).order_by(OutboxAttempt.id)
        ).all()
        return message, list(attempts)


def test_enqueue_belongs_to_the_callers_transaction(database: Any, receiver: Receiver) -> None:
    with pytest.raises(RuntimeError), database.write() as session:
        outbox.enqueue(session, channel="test", destination=receiver.url, body=b"x", content_type="text/plain")
        raise RuntimeError("the change failed")
    with database.read() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
    first = put(database, receiver.url, dedupe_key="order-7")
    assert put(database, receiver.url, body=b"other", dedupe_key="order-7") == first
    with database.read() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == 1


def test_delivers_with_the_stable_id_and_records_the_attempt(database: Any, receiver: Receiver) -> None:
    message_id = put(database, receiver.url, headers={"X-Extra": "1"})
    report = worker.deliver_due(database, now=T0, policy=FAST)
    assert (report.claimed, report.delivered, report.message_ids) == (1, 1, [message_id])
    [got] = receiver.requests
    assert got.path == "/hook" and got.body == b'{"n": 1}'
    assert got.headers["Custody-Message-Id"] == message_id
    assert got.headers["Content-Type"] == "application/json" and got.headers["X-Extra"] == "1"
    message, [attempt] = row(database, message_id)
    assert message.status == OutboxStatus.DELIVERED and message.delivered_at == T0 and message.attempts == 1
    assert (attempt.http_status, attempt.response_summary, attempt.error) == (200, "ok", None)
    assert attempt.attempted_at == T0 and attempt.duration_ms >= 0
    assert worker.deliver_due(database, now=T0 + timedelta(days=1), policy=FAST).claimed == 0


def test_receiver_down_backs_off_then_delivers_when_it_is_up(database: Any) -> None:
    port = free_port()
    message_id = put(database, f"http://127.0.0.1:{port}/hook")
    report = worker.deliver_due(database, now=T0, policy=FAST)
    assert (report.claimed, report.delivered, report.failed) == (1, 0, 1)
    message, [attempt] = row(database, message_id)
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert attempt.http_status is None and attempt.error is not None
    assert attempt.error == "ConnectionError: [Errno 111] Connection refused"
    assert message.last_error == attempt.error
    # First retry: between half and all of base_delay (30 s) later.
    assert T0 + timedelta(seconds=15) <= message.next_attempt_at <= T0 + timedelta(seconds=30)
    assert worker.deliver_due(database, now=T0 + timedelta(seconds=14), policy=FAST).claimed == 0
    up = Receiver(port=port)
    try:
        later = T0 + timedelta(seconds=31)
        assert worker.deliver_due(database, now=later, policy=FAST).delivered == 1
        assert up.ids() == [message_id]
    finally:
        up.close()
    message, attempts = row(database, message_id)
    assert message.status == OutboxStatus.DELIVERED and message.last_error is None
    assert [a.http_status for a in attempts] == [None, 200]


def test_server_error_is_retried(database: Any) -> None:
    server = Receiver(statuses=[500])
    try:
        message_id = put(database, server.url)
        assert worker.deliver_due(database, now=T0, policy=FAST).failed == 1
        message, _ = row(database, message_id)
        assert message.status == OutboxStatus.PENDING and message.last_error == "HTTP 500: boom"
        assert worker.deliver_due(database, now=T0 + timedelta(minutes=1), policy=FAST).delivered == 1
        assert server.ids() == [message_id, message_id]
    finally:
        server.close()
    _, attempts = row(database, message_id)
    assert [(a.http_status, a.response_summary, a.error) for a in attempts] == [
        (500, "boom", "HTTP 500"),
        (200, "ok", None),
    ]


def test_max_attempts_then_needs_attention_then_resend(database: Any) -> None:
    server = Receiver(statuses=[503, 503, 503])
    try:
        message_id = put(database, server.url, max_attempts=3)
        now = T0
        for _ in range(3):
            worker.deliver_due(database, now=now, policy=FAST)
            now += timedelta(seconds=FAST.max_delay)
        message, attempts = row(database, message_id)
        assert message.status == OutboxStatus.NEEDS_ATTENTION and message.attempts == 3
        assert [a.http_status for a in attempts] == [503, 503, 503]
        assert worker.deliver_due(database, now=now + timedelta(days=30), policy=FAST).claimed == 0
        view = outbox.resend(database, message_id, now=now)
        assert (view["status"], view["attempts"]) == ("pending", 0)
        assert worker.deliver_due(database, now=now, policy=FAST).delivered == 1
        assert server.ids() == [message_id] * 4
    finally:
        server.close()
    assert outbox.get(database, message_id)["status"] == "delivered"
    assert [a["httpStatus"] for a in outbox.get(database, message_id)["attemptLog"]] == [503, 503, 503, 200]


def test_cancel_stops_delivery_and_refuses_delivered_messages(database: Any, receiver: Receiver) -> None:
    pending = put(database, receiver.url)
    assert outbox.cancel(database, pending)["status"] == "cancelled"
    assert worker.deliver_due(database, now=T0, policy=FAST).claimed == 0
    done = put(database, receiver.url, body=b"second")
    worker.deliver_due(database, now=T0, policy=FAST)
    with pytest.raises(Conflict) as info:
        outbox.cancel(database, done)
    assert info.value.detail == f"outbox message {done} was delivered already; it cannot be cancelled"
    # Resending a delivered message sends it again under the same id.
    outbox.resend(database, done, now=T0)
    worker.deliver_due(database, now=T0, policy=FAST)
    assert receiver.ids() == [done, done]


class CrashAfterSending(worker.RequestsTransport):
    """Sends, then dies before the outcome is recorded: what a SIGKILL mid-delivery looks like."""

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float, tls: worker.TlsSettings
    ) -> worker.Reply:
        super().post(url, body, headers, timeout, tls)
        raise SystemExit("worker killed")


def test_redelivery_after_a_crash_carries_the_same_message_id(database: Any, receiver: Receiver) -> None:
    message_id = put(database, receiver.url)
    with pytest.raises(SystemExit):
        worker.deliver_due(database, now=T0, policy=FAST, transport=CrashAfterSending())
    # Claimed but unrecorded: not due again until the lease (lease + timeout per claimed message) ends.
    assert worker.deliver_due(database, now=T0 + timedelta(seconds=6), policy=FAST).claimed == 0
    assert worker.deliver_due(database, now=T0 + timedelta(seconds=8), policy=FAST).delivered == 1
    assert receiver.ids() == [message_id, message_id]
    assert receiver.requests[0].body == receiver.requests[1].body
    message, attempts = row(database, message_id)
    assert message.attempts == 2 and len(attempts) == 1


def test_concurrent_workers_claim_each_message_once(database: Any, receiver: Receiver) -> None:
    ids = {put(database, receiver.url, body=f'{{"n": {n}}}'.encode()) for n in range(24)}
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while worker.deliver_due(database, now=T0, limit=3, policy=FAST).claimed:
                pass
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(receiver.ids()) == sorted(ids)


@given(attempt=st.integers(min_value=1, max_value=40), seed=st.integers(min_value=0, max_value=2**32))
def test_backoff_is_capped_exponential_with_equal_jitter(attempt: int, seed: int) -> None:
    policy = worker.RetryPolicy(base_delay=30, max_delay=3600)
    ceiling = min(3600.0, 30.0 * 2 ** (attempt - 1))
    delay = worker.backoff(attempt, policy, random.Random(seed))
    assert ceiling / 2 <= delay <= ceiling


def test_messages_about_the_same_thing_leave_in_order(database: Any) -> None:
    server = Receiver(statuses=[503])
    try:
        first = put(database, server.url, body=b"1", reference="fmd:batch:7")
        second = put(database, server.url, body=b"2", reference="fmd:batch:7")
        other = put(database, server.url, body=b"3", reference="fmd:batch:8")
        report = worker.deliver_due(database, now=T0, policy=FAST)
        # The first fails and backs off; the second waits behind it; another batch's message is not held up.
        assert (report.claimed, report.delivered, report.failed) == (2, 1, 1)
        assert server.ids() == [first, other]
        assert worker.deliver_due(database, now=T0 + timedelta(seconds=1), policy=FAST).claimed == 0
        later = T0 + timedelta(hours=2)
        assert worker.deliver_due(database, now=later, policy=FAST).delivered == 1
        assert worker.deliver_due(database, now=later, policy=FAST).delivered == 1
        assert server.ids() == [first, other, first, second]
    finally:
        server.close()


def test_a_message_needing_attention_holds_up_later_ones_until_resent_or_cancelled(database: Any) -> None:
    server = Receiver(statuses=[422])
    try:
        first = put(database, server.url, body=b"1", reference="fmd:batch:7")
        second = put(database, server.url, body=b"2", reference="fmd:batch:7")
        third = put(database, server.url, body=b"3", reference="fmd:batch:7")
        assert worker.deliver_due(database, now=T0, policy=FAST).needs_attention == 1
        assert worker.deliver_due(database, now=T0, policy=FAST).claimed == 0  # the refused upload is not overtaken
        outbox.resend(database, first, now=T0)
        assert worker.deliver_due(database, now=T0, policy=FAST).delivered == 1
        assert worker.deliver_due(database, now=T0, policy=FAST).delivered == 1
        assert server.ids() == [first, first, second]
        server.statuses = [422]
        assert worker.deliver_due(database, now=T0, policy=FAST).needs_attention == 1
        outbox.cancel(database, third)
        assert worker.deliver_due(database, now=T0, policy=FAST).claimed == 0
    finally:
        server.close()


def test_cancelling_a_refused_message_lets_the_next_one_go(database: Any) -> None:
    server = Receiver(statuses=[422])
    try:
        first = put(database, server.url, body=b"1", reference="subscription:1")
        second = put(database, server.url, body=b"2", reference="subscription:1")
        assert worker.deliver_due(database, now=T0, policy=FAST).needs_attention == 1
        outbox.cancel(database, first)
        assert worker.deliver_due(database, now=T0, policy=FAST).delivered == 1
        assert server.ids() == [first, second]
    finally:
        server.close()


# A claim's lease (lease + one timeout per message claimed) runs out during a slow first send.
SLOW = worker.RetryPolicy(base_delay=30, max_delay=600, timeout=0.5, lease=0.05)


class Slow(worker.RequestsTransport):
    """Sends; the first send takes 0.6 s, longer than the claim's lease leaves for the second. Records, at each
    send, when the message's claim runs out; `during` runs inside the slow send."""

    def __init__(self, database: Any, during: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.database, self.during, self.leases = database, during, []

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float, tls: worker.TlsSettings
    ) -> worker.Reply:
        message, _ = row(self.database, headers[worker.MESSAGE_ID_HEADER])
        self.leases.append(message.next_attempt_at.replace(tzinfo=UTC))
        if len(self.leases) == 1:
            time.sleep(0.6)
            if self.during is not None:
                self.during()
        return super().post(url, body, headers, timeout, tls)


def test_a_claim_taken_over_by_another_worker_is_not_sent_twice(database: Any, receiver: Receiver) -> None:
    first = put(database, receiver.url, body=b"1")
    second = put(database, receiver.url, body=b"2")

    def another_worker_claims_the_second() -> None:  # possible once the second's claim ran out
        with database.write() as session:
            message = session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == second))
            assert message is not None
            message.claim_token = "another-worker"

    with Slow(database, another_worker_claims_the_second) as transport:
        report = worker.deliver_due(database, now=T0, policy=SLOW, transport=transport)
    assert (report.claimed, report.delivered, report.taken_over) == (2, 1, 1)
    assert receiver.ids() == [first]
    message, attempts = row(database, second)
    # Left to its new owner: still pending under the other claim, nothing recorded by this worker.
    assert (message.status, message.claim_token, attempts) == (OutboxStatus.PENDING, "another-worker", [])


def test_a_lease_is_renewed_only_when_the_claim_may_not_cover_the_send(database: Any, receiver: Receiver) -> None:
    put(database, receiver.url, body=b"1")
    put(database, receiver.url, body=b"2")
    with Slow(database) as transport:
        assert worker.deliver_due(database, now=T0, policy=SLOW, transport=transport).delivered == 2
    first, second = transport.leases
    assert first == T0 + timedelta(seconds=1.05)  # the claim's own lease: lease + 2 timeouts, not renewed
    # Sent after the 0.6 s send: renewed from then (the pass's clock plus the real time spent) for one send.
    assert T0 + timedelta(seconds=1.15) <= second < T0 + timedelta(seconds=2)


def test_sends_within_the_claims_lease_write_nothing_more(database: Any, receiver: Receiver) -> None:
    put(database, receiver.url, body=b"1")
    put(database, receiver.url, body=b"2")

    class Fast(Slow):
        def post(
            self, url: str, body: bytes, headers: Mapping[str, str], timeout: float, tls: worker.TlsSettings
        ) -> worker.Reply:
            message, _ = row(self.database, headers[worker.MESSAGE_ID_HEADER])
            self.leases.append(message.next_attempt_at.replace(tzinfo=UTC))
            return worker.RequestsTransport.post(self, url, body, headers, timeout, tls)

    with Fast(database) as transport:
        assert worker.deliver_due(database, now=T0, policy=FAST, transport=transport).delivered == 2
    assert transport.leases == [T0 + timedelta(seconds=9)] * 2  # lease + 2 timeouts, as claimed
