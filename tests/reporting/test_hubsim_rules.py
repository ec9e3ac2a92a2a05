"""The EU hub simulator over real HTTP on 127.0.0.1: every rule it enforces, message-id idempotency, the
10-day undo window on an injected clock, and the alerts national scans raise and push back."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from flask import Flask, request
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.serving import make_server

from app.hubsim import create_hubsim_app
from app.hubsim.store import HubRejection, HubStore
from app.services import fmd_format as fmt

GTIN = "09506000134352"
TOKEN = "hub-secret"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MAH = fmt.Party("MAH-1", "Example Pharma GmbH", "Hauptstrasse 1, 10115 Berlin")
PMD = fmt.ProductMasterData(
    GTIN,
    "GTIN",
    "Examplumab 40 mg",
    "examplumab",
    "solution for injection",
    "40 mg",
    "pre-filled syringe",
    "1",
    (fmt.MarketData("DE", MAH, "12345678"), fmt.MarketData("FR", MAH)),
)


class FakeClock:
    """The hub's "now", moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Served:
    """A WSGI app on 127.0.0.1 in a thread."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class Hub:
    """The simulator under test and a client for it."""

    def __init__(self, clock: FakeClock, alert_url: str | None = None) -> None:
        self.clock = clock
        self.served = Served(create_hubsim_app(token=TOKEN, clock=clock, alert_url=alert_url, alert_token="svc"))
        self.url = self.served.url

    def send(self, doc: fmt.Document, message_id: str | None = None, token: str = TOKEN) -> requests.Response:
        return self.post_raw(fmt.build(doc, created=self.clock()), message_id or str(uuid.uuid4()), token)

    def post_raw(self, body: bytes, message_id: str, token: str = TOKEN) -> requests.Response:
        headers = {
            "Content-Type": "application/xml",
            "Custody-Message-Id": message_id,
            "Authorization": f"Bearer {token}",
        }
        return requests.post(f"{self.url}/v1/messages", data=body, headers=headers, timeout=30)

    def get(self, path: str) -> Any:
        answer = requests.get(f"{self.url}{path}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        return answer.json() if answer.status_code == 200 else None

    def pack(self, serial: str) -> Any:
        return self.get(f"/v1/products/{GTIN}/packs/{serial}")

    def scan(self, **fields: str) -> requests.Response:
        body = {"market": "DE", "productCode": GTIN, "batch": "L1", "expiry": "271231", **fields}
        return requests.post(
            f"{self.url}/v1/national/scans", json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def hub(clock: FakeClock) -> Iterator[Hub]:
    simulator = Hub(clock)
    yield simulator
    simulator.served.close()


def serials(n: int, prefix: str = "S") -> list[str]:
    return [f"{prefix}{i:011d}" for i in range(n)]


def pack_data(items: list[str], batch: str = "L1", part: int = 1, parts: int = 1) -> fmt.PackData:
    return fmt.PackData(GTIN, "GTIN", batch, "271231", items, part, parts)


def status(items: list[str], value: str, undo: bool = False, batch: str = "L1") -> fmt.PackStatusChange:
    return fmt.PackStatusChange(GTIN, "GTIN", batch, value, undo, items)


def rejected(answer: requests.Response, status_code: int, code: str, field: str | None) -> None:
    assert answer.status_code == status_code, answer.text
    body = answer.json()
    assert (body["result"], body["code"], body["field"]) == ("rejected", code, field)


def loaded(hub: Hub, count: int = 5) -> list[str]:
    assert hub.send(PMD).status_code == 200
    items = serials(count)
    assert hub.send(pack_data(items)).status_code == 200
    return items


def test_master_data_then_pack_data_are_accepted_and_kept(hub: Hub) -> None:
    answer = hub.send(PMD)
    assert answer.status_code == 200
    assert answer.json()["version"] == 1 and answer.json()["markets"] == ["DE", "FR"]
    product = hub.get(f"/v1/products/{GTIN}")
    assert [m["country"] for m in product["markets"]] == ["DE", "FR"]
    assert product["markets"][0]["nationalCode"] == "12345678" and product["commonName"] == "examplumab"
    items = serials(3)
    answer = hub.send(pack_data(items))
    assert answer.json() == {
        "messageId": answer.json()["messageId"],
        "result": "accepted",
        "kind": "PackData",
        "packs": 3,
        "part": 1,
        "parts": 1,
        "batchComplete": True,
    }
    assert hub.pack(items[1]) == {
        "productCode": GTIN,
        "serial": items[1],
        "batch": "L1",
        "status": "active",
        "statusAt": T0.isoformat(),
    }
    assert hub.get(f"/v1/products/{GTIN}/batches/L1")["packs"] == 3


def test_pack_data_for_an_unknown_product_is_refused(hub: Hub) -> None:
    rejected(hub.send(pack_data(serials(2))), 422, "UNKNOWN_PRODUCT", "productCode")
    assert hub.get(f"/v1/products/{GTIN}/batches/L1") is None


def test_a_repeated_message_id_gets_the_first_answer_and_changes_nothing(hub: Hub, clock: FakeClock) -> None:
    loaded(hub, 2)
    change = fmt.build(status(["S00000000000"], "supplied"), created=clock())
    first = hub.post_raw(change, "msg-1")
    clock.advance(hours=1)
    again = hub.post_raw(change, "msg-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Hub-Repeat"] == "true" and "Hub-Repeat" not in first.headers
    # Applied once: the status time is the first delivery's, not the repeat's.
    assert hub.pack("S00000000000")["statusAt"] == T0.isoformat()
    # The same id with another body is not a repeat.
    other = fmt.build(status(["S00000000001"], "supplied"), created=clock())
    rejected(hub.post_raw(other, "msg-1"), 409, "MESSAGE_ID_REUSED", None)
    assert hub.pack("S00000000001")["status"] == "active"


def test_duplicate_uploads_are_refused_naming_the_part_or_serial(hub: Hub) -> None:
    items = loaded(hub, 4)
    rejected(hub.send(pack_data(items)), 409, "DUPLICATE_UPLOAD", "part")
    # Another batch repeating a serial the hub holds: the first such serial is named, nothing is kept.
    rejected(hub.send(pack_data(["NEW00000001", items[2]], batch="L2")), 409, "DUPLICATE_UPLOAD", "serials[1]")
    assert hub.pack("NEW00000001") is None and hub.get(f"/v1/products/{GTIN}/batches/L2") is None
    rejected(hub.send(pack_data(["X1", "X2", "X1"], batch="L3")), 409, "DUPLICATE_UPLOAD", "serials[2]")


def test_parts_of_a_split_batch_complete_it_and_must_agree(hub: Hub) -> None:
    assert hub.send(PMD).status_code == 200
    items = serials(5)
    first = hub.send(pack_data(items[:2], part=1, parts=3)).json()
    assert first["batchComplete"] is False
    rejected(hub.send(pack_data(items[2:4], part=2, parts=2)), 409, "BATCH_MISMATCH", "parts")
    bad_expiry = fmt.PackData(GTIN, "GTIN", "L1", "281231", items[2:4], 2, 3)
    rejected(hub.send(bad_expiry), 409, "BATCH_MISMATCH", "expiry")
    rejected(hub.send(pack_data(items[2:4], part=4, parts=3)), 422, "INVALID_PART", "part")
    assert hub.send(pack_data(items[2:4], part=2, parts=3)).json()["batchComplete"] is False
    assert hub.send(pack_data(items[4:], part=3, parts=3)).json()["batchComplete"] is True
    batch = hub.get(f"/v1/products/{GTIN}/batches/L1")
    assert batch["partsReceived"] == [1, 2, 3] and batch["packs"] == 5


@pytest.mark.parametrize("value", ["supplied", "exported", "sample", "free_sample"])
def test_undo_within_ten_days_only(hub: Hub, clock: FakeClock, value: str) -> None:
    items = loaded(hub, 2)
    assert hub.send(status(items, value)).status_code == 200
    clock.advance(days=10)
    assert hub.send(status(items[:1], value, undo=True)).json()["status"] == "active"
    clock.advance(seconds=1)
    rejected(hub.send(status(items[1:], value, undo=True)), 422, "UNDO_WINDOW_EXPIRED", "serials[0]")
    assert hub.pack(items[1])["status"] == value


def test_locked_may_be_undone_any_time(hub: Hub, clock: FakeClock) -> None:
    items = loaded(hub, 1)
    assert hub.send(status(items, "locked")).status_code == 200
    clock.advance(days=300)
    assert hub.send(status(items, "locked", undo=True)).status_code == 200
    assert hub.pack(items[0])["status"] == "active"


@pytest.mark.parametrize("value", ["destroyed", "stolen"])
def test_destroyed_and_stolen_are_never_undone(hub: Hub, value: str) -> None:
    items = loaded(hub, 2)
    assert hub.send(status(items, value)).status_code == 200
    rejected(hub.send(status(items, value, undo=True)), 422, "IRREVERSIBLE_STATUS", "status")
    assert hub.pack(items[0])["status"] == value


def test_reactivating_a_destroyed_pack_is_refused_whatever_status_is_claimed(hub: Hub) -> None:
    items = loaded(hub, 1)
    assert hub.send(status(items, "destroyed")).status_code == 200
    rejected(hub.send(status(items, "sample", undo=True)), 422, "NOT_IN_STATUS", "serials[0]")
    rejected(hub.send(status(items, "supplied")), 422, "PACK_NOT_ACTIVE", "serials[0]")
    assert hub.pack(items[0])["status"] == "destroyed"


def test_status_changes_need_known_packs_of_that_batch(hub: Hub) -> None:
    items = loaded(hub, 2)
    rejected(hub.send(status([items[0], "NOPE"], "supplied")), 422, "UNKNOWN_PACK", "serials[1]")
    assert hub.pack(items[0])["status"] == "active"  # all or nothing
    rejected(hub.send(status(items, "supplied", batch="L9")), 422, "UNKNOWN_BATCH", "batch")


def test_recall_is_final_and_blocks_status_changes(hub: Hub) -> None:
    items = loaded(hub, 3)
    assert hub.send(status(items[:1], "sample")).status_code == 200
    recall = fmt.BatchRecall(GTIN, "GTIN", "L1", "sterility failure")
    assert hub.send(recall).json()["packs"] == 3
    assert hub.get(f"/v1/products/{GTIN}/batches/L1")["recalled"] is True
    rejected(hub.send(recall), 409, "ALREADY_RECALLED", "batch")
    rejected(hub.send(status(items[1:2], "supplied")), 422, "BATCH_RECALLED", "batch")
    rejected(hub.send(status(items[:1], "sample", undo=True)), 422, "BATCH_RECALLED", "batch")
    rejected(hub.send(pack_data(["LATE0000001"])), 422, "BATCH_RECALLED", "batch")
    rejected(hub.send(fmt.BatchRecall(GTIN, "GTIN", "L7", "x")), 422, "UNKNOWN_BATCH", "batch")


def test_withdrawal_per_market_then_everywhere(hub: Hub) -> None:
    items = loaded(hub, 1)
    rejected(
        hub.send(fmt.ProductWithdrawal(GTIN, "GTIN", "no longer marketed", ("IT",))), 422, "UNKNOWN_MARKET", "market[0]"
    )
    assert hub.send(fmt.ProductWithdrawal(GTIN, "GTIN", "no longer marketed", ("FR",))).json()["withdrawn"] == ["FR"]
    # Still marketed in DE: uploads go on.
    assert hub.send(pack_data(["DE000000001"], batch="L2")).status_code == 200
    assert hub.send(fmt.ProductWithdrawal(GTIN, "GTIN", "safety", ())).json()["withdrawn"] == ["DE"]
    rejected(hub.send(fmt.ProductWithdrawal(GTIN, "GTIN", "again", ())), 409, "ALREADY_WITHDRAWN", None)
    rejected(hub.send(pack_data(["DE000000002"], batch="L3")), 422, "PRODUCT_WITHDRAWN", "productCode")
    rejected(hub.send(status(items, "supplied")), 422, "PRODUCT_WITHDRAWN", "productCode")
    assert all(m["withdrawn"] for m in hub.get(f"/v1/products/{GTIN}")["markets"])


def test_undo_refused_once_the_batch_expired(hub: Hub, clock: FakeClock) -> None:
    assert hub.send(PMD).status_code == 200
    soon = fmt.PackData(GTIN, "GTIN", "E1", "261130", ["EXP00000001"])
    assert hub.send(soon).status_code == 200
    assert hub.send(status(["EXP00000001"], "locked", batch="E1")).status_code == 200
    clock.advance(days=4)  # 2026-12-01: past the expiry
    rejected(hub.send(status(["EXP00000001"], "locked", undo=True, batch="E1")), 422, "PACK_EXPIRED", "batch")


def test_malformed_or_unauthenticated_messages_change_nothing(hub: Hub) -> None:
    assert hub.send(PMD, token="wrong").status_code == 401
    assert hub.get(f"/v1/products/{GTIN}") is None
    rejected(hub.post_raw(b"<not-xml", "m1"), 400, "INVALID_FORMAT", "body")
    invalid = fmt.tree(status(["A"], "supplied"), created=T0)
    invalid.find(fmt._q("status")).text = "sold"  # type: ignore[union-attr]
    from lxml import etree

    answer = hub.post_raw(etree.tostring(invalid), "m2")
    rejected(answer, 400, "INVALID_FORMAT", "/*/*[3]")
    assert "sold" in answer.json()["detail"]
    plain = requests.post(
        f"{hub.url}/v1/messages",
        data=fmt.build(PMD, created=T0),
        headers={"Content-Type": "application/xml", "Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    rejected(plain, 400, "MISSING_MESSAGE_ID", "Custody-Message-Id")
    assert hub.get(f"/v1/products/{GTIN}") is None


class AlertSink:
    """The holder's alert endpoint: records what the hub pushes."""

    def __init__(self) -> None:
        self.received: list[tuple[str, bytes]] = []
        app = Flask("sink")

        @app.post("/alerts")
        def take() -> tuple[str, int]:
            self.received.append((request.headers.get("Authorization", ""), request.get_data()))
            return "", 201

        self.served = Served(app)


def test_national_scans_raise_alerts_that_are_pushed_back(clock: FakeClock) -> None:
    sink = AlertSink()
    hub = Hub(clock, alert_url=f"{sink.served.url}/alerts")
    try:
        items = loaded(hub, 2)
        assert hub.scan(serial=items[0]).json() == {"status": "active", "alertId": None}
        assert hub.scan(serial=items[0], operation="supplied").json()["status"] == "supplied"
        cases = [
            ({"serial": "UNKNOWN0001"}, "A3", "critical"),
            ({"serial": items[1], "batch": "L404"}, "A2", "critical"),
            ({"serial": items[1], "expiry": "280101"}, "A68", "critical"),
            ({"serial": items[0], "operation": "supplied"}, "A24", "warning"),
        ]
        for fields, code, _severity in cases:
            answer = hub.scan(**fields).json()
            assert answer["alertId"] is not None and answer["alertDelivered"] is True, (code, answer)
            clock.advance(seconds=1)
        assert len(sink.received) == 4
        pushed = [fmt.parse(body).document for _, body in sink.received]
        assert [(a.code, a.severity) for a in pushed if isinstance(a, fmt.Alert)] == [(c, s) for _, c, s in cases]
        assert {auth for auth, _ in sink.received} == {"Bearer svc"}
        listed = hub.get("/v1/alerts")["items"]
        assert [a["code"] for a in listed] == ["A3", "A2", "A68", "A24"] and all(a["delivered"] for a in listed)
    finally:
        hub.served.close()
        sink.served.close()


def test_an_alert_that_cannot_be_pushed_is_kept_with_the_error(hub: Hub) -> None:
    loaded(hub, 1)
    answer = hub.scan(serial="UNKNOWN0001").json()
    assert answer["alertDelivered"] is False
    [alert] = hub.get("/v1/alerts")["items"]
    assert alert["delivered"] is False and alert["deliveryError"] == "no alert endpoint configured"


@settings(max_examples=60, deadline=None)
@given(
    value=st.sampled_from(fmt.PACK_STATUSES),
    elapsed=st.integers(min_value=0, max_value=30 * 24 * 3600),
)
def test_undo_rule_over_statuses_and_elapsed_time(value: str, elapsed: int) -> None:
    """An undo is accepted exactly when the status is reversible and, unless locked, at most 10 days old."""
    clock = FakeClock(T0)
    store = HubStore(clock=clock)
    store.receive("pmd", fmt.build(PMD, created=T0))
    store.receive("ppd", fmt.build(pack_data(["P1"]), created=T0))
    store.receive("set", fmt.build(status(["P1"], value), created=T0))
    clock.advance(seconds=elapsed)
    allowed = value not in fmt.IRREVERSIBLE and (value == "locked" or elapsed <= 10 * 24 * 3600)
    try:
        store.receive("undo", fmt.build(status(["P1"], value, undo=True), created=clock()))
        accepted = True
    except HubRejection as exc:
        assert exc.code in ("IRREVERSIBLE_STATUS", "UNDO_WINDOW_EXPIRED")
        accepted = False
    assert accepted is allowed
    assert store.pack(GTIN, "P1")["status"] == ("active" if allowed else value)  # type: ignore[index]


def test_the_hubsim_command_serves_the_simulator(tmp_path: Any) -> None:
    """`flask --app wsgi hubsim` as a real process, storing in an SQLite file."""
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    storage = tmp_path / "hub.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "hubsim", "--port", str(port), "--token", TOKEN]
    process = subprocess.Popen(
        [*command, "--storage", str(storage)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if requests.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        headers = {"Content-Type": "application/xml", "Custody-Message-Id": "cli-1", "Authorization": f"Bearer {TOKEN}"}
        answer = requests.post(f"{url}/v1/messages", data=fmt.build(PMD, created=T0), headers=headers, timeout=10)
        assert answer.status_code == 200 and answer.json()["kind"] == "ProductMasterData"
        assert (
            requests.post(
                f"{url}/v1/messages", data=b"", headers={**headers, "Authorization": ""}, timeout=10
            ).status_code
            == 401
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
    kept = HubStore(str(storage))
    assert kept.product(GTIN) is not None  # kept in the file
    kept.close()
