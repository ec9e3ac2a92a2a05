"""The EU FMD channel end to end: the service queues hub messages in the transaction of each change, the real
worker delivers them over HTTP to the hub simulator on 127.0.0.1, and the hub's alerts come back to the API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app import create_app
from app.hubsim import create_hubsim_app
from app.hubsim.store import HubStore
from app.models import AuditEntry, OutboxAttempt, OutboxMessage
from app.models.fmd import FmdAlert
from app.services import fmd, outbox, security, worker
from app.services import fmd_format as fmt

Auth = dict[str, dict[str, str]]
GTIN = "09506000134352"
LINE_GLN = "9506000000008"
HUB_TOKEN = "hub-secret"
SPLIT = 3
MAH = {"id": "MAH-1", "name": "Example Pharma GmbH", "address": "Hauptstrasse 1, 10115 Berlin"}
FMD_DATA = {
    "common_name": "examplumab",
    "pharmaceutical_form": "solution for injection",
    "strength": "40 mg",
    "pack_type": "pre-filled syringe",
    "pack_size": "1",
    "markets": [{"market": "DE", "mah": MAH}, {"market": "FR", "national_code": "3400912345678", "mah": MAH}],
}


class Slot:
    """A WSGI app filled in after its server is listening (the hub and the service name each other)."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)


class Served:
    def __init__(self, app: Any) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def hub_slot() -> Iterator[tuple[Slot, Served]]:
    slot = Slot()
    served = Served(slot)
    yield slot, served
    served.close()


@pytest.fixture
def app(db_url: str, hub_slot: tuple[Slot, Served]) -> Iterator[Flask]:
    """The service with its EU FMD channel pointed at the simulator (overrides the shared fixture)."""
    application = create_app(
        {
            "database_url": db_url,
            "testing": True,
            "fmd_hub_url": f"{hub_slot[1].url}/v1/messages",
            "fmd_hub_token": HUB_TOKEN,
            "fmd_sender_id": "OBP-TEST",
            "fmd_split_size": SPLIT,
        }
    )
    database = application.extensions["custody.db"]
    from app.services import audit

    with database.write() as session:
        audit.ensure_head(session)
    yield application
    database.engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hub(app: Flask, database: Any, hub_slot: tuple[Slot, Served], clock: FakeClock) -> Iterator[HubStore]:
    """The simulator, pushing its alerts to the service (served on 127.0.0.1) with a regulator token."""
    service = Served(app)
    token = security.create_token(database, name="eu-hub", role="hub")
    slot = hub_slot[0]
    slot.app = create_hubsim_app(
        token=HUB_TOKEN, clock=clock, alert_url=f"{service.url}/api/v1/fmd/alerts", alert_token=token
    )
    yield slot.app.extensions["hubsim.store"]
    service.close()


@pytest.fixture
def line(client: FlaskClient, auth: Auth) -> None:
    answer = client.post(
        "/api/v1/locations", headers=auth["erp"], json={"gln": LINE_GLN, "name": "Line 1", "kind": "line"}
    )
    assert answer.status_code == 201, answer.get_json()


def deliver(database: Any) -> worker.DeliveryReport:
    """Worker passes until nothing is due (messages about one batch leave one after another), summed."""
    total = worker.DeliveryReport()
    while (done := worker.deliver_due(database, now=datetime.now(UTC) + timedelta(days=1))).claimed:
        for name in ("claimed", "delivered", "failed", "needs_attention"):
            setattr(total, name, getattr(total, name) + getattr(done, name))
    return total


def ops(client: FlaskClient, auth: Auth, *operations: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(f"/api/v1/lines/{LINE_GLN}/events", headers=auth["line"], json={"operations": operations})
    assert answer.status_code == 201, answer.get_json()
    return dict(answer.get_json())


def commissioned(client: FlaskClient, auth: Auth, batch: dict[str, Any], count: int) -> list[str]:
    answer = client.post(f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": count})
    serials = [s["serial"] for s in answer.get_json()["serials"]]
    ops(client, auth, {"op": "commission", "batch_id": batch["id"], "serials": serials})
    return serials


def decommission(client: FlaskClient, auth: Auth, batch: dict[str, Any], serials: list[str], reason: str) -> str:
    done = ops(client, auth, {"op": "decommission", "batch_id": batch["id"], "serials": serials, "reason": reason})
    return str(done["eventIDs"][0])


def move(client: FlaskClient, auth: Auth, batch: dict[str, Any], *statuses: str, reason: str | None = None) -> None:
    for status in statuses:
        body = {"status": status} | ({"reason": reason} if reason else {})
        answer = client.post(f"/api/v1/batches/{batch['id']}/status", headers=auth["qa"], json=body)
        assert answer.status_code == 200, answer.get_json()


def set_up_product(client: FlaskClient, auth: Auth, upload: bool = True) -> None:
    answer = client.put(f"/api/v1/fmd/products/{GTIN}", headers=auth["erp"], json=FMD_DATA)
    assert answer.status_code == 200, answer.get_json()
    if upload:
        assert client.post(f"/api/v1/fmd/products/{GTIN}/upload", headers=auth["erp"]).status_code == 201


def messages(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/fmd/batches/{batch['id']}/messages", headers=auth["qa"])
    return list(answer.get_json()["messages"])


def bodies(database: Any) -> list[bytes]:
    with database.read() as session:
        return list(session.scalars(select(OutboxMessage.body).where(OutboxMessage.channel == fmd.CHANNEL)))


def last_attempt(database: Any, message_id: str) -> OutboxAttempt:
    with database.read() as session:
        pk = session.scalar(select(OutboxMessage.id).where(OutboxMessage.message_id == message_id))
        attempt = session.scalars(
            select(OutboxAttempt).where(OutboxAttempt.message_pk == pk).order_by(OutboxAttempt.id.desc())
        ).first()
        assert attempt is not None
        return attempt


def hub_status(hub: HubStore, serial: str) -> str | None:
    pack = hub.pack(GTIN, serial)
    return None if pack is None else str(pack["status"])


def released(client: FlaskClient, auth: Auth, batch: dict[str, Any], database: Any, count: int = 3) -> list[str]:
    set_up_product(client, auth)
    serials = commissioned(client, auth, batch, count)
    move(client, auth, batch, "closed", "released")
    report = deliver(database)
    assert report.delivered == report.claimed and report.claimed >= 2
    return serials


def test_product_data_is_validated_and_audited(
    client: FlaskClient, auth: Auth, product: Any, database: Any, unchanged: Any
) -> None:
    url = f"/api/v1/fmd/products/{GTIN}"
    assert client.get(url, headers=auth["qa"]).get_json() == {"gtin": GTIN, "configured": False, "markets": []}
    with unchanged():
        bad = client.put(url, headers=auth["erp"], json={**FMD_DATA, "markets": [{"market": "US", "mah": MAH}]})
        assert bad.status_code == 422
        assert bad.get_json()["field"] == "markets[0].market"
        assert bad.get_json()["detail"] == "US is not an EU/EEA market under the FMD"
        no_form = {k: v for k, v in FMD_DATA.items() if k != "pharmaceutical_form"}
        missing = client.put(url, headers=auth["erp"], json=no_form)
        assert (missing.status_code, missing.get_json()["field"]) == (422, "pharmaceutical_form")
        twice = client.put(url, headers=auth["erp"], json={**FMD_DATA, "markets": [FMD_DATA["markets"][0]] * 2})
        assert (twice.status_code, twice.get_json()["field"]) == (422, "markets[1].market")
        assert client.put(url, headers=auth["line"], json=FMD_DATA).status_code == 403
        assert client.put("/api/v1/fmd/products/09506000134353", headers=auth["erp"], json=FMD_DATA).status_code == 422
    view = client.put(url, headers=auth["erp"], json=FMD_DATA).get_json()
    assert view["configured"] is True and view["common_name"] == "examplumab"
    # DE takes the product's national number; FR keeps the one given.
    assert [(m["market"], m["national_code"]) for m in view["markets"]] == [("DE", "12345678"), ("FR", "3400912345678")]
    assert client.get(url, headers=auth["qa"]).get_json() == view
    with database.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "fmd.product.set")).one()
    assert (entry.actor, entry.entity_id, entry.after) == ("token:erp-token", GTIN, view)
    with unchanged():
        dropped = client.put(url, headers=auth["erp"], json={**FMD_DATA, "markets": [FMD_DATA["markets"][0]]})
        assert (dropped.status_code, dropped.get_json()["field"]) == (409, "markets")


def test_master_data_upload_reaches_the_hub(
    client: FlaskClient, auth: Auth, product: Any, hub: HubStore, database: Any, unchanged: Any
) -> None:
    with unchanged():
        early = client.post(f"/api/v1/fmd/products/{GTIN}/upload", headers=auth["erp"])
        assert (early.status_code, early.get_json()["field"]) == (409, "gtin")
    set_up_product(client, auth, upload=False)
    answer = client.post(f"/api/v1/fmd/products/{GTIN}/upload", headers=auth["erp"])
    assert answer.status_code == 201
    assert answer.headers["Location"] == f"/api/v1/outbox/{answer.get_json()['messageID']}"
    assert deliver(database).delivered == 1
    held = hub.product(GTIN)
    assert held is not None
    assert [(m["country"], m["nationalCode"], m["mahId"]) for m in held["markets"]] == [
        ("DE", "12345678", "MAH-1"),
        ("FR", "3400912345678", "MAH-1"),
    ]
    [body] = bodies(database)
    root = etree.fromstring(body)
    assert fmt.schema().validate(root) and root.get("sender") == "OBP-TEST"


def test_pack_data_for_an_unknown_product_is_refused_then_resent_once_known(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], line: None, hub: HubStore, database: Any
) -> None:
    set_up_product(client, auth, upload=False)
    serials = commissioned(client, auth, batch, 2)
    move(client, auth, batch, "closed", "released")
    [upload] = messages(client, auth, batch)
    assert (upload["kind"], upload["packs"], upload["status"]) == ("PackData", 2, "pending")
    report = deliver(database)
    assert report.delivered == 0 and report.claimed == 1
    attempt = last_attempt(database, upload["messageID"])
    assert attempt.http_status == 422 and '"UNKNOWN_PRODUCT"' in (attempt.response_summary or "")
    assert hub.batch(GTIN, batch["lot"]) is None

    assert client.post(f"/api/v1/fmd/products/{GTIN}/upload", headers=auth["erp"]).status_code == 201
    outbox.resend(database, upload["messageID"], reason="master data uploaded")
    deliver(database)
    assert messages(client, auth, batch)[0]["status"] == "delivered"
    assert hub.batch(GTIN, batch["lot"])["packs"] == 2  # type: ignore[index]
    assert {hub_status(hub, s) for s in serials} == {"active"}
    summary = client.get(f"/api/v1/fmd/batches/{batch['id']}/messages", headers=auth["qa"]).get_json()
    assert (summary["uploaded"], summary["packs_uploaded"]) == (True, 2)

    # Delivered again under the same message id (a worker that died before recording success): harmless.
    accepted = hub.message_count()
    outbox.resend(database, upload["messageID"], reason="repeat")
    assert deliver(database).delivered == 1
    assert hub.message_count() == accepted and hub.batch(GTIN, batch["lot"])["packs"] == 2  # type: ignore[index]
    log = outbox.get(database, upload["messageID"])["attemptLog"]
    assert [a["httpStatus"] for a in log] == [422, 200, 200]
    assert log[2]["response"] == log[1]["response"]  # the hub's first answer, repeated


def test_release_splits_pack_data_at_the_configured_size(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], line: None, hub: HubStore, database: Any
) -> None:
    serials = released(client, auth, batch, database, count=7)
    uploads = [m for m in messages(client, auth, batch) if m["kind"] == "PackData"]
    assert [(m["part"], m["parts"], m["packs"], m["status"]) for m in uploads] == [
        (1, 3, SPLIT, "delivered"),
        (2, 3, SPLIT, "delivered"),
        (3, 3, 1, "delivered"),
    ]
    held = hub.batch(GTIN, batch["lot"])
    assert held is not None
    assert (held["partsReceived"], held["packs"], held["expiry"]) == ([1, 2, 3], 7, "271231")
    sent: list[str] = []
    for body in bodies(database):
        doc = fmt.parse(body).document  # schema-checked again on the way in
        if isinstance(doc, fmt.PackData):
            sent += doc.serials
    assert sorted(sent) == sorted(serials)
    # The hub accepted them with its token, which the worker added at delivery: no message row holds it.
    with database.read() as session:
        stored_headers = session.scalars(select(OutboxMessage.headers)).all()
    assert stored_headers and all("Authorization" not in h for h in stored_headers)


def test_pack_statuses_follow_captured_events(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], line: None, hub: HubStore, database: Any
) -> None:
    serials = released(client, auth, batch, database, count=5)
    decommission(client, auth, batch, serials[:1], "dispensed")
    decommission(client, auth, batch, serials[1:2], "destroyed")
    decommission(client, auth, batch, serials[2:3], "stolen")
    sample = decommission(client, auth, batch, serials[3:4], "sample")
    decommission(client, auth, batch, serials[4:5], "recalled")  # a batch matter: no pack message
    assert deliver(database).delivered == 4
    assert [hub_status(hub, s) for s in serials] == ["supplied", "destroyed", "stolen", "sample", "active"]

    ops(client, auth, {"op": "undo_decommission", "event_id": sample})
    assert deliver(database).delivered == 1
    assert hub_status(hub, serials[3]) == "active"
    kinds = [(m["kind"], m["packStatus"], m["undo"]) for m in messages(client, auth, batch)]
    assert kinds[-5:] == [
        ("PackStatusChange", "supplied", False),
        ("PackStatusChange", "destroyed", False),
        ("PackStatusChange", "stolen", False),
        ("PackStatusChange", "sample", False),
        ("PackStatusChange", "sample", True),
    ]
    for body in bodies(database):
        assert fmt.schema().validate(etree.fromstring(body))


def test_an_undo_past_the_hubs_ten_days_is_refused_by_the_hub(
    client: FlaskClient,
    auth: Auth,
    batch: dict[str, Any],
    line: None,
    hub: HubStore,
    database: Any,
    clock: FakeClock,
) -> None:
    serials = released(client, auth, batch, database, count=1)
    sample = decommission(client, auth, batch, serials, "free_sample")
    deliver(database)
    clock.now += timedelta(days=10, minutes=1)
    ops(client, auth, {"op": "undo_decommission", "event_id": sample})
    undo = messages(client, auth, batch)[-1]
    assert (undo["packStatus"], undo["undo"]) == ("free_sample", True)
    assert deliver(database).delivered == 0
    attempt = last_attempt(database, undo["messageID"])
    assert attempt.http_status == 422 and '"UNDO_WINDOW_EXPIRED"' in (attempt.response_summary or "")
    assert hub_status(hub, serials[0]) == "free_sample"


def test_packs_decommissioned_before_release_follow_their_upload(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], line: None, hub: HubStore, database: Any
) -> None:
    set_up_product(client, auth)
    serials = commissioned(client, auth, batch, 4)
    decommission(client, auth, batch, serials[:2], "destroyed")
    assert messages(client, auth, batch) == []  # the hub knows nothing of an unreleased batch
    move(client, auth, batch, "closed", "released")
    queued = [(m["kind"], m["packs"], m["packStatus"]) for m in messages(client, auth, batch)]
    assert queued == [("PackData", 3, None), ("PackData", 1, None), ("PackStatusChange", 2, "destroyed")]
    deliver(database)
    assert sorted(str(hub_status(hub, s)) for s in serials) == ["active", "active", "destroyed", "destroyed"]


def test_recall_reaches_the_hub_with_its_reason(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], line: None, hub: HubStore, database: Any
) -> None:
    released(client, auth, batch, database, count=2)
    move(client, auth, batch, "recalled", reason="sterility failure")
    recall = messages(client, auth, batch)[-1]
    assert recall["kind"] == "BatchRecall"
    assert deliver(database).delivered == 1
    assert hub.batch(GTIN, batch["lot"])["recalled"] is True  # type: ignore[index]
    doc = fmt.parse(bodies(database)[-1]).document
    assert doc == fmt.BatchRecall(GTIN, "GTIN", batch["lot"], "sterility failure")


def test_withdrawal_per_market_then_everywhere(
    client: FlaskClient, auth: Auth, product: Any, hub: HubStore, database: Any, unchanged: Any
) -> None:
    set_up_product(client, auth)
    url = f"/api/v1/fmd/products/{GTIN}/withdraw"
    with unchanged():
        unknown = client.post(url, headers=auth["qa"], json={"reason": "x", "markets": ["IT"]})
        assert (unknown.status_code, unknown.get_json()["field"]) == (422, "markets[0]")
        assert client.post(url, headers=auth["line"], json={"reason": "x"}).status_code == 403
    answer = client.post(url, headers=auth["qa"], json={"reason": "no longer marketed", "markets": ["FR"]})
    assert answer.status_code == 201 and answer.get_json()["markets"] == ["FR"]
    with unchanged():
        again = client.post(url, headers=auth["qa"], json={"reason": "x", "markets": ["FR"]})
        assert (again.status_code, again.get_json()["field"]) == (409, "markets[0]")
    assert client.post(url, headers=auth["qa"], json={"reason": "safety"}).get_json()["markets"] == ["DE"]
    with unchanged():
        assert client.post(url, headers=auth["qa"], json={"reason": "x"}).status_code == 409
    assert deliver(database).delivered == 3
    held = hub.product(GTIN)
    assert held is not None and [m["withdrawn"] for m in held["markets"]] == [True, True]
    view = client.get(f"/api/v1/fmd/products/{GTIN}", headers=auth["qa"]).get_json()
    assert [m["withdrawal_reason"] for m in view["markets"]] == ["safety", "no longer marketed"]


def test_a_withdrawal_waits_for_the_batches_messages_on_their_way(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], line: None, hub: HubStore, database: Any, unchanged: Any
) -> None:
    """The hub refuses every pack status of a withdrawn product: a withdrawal must not overtake a status
    change still on its way (here: the hub was down when the pack was reported stolen)."""
    serials = released(client, auth, batch, database, count=2)
    decommission(client, auth, batch, serials[:1], "stolen")
    url = f"/api/v1/fmd/products/{GTIN}/withdraw"
    with unchanged():
        early = client.post(url, headers=auth["qa"], json={"reason": "no longer marketed"})
    assert early.status_code == 409 and early.get_json()["field"] == "gtin"
    assert "1 hub message(s) about batches of" in early.get_json()["detail"]
    assert deliver(database).delivered == 1
    assert hub_status(hub, serials[0]) == "stolen"
    assert client.post(url, headers=auth["qa"], json={"reason": "no longer marketed"}).status_code == 201


def test_alerts_come_back_are_listed_and_acknowledged(
    client: FlaskClient,
    auth: Auth,
    batch: dict[str, Any],
    line: None,
    hub: HubStore,
    database: Any,
    app: Flask,
    hub_slot: tuple[Slot, Served],
    unchanged: Any,
) -> None:
    serials = released(client, auth, batch, database, count=1)
    scan = (
        hub_slot[0]
        .app.test_client()
        .post(
            "/v1/national/scans",
            headers={"Authorization": f"Bearer {HUB_TOKEN}"},
            json={"market": "DE", "productCode": GTIN, "serial": serials[0], "batch": "FORGED", "expiry": "271231"},
        )
    )
    assert scan.get_json()["alertDelivered"] is True
    [alert] = client.get("/api/v1/fmd/alerts", headers=auth["logistics"]).get_json()["items"]
    assert (alert["code"], alert["severity"], alert["gtin"], alert["lot"], alert["serial"]) == (
        "A2",
        "critical",
        GTIN,
        "FORGED",
        serials[0],
    )
    assert alert["acknowledged"] is False and alert["alert_id"] == scan.get_json()["alertId"]
    with database.read() as session:
        [recent] = fmd.recent_alerts(session, 5)
    assert isinstance(recent["raised_at"], datetime) and recent["id"] == alert["id"]

    # The hub pushes it again (its retry): stored once.
    pushed = fmt.build(hub.alert(alert["alert_id"]), created=datetime.now(UTC))
    token = security.create_token(database, name="hub-2", role="hub")
    xml = {"Content-Type": "application/xml"}
    with unchanged():
        again = client.post("/api/v1/fmd/alerts", headers={"Authorization": f"Bearer {token}", **xml}, data=pushed)
        assert again.status_code == 200 and again.get_json()["id"] == alert["id"]
        assert client.post("/api/v1/fmd/alerts", headers=xml, data=pushed).status_code == 401
        assert client.post("/api/v1/fmd/alerts", headers={**auth["erp"], **xml}, data=pushed).status_code == 403
        assert client.post("/api/v1/fmd/alerts", headers={**auth["regulator"], **xml}, data=pushed).status_code == 403
        # A hub token posts alerts and nothing else, not even the reads open to every other role.
        hub_only = client.get("/api/v1/fmd/alerts", headers={"Authorization": f"Bearer {token}"})
        assert hub_only.status_code == 403
        assert hub_only.get_json()["detail"] == "a hub token may only post hub alerts (POST /api/v1/fmd/alerts)"
        assert client.get("/epcis/events", headers={"Authorization": f"Bearer {token}"}).status_code == 403
        bad = client.post(
            "/api/v1/fmd/alerts", headers={"Authorization": f"Bearer {token}", **xml}, data=pushed.replace(b"A2", b"2A")
        )
        assert (bad.status_code, bad.get_json()["field"]) == (422, "/*/*[2]")
        other = fmt.build(fmt.BatchRecall(GTIN, "GTIN", "L", "x"), created=datetime.now(UTC))
        wrong = client.post("/api/v1/fmd/alerts", headers={"Authorization": f"Bearer {token}", **xml}, data=other)
        assert wrong.get_json()["detail"] == "expected an Alert document, got BatchRecall"
        plain = client.post("/api/v1/fmd/alerts", headers={"Authorization": f"Bearer {token}"}, json={})
        assert plain.status_code == 415

    ack = client.post(f"/api/v1/fmd/alerts/{alert['id']}/acknowledge", headers=auth["qa"], json={"note": "checked"})
    assert ack.status_code == 200 and ack.get_json()["acknowledged_by"] == "token:qa-token"
    with unchanged():
        twice = client.post(f"/api/v1/fmd/alerts/{alert['id']}/acknowledge", headers=auth["qa"], json={})
        assert twice.status_code == 409
    assert client.get("/api/v1/fmd/alerts?acknowledged=false", headers=auth["qa"]).get_json()["items"] == []
    assert client.get("/api/v1/fmd/alerts?acknowledged=maybe", headers=auth["qa"]).status_code == 422
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(FmdAlert)) == 1


def test_with_no_hub_configured_the_channel_stays_silent(
    db_url: str, client: FlaskClient, auth: Auth, batch: dict[str, Any], line: None, database: Any
) -> None:
    set_up_product(client, auth)  # queued by the configured app
    quiet_app = create_app({"database_url": db_url, "testing": True})
    quiet = quiet_app.test_client()
    before = len(bodies(database))
    serials = commissioned(client, auth, batch, 1)
    for status in ("closed", "released"):
        quiet.post(f"/api/v1/batches/{batch['id']}/status", headers=auth["qa"], json={"status": status})
    ops(client, auth, {"op": "decommission", "batch_id": batch["id"], "serials": serials, "reason": "sample"})
    assert len(bodies(database)) == before + 1  # the configured app still reports the status change
    off = quiet.post(f"/api/v1/fmd/products/{GTIN}/upload", headers=auth["erp"])
    assert (off.status_code, off.get_json()["field"]) == (409, "hub")
    assert client.get("/api/v1/fmd/batches/999/messages", headers=auth["qa"]).status_code == 404
    # A batch made for a market outside the EEA is none of the EU hub's business.
    markets = {"target_markets": ["DE", "FR", "US"], "reason": "US launch"}
    assert client.patch(f"/api/v1/products/{GTIN}", headers=auth["erp"], json=markets).status_code == 200
    us = client.post(
        "/api/v1/batches",
        headers=auth["erp"],
        json={"gtin": GTIN, "lot": "US-1", "expiry": "2027-12-31", "quantity": 10, "market": "US"},
    ).get_json()
    commissioned(client, auth, us, 1)
    move(client, auth, us, "closed", "released")
    assert messages(client, auth, us) == []
    quiet_app.extensions["custody.db"].engine.dispose()


def test_only_the_hub_channel_carries_the_hub_token(app: Flask) -> None:
    settings = app.extensions["custody.db"].settings
    assert settings.channel_authorization(fmd.CHANNEL) == f"Bearer {HUB_TOKEN}"
    assert settings.channel_authorization("epcis_push") is None and settings.channel_authorization("dscsa") is None
    assert settings.replace(fmd_hub_token=None).channel_authorization(fmd.CHANNEL) is None
