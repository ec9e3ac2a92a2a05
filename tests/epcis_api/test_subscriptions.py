"""Named queries and webhook subscriptions over HTTP: CRUD with exact errors, stream notifications signed
with GS1-Signature, scheduled notifications with a controlled clock, and the worker as a real process
that is killed mid-run and restarted."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.models import EpcisEvent, OutboxMessage, OutboxStatus
from app.services import outbox, subscriptions, worker
from epcis.validate import validate
from tests.epcis_api.test_capture import capture, commissioning, dl, document, event
from tests.services.test_outbox import Receiver

Auth = dict[str, dict[str, str]]
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "13df38d8275b13f05704629e5f1cf3d45d6132d5"
FAST = worker.RetryPolicy(base_delay=1, max_delay=5, timeout=2, lease=5)


@pytest.fixture
def receiver() -> Any:
    server = Receiver()
    yield server
    server.close()


def new_query(client: FlaskClient, auth: Auth, name: str, query: dict[str, Any], role: str = "erp") -> Any:
    return client.post("/epcis/queries", headers=auth[role], json={"name": name, "query": query})


def problem(answer: Any, status: int, kind: str, detail: str) -> None:
    assert answer.status_code == status, answer.get_json()
    body = answer.get_json()
    assert (body["type"], body["detail"]) == (f"epcisException:{kind}", detail)


def serials(client: FlaskClient, auth: Auth, batch: dict[str, Any], count: int) -> list[str]:
    answer = client.post(f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": count})
    return [s["serial"] for s in answer.get_json()["serials"]]


def captured_ids(database: Any, job: dict[str, Any]) -> list[str]:
    with database.read() as session:
        return list(
            session.scalars(
                select(EpcisEvent.event_id).where(EpcisEvent.capture_id == job["captureID"]).order_by(EpcisEvent.id)
            )
        )


def notify_captured(database: Any, job: dict[str, Any]) -> int:
    """Notifications the capture of `job` queued for stream subscribers (in its own transaction)."""
    ids = captured_ids(database, job)
    with database.read() as session:
        bodies = [m.body for m in session.scalars(select(OutboxMessage))]
    return sum(
        1 for body in bodies if any(i.encode() in (body if isinstance(body, bytes) else body.encode()) for i in ids)
    )


# -- named queries ---------------------------------------------------------------------------------------


def test_named_query_crud_and_errors(client: FlaskClient, auth: Auth) -> None:
    query = {"eventType": ["ObjectEvent"], "EQ_bizStep": ["shipping", "receiving"]}
    created = new_query(client, auth, "shipments", query)
    assert created.status_code == 201
    assert created.headers["Location"] == "/epcis/queries/shipments"
    assert created.get_json() == {"name": "shipments", "query": query}
    problem(
        new_query(client, auth, "shipments", {"eventType": ["ObjectEvent"]}),
        409,
        "ResourceAlreadyExistsException",
        "a named query 'shipments' already exists",
    )
    assert client.get("/epcis/queries/shipments", headers=auth["line"]).get_json() == created.get_json()
    problem(
        client.get("/epcis/queries/nothing", headers=auth["qa"]),
        404,
        "NoSuchResourceException",
        "no named query 'nothing'",
    )
    problem(
        new_query(client, auth, "bad", {"GE_eventDate": "2026-01-01T00:00:00Z"}),
        400,
        "QueryParameterException",
        "unknown query parameter 'GE_eventDate'",
    )
    problem(
        new_query(client, auth, "bad", {"EQ_action": ["MOVE"]}),
        400,
        "QueryParameterException",
        "EQ_action: 'MOVE' is not one of ADD, OBSERVE, DELETE",
    )
    problem(
        new_query(client, auth, "bad", {"EQ_bizStep": {"any": "shipping"}}),
        400,
        "ValidationException",
        "query.EQ_bizStep: must be a string, a number, a boolean or a list of strings",
    )
    problem(
        new_query(client, auth, "has space", query),
        400,
        "ValidationException",
        "name must be 1 to 128 letters, digits, '.', '_', '~' or '-', starting with a letter or digit",
    )
    problem(
        client.post("/epcis/queries", headers=auth["erp"], json={"query": query}),
        400,
        "ValidationException",
        "name: Field required",
    )
    assert new_query(client, auth, "lineonly", query, role="line").status_code == 403
    assert new_query(client, auth, "by-regulator", query, role="regulator").status_code == 201
    assert client.delete("/epcis/queries/shipments", headers=auth["qa"]).status_code == 204
    problem(
        client.delete("/epcis/queries/shipments", headers=auth["qa"]),
        404,
        "NoSuchResourceException",
        "no named query 'shipments'",
    )


def test_named_query_list_is_paginated(client: FlaskClient, auth: Auth) -> None:
    for name in ("c", "a", "b"):
        assert new_query(client, auth, name, {"eventType": ["ObjectEvent"]}).status_code == 201
    first = client.get("/epcis/queries?perPage=2", headers=auth["regulator"])
    assert [q["name"] for q in first.get_json()] == ["a", "b"]
    assert first.headers["Link"] == '</epcis/queries?perPage=2&nextPageToken=b>; rel="next"'
    rest = client.get("/epcis/queries?perPage=2&nextPageToken=b", headers=auth["regulator"])
    assert [q["name"] for q in rest.get_json()] == ["c"] and "Link" not in rest.headers


def test_named_query_events(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    issued = serials(client, auth, batch, 3)
    capture(client, auth, document(*(commissioning([s], minute=m + 1) for m, s in enumerate(issued))))
    query = {"EQ_bizStep": ["commissioning"], "orderBy": "eventTime", "orderDirection": "ASC"}
    assert new_query(client, auth, "commissioned", query).status_code == 201
    first = client.get("/epcis/queries/commissioned/events?perPage=2", headers=auth["qa"])
    assert first.status_code == 200
    events = first.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["epcList"] for e in events] == [[dl(issued[0])], [dl(issued[1])]]
    link = first.headers["Link"]
    rest = client.get(link[1 : link.index(">")], headers=auth["qa"])
    assert [e["epcList"] for e in rest.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]] == [
        [dl(issued[2])]
    ]
    problem(
        client.get("/epcis/queries/commissioned/events?EQ_bizStep=shipping", headers=auth["qa"]),
        400,
        "QueryParameterException",
        "query parameter 'EQ_bizStep' is not accepted on a named query (only perPage and nextPageToken)",
    )
    socket = client.get("/epcis/queries/commissioned/events", headers={**auth["qa"], "Upgrade": "websocket"})
    assert socket.status_code == 501
    assert socket.get_json()["type"] == "epcisException:ImplementationException"
    problem(
        client.get("/epcis/queries/none/events", headers=auth["qa"]),
        404,
        "NoSuchResourceException",
        "no named query 'none'",
    )


# -- subscriptions ---------------------------------------------------------------------------------------


def test_subscription_crud_hides_the_secret(client: FlaskClient, auth: Auth, receiver: Receiver) -> None:
    assert new_query(client, auth, "q", {"EQ_bizStep": ["shipping"]}).status_code == 201
    answer = client.post(
        "/epcis/queries/q/subscriptions",
        headers=auth["regulator"],
        json={"dest": receiver.url, "signatureToken": TOKEN, "stream": True},
    )
    assert answer.status_code == 201, answer.get_json()
    sub = answer.get_json()
    assert answer.headers["Location"] == f"/epcis/queries/q/subscriptions/{sub['subscriptionID']}"
    assert "signatureToken" not in sub and TOKEN not in answer.get_data(as_text=True)
    assert (sub["dest"], sub["stream"], sub["queryName"], sub["reportIfEmpty"]) == (receiver.url, True, "q", False)
    assert sub["initialRecordTime"] == sub["minRecordTime"] == sub["createdAt"] and "lastNotifiedAt" not in sub
    assert client.get(answer.headers["Location"], headers=auth["line"]).get_json() == sub
    scheduled = client.post(
        "/epcis/queries/q/subscriptions",
        headers=auth["erp"],
        json={"dest": receiver.url, "schedule": {"hour": "1", "minute": "5"}, "reportIfEmpty": True},
    ).get_json()
    assert scheduled["schedule"] == {"hour": "1", "minute": "5"} and "stream" not in scheduled
    listed = client.get("/epcis/queries/q/subscriptions", headers=auth["qa"]).get_json()
    assert sorted(s["subscriptionID"] for s in listed) == sorted([sub["subscriptionID"], scheduled["subscriptionID"]])
    assert client.delete(answer.headers["Location"], headers=auth["erp"]).status_code == 204
    problem(
        client.get(answer.headers["Location"], headers=auth["qa"]),
        404,
        "NoSuchResourceException",
        f"no subscription {sub['subscriptionID']} on named query 'q'",
    )


BAD_SUBSCRIPTIONS: list[tuple[dict[str, Any], str]] = [
    ({"dest": "ftp://example.com/x", "stream": True}, "dest: 'ftp://example.com/x' is not an http or https URL"),
    ({"dest": "http://127.0.0.1:9/h"}, "give stream: true or a schedule"),
    (
        {"dest": "http://127.0.0.1:9/h", "stream": True, "schedule": {"hour": "1"}},
        "give either stream: true or a schedule, not both",
    ),
    (
        {"dest": "http://127.0.0.1:9/h", "schedule": {}},
        "schedule: give at least one of month, dayOfMonth, dayOfWeek, hour, minute, second",
    ),
    (
        {"dest": "http://127.0.0.1:9/h", "schedule": {"hour": "24"}},
        "schedule.hour: '24' is outside 0-23 or a descending range",
    ),
    (
        {"dest": "http://127.0.0.1:9/h", "schedule": {"minute": "five"}},
        "schedule.minute: 'five' is not a number, a range such as [1-5], * or a step such as 0/30",
    ),
    (
        {"dest": "http://127.0.0.1:9/h", "schedule": {"month": "2", "dayOfMonth": "31"}},
        "schedule: it never fires (no such date within five years)",
    ),
    (
        {"dest": "http://127.0.0.1:9/h", "stream": True, "initialRecordTime": "2026-01-01T00:00:00"},
        "initialRecordTime: Input should have timezone info",
    ),
]


def test_subscription_errors(client: FlaskClient, auth: Auth) -> None:
    assert new_query(client, auth, "q", {"EQ_bizStep": ["shipping"]}).status_code == 201
    for payload, detail in BAD_SUBSCRIPTIONS:
        answer = client.post("/epcis/queries/q/subscriptions", headers=auth["erp"], json=payload)
        controls = detail.startswith(("schedule", "give"))
        problem(answer, 400, "SubscriptionControlsException" if controls else "ValidationException", detail)
    assert client.get("/epcis/queries/q/subscriptions", headers=auth["erp"]).get_json() == []


def test_subscription_needs_a_known_query_and_a_subscriber_role(client: FlaskClient, auth: Auth) -> None:
    body = {"dest": "http://127.0.0.1:9/h", "stream": True}
    problem(
        client.post("/epcis/queries/missing/subscriptions", headers=auth["erp"], json=body),
        404,
        "NoSuchResourceException",
        "no named query 'missing'",
    )
    assert new_query(client, auth, "q", {"EQ_bizStep": ["shipping"]}).status_code == 201
    assert client.post("/epcis/queries/q/subscriptions", headers=auth["line"], json=body).status_code == 403


def test_schedule_semantics() -> None:
    at = datetime(2026, 11, 27, 10, 17, 42, 500, tzinfo=UTC)  # a Friday
    daily = subscriptions.parse_schedule({"hour": "1", "minute": "5"})
    assert daily.next_after(at) == datetime(2026, 11, 28, 1, 5, tzinfo=UTC)
    half_minute = subscriptions.parse_schedule({"second": "0/30"})
    assert half_minute.next_after(at) == datetime(2026, 11, 27, 10, 18, tzinfo=UTC)
    mondays = subscriptions.parse_schedule({"dayOfWeek": "1", "hour": "[6-7]"})
    assert mondays.next_after(at) == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    ranges = subscriptions.parse_schedule({"minute": "10-12,40"})
    assert ranges.next_after(at) == datetime(2026, 11, 27, 10, 40, tzinfo=UTC)
    assert ranges.next_after(datetime(2026, 11, 27, 10, 40, tzinfo=UTC)) == datetime(2026, 11, 27, 11, 10, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.sets(st.integers(0, 59), min_size=1, max_size=4),
    seconds=st.sets(st.integers(0, 59), min_size=1, max_size=4),
    hours=st.sets(st.integers(0, 23), min_size=1, max_size=3),
    offset=st.integers(0, 7 * 86400),
)
def test_next_firing_is_the_first_matching_second(
    minutes: set[int], seconds: set[int], hours: set[int], offset: int
) -> None:
    schedule = subscriptions.parse_schedule(
        {
            "hour": ",".join(map(str, hours)),
            "minute": ",".join(map(str, minutes)),
            "second": ",".join(map(str, seconds)),
        }
    )
    start = datetime(2026, 12, 30, tzinfo=UTC) + timedelta(seconds=offset, microseconds=250)
    fired = schedule.next_after(start)
    assert fired is not None and fired > start and fired.microsecond == 0
    assert (fired.hour, fired.minute, fired.second) in {(h, m, s) for h in hours for m in minutes for s in seconds}
    # No earlier second after `start` matches: step back over the whole minutes and seconds in between.
    probe = start.replace(microsecond=0) + timedelta(seconds=1)
    while probe < fired:
        assert not (probe.hour in hours and probe.minute in minutes and probe.second in seconds)
        probe += (
            timedelta(seconds=1)
            if probe.minute in minutes and probe.hour in hours
            else timedelta(seconds=60 - probe.second)
        )


# -- delivery --------------------------------------------------------------------------------------------


def test_stream_subscription_delivers_a_signed_document(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], receiver: Receiver
) -> None:
    issued = serials(client, auth, batch, 2)
    assert new_query(client, auth, "shipped", {"EQ_bizStep": ["shipping"]}).status_code == 201
    location = client.post(
        "/epcis/queries/shipped/subscriptions",
        headers=auth["erp"],
        json={"dest": receiver.url, "signatureToken": TOKEN, "stream": True},
    ).headers["Location"]
    job = capture(client, auth, document(commissioning(issued, minute=1)))
    assert notify_captured(database, job) == 0  # commissioning does not match
    shipped = capture(client, auth, document(event("ObjectEvent", "OBSERVE", "shipping", 5, epcList=[dl(issued[0])])))
    assert notify_captured(database, shipped) == 1
    assert worker.deliver_due(database, policy=FAST).delivered == 1
    [got] = receiver.requests
    expected = "sha256=" + hmac.new(TOKEN.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["GS1-Signature"], expected)
    assert got.headers["Content-Type"] == "application/ld+json"
    assert validate(got.body) == []
    results = json.loads(got.body)["epcisBody"]["queryResults"]
    assert results["queryName"] == "shipped"
    assert results["subscriptionID"] == location.rsplit("/", 1)[1]
    assert [e["eventID"] for e in results["resultsBody"]["eventList"]] == captured_ids(database, shipped)
    view = client.get(location, headers=auth["qa"]).get_json()
    assert "lastNotifiedAt" in view


def test_deleting_the_query_ends_its_subscriptions(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], receiver: Receiver
) -> None:
    issued = serials(client, auth, batch, 1)
    assert new_query(client, auth, "made", {"EQ_bizStep": ["commissioning"]}).status_code == 201
    location = client.post(
        "/epcis/queries/made/subscriptions", headers=auth["erp"], json={"dest": receiver.url, "stream": True}
    ).headers["Location"]
    assert notify_captured(database, capture(client, auth, document(commissioning(issued)))) == 1
    assert client.delete("/epcis/queries/made", headers=auth["erp"]).status_code == 204
    assert client.get(location, headers=auth["erp"]).status_code == 404
    with database.read() as session:
        assert [m.status for m in session.scalars(select(OutboxMessage))] == [OutboxStatus.CANCELLED]
    assert worker.deliver_due(database, policy=FAST).claimed == 0 and receiver.requests == []


def test_scheduled_subscription_reports_each_window_once(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], receiver: Receiver
) -> None:
    issued = serials(client, auth, batch, 2)
    start = datetime.now(UTC) - timedelta(minutes=1)
    assert new_query(client, auth, "made", {"EQ_bizStep": ["commissioning"]}).status_code == 201
    quiet, loud = (
        client.post(
            "/epcis/queries/made/subscriptions",
            headers=auth["qa"],
            json={
                "dest": receiver.url + suffix,
                "schedule": {"second": "0/30"},
                "initialRecordTime": start.isoformat(),
                "reportIfEmpty": report,
            },
        ).get_json()
        for suffix, report in (("?quiet", False), ("?loud", True))
    )
    capture(client, auth, document(commissioning(issued[:1], minute=1)))
    now = datetime.now(UTC)
    # Within the safety lag the new event is not reported yet: the quiet subscription sends nothing.
    assert subscriptions.run_due_schedules(database, now=now + timedelta(seconds=31)) == 2
    worker.deliver_due(database, now=now + timedelta(seconds=31), policy=FAST)
    assert [
        (r.path, len(json.loads(r.body)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]))
        for r in receiver.requests
    ] == [("/hook?loud", 0)]
    # Past the lag: both get the event, once.
    later = now + subscriptions.SAFETY_LAG + timedelta(seconds=61)
    assert subscriptions.run_due_schedules(database, now=later) == 2
    assert subscriptions.run_due_schedules(database, now=later) == 0  # not due again before the next firing
    worker.deliver_due(database, now=later, policy=FAST)
    sizes = sorted(
        (r.path, len(json.loads(r.body)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]))
        for r in receiver.requests[1:]
    )
    assert sizes == [("/hook?loud", 1), ("/hook?quiet", 1)]
    view = client.get(f"/epcis/queries/made/subscriptions/{quiet['subscriptionID']}", headers=auth["qa"]).get_json()
    assert view["minRecordTime"] > quiet["minRecordTime"] and "lastNotifiedAt" in view
    # The next window holds nothing new: only reportIfEmpty sends.
    again = later + timedelta(minutes=1)
    assert subscriptions.run_due_schedules(database, now=again) == 2
    worker.deliver_due(database, now=again, policy=FAST)
    assert [r.path for r in receiver.requests[3:]] == ["/hook?loud"]
    assert loud["subscriptionID"] in receiver.requests[3].body.decode()


def test_stream_subscription_with_a_past_initial_record_time_is_sent_the_backlog(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], receiver: Receiver
) -> None:
    capture(client, auth, document(commissioning(serials(client, auth, batch, 1))))
    assert new_query(client, auth, "made", {"EQ_bizStep": ["commissioning"]}).status_code == 201
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    answer = client.post(
        "/epcis/queries/made/subscriptions",
        headers=auth["qa"],
        json={"dest": receiver.url, "stream": True, "initialRecordTime": since},
    )
    assert answer.status_code == 201
    assert worker.deliver_due(database, policy=FAST).delivered == 1
    body = json.loads(receiver.requests[0].body)
    assert len(body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1


def test_no_notification_survives_a_rolled_back_capture(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], receiver: Receiver
) -> None:
    issued = serials(client, auth, batch, 1)
    assert new_query(client, auth, "made", {"EQ_bizStep": ["commissioning"]}).status_code == 201
    client.post("/epcis/queries/made/subscriptions", headers=auth["erp"], json={"dest": receiver.url, "stream": True})
    job = capture(client, auth, document(commissioning(issued), commissioning(["NEVERISSUED2"])))
    assert job["success"] is False and job["capturedCount"] == 0
    with database.read() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
    ids = [f"urn:uuid:{i}" for i in range(2)]
    with pytest.raises(RuntimeError), database.write() as session:
        subscriptions.on_captured(session, ids)
        raise RuntimeError("the capture failed after matching")
    with database.read() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_query_too_large_is_reported_to_the_subscriber(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], receiver: Receiver
) -> None:
    issued = serials(client, auth, batch, 2)
    capture(client, auth, document(*(commissioning([s], minute=m + 1) for m, s in enumerate(issued))))
    query = {"EQ_bizStep": ["commissioning"], "maxEventCount": 1}
    assert new_query(client, auth, "capped", query).status_code == 201
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    sub = client.post(
        "/epcis/queries/capped/subscriptions",
        headers=auth["erp"],
        json={"dest": receiver.url, "schedule": {"second": "0"}, "initialRecordTime": since},
    ).get_json()
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert subscriptions.run_due_schedules(database, now=later) == 1
    worker.deliver_due(database, now=later, policy=FAST)
    [got] = receiver.requests
    assert got.headers["Content-Type"] == "application/problem+json"
    assert json.loads(got.body) == {
        "type": "epcisException:QueryTooLargeException",
        "title": "Query result too large",
        "status": 413,
        "detail": "the query matches more than 1 events (maxEventCount=1)",
        "subscriptionID": sub["subscriptionID"],
    }


# -- the worker process ----------------------------------------------------------------------------------


def test_worker_command_once_delivers_and_exits(app: Any, database: Any, receiver: Receiver) -> None:
    with database.write() as session:
        message = outbox.enqueue(session, channel="test", destination=receiver.url, body=b"{}", content_type="text/x")
    before = signal.getsignal(signal.SIGTERM)
    result = app.test_cli_runner().invoke(args=["worker", "--once", "--timeout", "2"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "worker stopped: 1 delivered, 0 failed, 0 need attention\n"
    assert receiver.ids() == [message.message_id]
    assert signal.getsignal(signal.SIGTERM) is before


def _worker(db_url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "worker-test-key"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "worker",
            "--limit",
            "4",
            "--timeout",
            "0.5",
            "--lease",
            "0",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_worker_process_killed_mid_run_delivers_everything_once_per_id(database: Any, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the worker process test runs on the file SQLite database (claims on PostgreSQL: test_outbox)")
    slow = Receiver(delay=0.05)
    try:
        bodies = {}
        with database.write() as session:
            for n in range(30):
                body = json.dumps({"n": n}).encode()
                message = outbox.enqueue(
                    session, channel="test", destination=slow.url, body=body, content_type="application/json"
                )
                bodies[message.message_id] = body
        first = _worker(db_url, "--interval", "0.2")
        deadline = time.monotonic() + 30
        while len(slow.requests) < 8 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        assert first.returncode == -signal.SIGKILL
        seen_before_restart = len(slow.requests)
        assert 8 <= seen_before_restart < 30
        # The restarted worker re-sends what the killed one had claimed once those claims run out
        # (lease 0 + 4 claimed x 0.5 s timeout), then idles until SIGTERM asks it to stop.
        second = _worker(db_url, "--interval", "0.2")
        deadline = time.monotonic() + 30
        while len(set(slow.ids())) < 30 and time.monotonic() < deadline and second.poll() is None:
            time.sleep(0.05)
        second.send_signal(signal.SIGTERM)
        _, stderr = second.communicate(timeout=30)
        assert second.returncode == 0, stderr.decode()
        assert "worker stopped:" in stderr.decode()
        received: dict[str, set[bytes]] = {}
        for request in slow.requests:
            received.setdefault(request.headers["Custody-Message-Id"], set()).add(request.body)
        assert received == {message_id: {body} for message_id, body in bodies.items()}
    finally:
        slow.close()
    with database.read() as session:
        assert {m.status for m in session.scalars(select(OutboxMessage))} == {OutboxStatus.DELIVERED}
