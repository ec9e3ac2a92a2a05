"""The pages through the Flask test client on SQLite and PostgreSQL: content, forms, errors and writes."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from app.models import AuditEntry, Batch, BatchStatus, OutboxMessage, OutboxStatus
from tests.conftest import GTIN, row_counts

PASSWORD = "correct horse battery"
Client = Callable[[str], FlaskClient]


def test_trace_page_shows_state_tree_and_timeline(web_client: Client, shipped: dict[str, Any]) -> None:
    client = web_client("logistics")
    case = shipped["case"].removeprefix("https://id.gs1.org/")
    page = client.get(f"/trace/{case}").get_data(as_text=True)
    assert "Contains 4 items" in page
    for serial in shipped["serials"]:
        assert f"/trace/01/{GTIN}/21/{serial}" in page
    pack = client.get(f"/trace/01/{GTIN}/21/{shipped['serials'][0]}")
    assert pack.status_code == 200
    text = pack.get_data(as_text=True)
    assert 'data-testid="status">shipped<' in text
    assert f"/trace/{case}" in text  # its container
    assert "commissioning" in text and "packing" in text and "shipping" in text
    assert "token:line-token" in text  # who captured each event


def test_trace_of_an_unknown_or_unreadable_code(web_client: Client) -> None:
    client = web_client("qa")
    missing = client.get(f"/trace/01/{GTIN}/21/NEVERSEEN")
    assert missing.status_code == 404
    assert f"no record of https://id.gs1.org/01/{GTIN}/21/NEVERSEEN" in missing.get_data(as_text=True)
    bad = client.get("/trace/garbage")
    assert bad.status_code == 422
    assert "not a code this service can read" in bad.get_data(as_text=True)


def test_scan_redirects_every_scanner_form_to_the_trace_page(web_client: Client, shipped: dict[str, Any]) -> None:
    client = web_client("logistics")
    serial = shipped["serials"][1]
    target = f"/trace/01/{GTIN}/21/{serial}"
    for code in (
        f"]d201{GTIN}21{serial}\x1d10LOT-001",
        f"]d201{GTIN}21{serial}<GS>10LOT-001",
        f"01{GTIN}21{serial}{{GS}}17271231",
        f"]d201{GTIN}21{serial}^]10LOT-001\r",
        f"(01){GTIN}(21){serial}",
        f"https://example.com/01/{GTIN}/21/{serial}?17=271231",
    ):
        answer = client.get("/scan", query_string={"code": code})
        assert answer.status_code == 302, code
        assert answer.headers["Location"] == target, code
    sscc = shipped["case"].rsplit("/", 1)[1]
    assert client.get("/scan", query_string={"code": sscc}).headers["Location"] == f"/trace/00/{sscc}"
    refused = client.get("/scan", query_string={"code": "]d2 hello"})
    assert refused.status_code == 422
    assert "This code cannot be read" in refused.get_data(as_text=True)


def test_batch_list_detail_and_release(
    web_client: Client, shipped: dict[str, Any], post_form: Callable[..., Any], database: Any, unchanged: Any
) -> None:
    client = web_client("qa")
    bid = shipped["batch"]["id"]
    listing = client.get("/batches").get_data(as_text=True)
    assert f'href="/batches/{bid}"' in listing and "LOT-001" in listing
    detail = client.get(f"/batches/{bid}").get_data(as_text=True)
    assert 'data-figure="commissioned">6<' in detail and 'data-figure="shipped">4<' in detail
    assert "commissioning" in detail and "shipping" in detail  # the latest event of each pack
    # in production: the page offers Close, not Release, and a forged release is refused, writing nothing
    assert ">Close batch<" in detail and ">Release batch<" not in detail
    with unchanged():
        refused = post_form(f"/batches/{bid}", {"status": "released"}, url=f"/batches/{bid}/status")
    assert refused.status_code == 409
    assert f"batch {bid} is in_production; it can move to: closed" in refused.get_data(as_text=True)
    with database.write() as s:
        s.get(Batch, bid).status = BatchStatus.CLOSED  # production done (the line's part)
    assert ">Release batch<" in client.get(f"/batches/{bid}").get_data(as_text=True)
    done = post_form(f"/batches/{bid}", {"status": "released"}, url=f"/batches/{bid}/status")
    assert done.status_code == 302
    assert f"Batch {bid} is now released." in client.get(f"/batches/{bid}").get_data(as_text=True)
    with database.read() as s:
        assert s.get(Batch, bid).status is BatchStatus.RELEASED
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "batch.status")).all()[-1]
        assert entry.actor.startswith("user:qa-") and entry.after == {"status": "released"}


def test_batch_status_form_rejects_a_recall_and_junk(
    web_client: Client, batch: dict[str, Any], post_form: Callable[..., Any], unchanged: Any
) -> None:
    web_client("admin")
    bid = batch["id"]
    with unchanged():
        recall = post_form(f"/batches/{bid}", {"status": "recalled"}, url=f"/batches/{bid}/status")
        junk = post_form(f"/batches/{bid}", {"status": "shredded"}, url=f"/batches/{bid}/status")
        skip = post_form(f"/batches/{bid}", {"status": "released"}, url=f"/batches/{bid}/status")
    assert recall.status_code == 422 and "a recall is signed on the recall page" in recall.get_data(as_text=True)
    assert junk.status_code == 422 and "unknown status" in junk.get_data(as_text=True)
    assert skip.status_code == 409
    assert f"batch {bid} is planned; it can move to: in_production" in skip.get_data(as_text=True)


def test_recall_needs_the_password_and_a_reason(
    web_client: Client, shipped: dict[str, Any], post_form: Callable[..., Any], database: Any, unchanged: Any
) -> None:
    client = web_client("qa")
    bid = shipped["batch"]["id"]
    with database.write() as s:
        s.get(Batch, bid).status = BatchStatus.RELEASED
    page = client.get(f"/recall/{bid}").get_data(as_text=True)
    assert "Grosso AG" in page and "Where the 6 packs are" in page
    with unchanged():
        no_reason = post_form(f"/recall/{bid}", {"reason": "", "password": PASSWORD})
        short = post_form(f"/recall/{bid}", {"reason": "bad", "password": PASSWORD})
    before = row_counts(database)
    wrong = post_form(f"/recall/{bid}", {"reason": "Contamination found in QC", "password": "not mine at all"})
    after = row_counts(database)
    # A wrong signature password is kept as a failed sign-in, and nothing else changes.
    assert {t: after[t] - before[t] for t in after if after[t] != before[t]} == {"login_attempt": 1}
    assert no_reason.status_code == 422 and 'data-field="reason">give a reason</p>' in no_reason.get_data(as_text=True)
    assert 'data-field="reason">give a reason of at least 5 characters</p>' in short.get_data(as_text=True)
    assert 'data-field="password">the password does not match the signed-in user</p>' in wrong.get_data(as_text=True)
    done = post_form(f"/recall/{bid}", {"reason": "Contamination  found in QC", "password": PASSWORD})
    assert done.status_code == 302
    with database.read() as s:
        assert s.get(Batch, bid).status is BatchStatus.RECALLED
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "batch.status")).all()[-1]
        assert entry.after == {"status": "recalled"}
        assert entry.reason is not None and entry.reason.endswith(": Contamination found in QC")
        assert entry.reason.startswith("signed by qa-") and entry.actor == "user:" + entry.reason[10:].split(":")[0]


def test_recall_csv_lists_every_pack_with_its_holder(web_client: Client, shipped: dict[str, Any]) -> None:
    client = web_client("regulator")
    bid = shipped["batch"]["id"]
    answer = client.get(f"/recall/{bid}.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="recall-batch-{bid}.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert sorted(r["serial"] for r in rows) == sorted(shipped["serials"] + shipped["home"])
    by_serial = {r["serial"]: r for r in rows}
    for serial in shipped["serials"]:
        assert by_serial[serial]["status"] == "shipped"
        assert by_serial[serial]["holder"] == "Grosso AG"
        assert by_serial[serial]["container"] == shipped["case"]
    for serial in shipped["home"]:
        assert by_serial[serial]["status"] == "commissioned" and by_serial[serial]["container"] == ""
    assert client.get("/recall/999.csv").status_code == 404
    assert client.post(f"/recall/{bid}").status_code == 400  # no token (and a regulator may not sign anyway)


def test_recall_is_qa_only(web_client: Client, batch: dict[str, Any], post_form: Callable[..., Any]) -> None:
    web_client("regulator")
    bid = batch["id"]
    answer = post_form(f"/recall/{bid}", {"reason": "Contamination found", "password": PASSWORD})
    assert answer.status_code == 403


def _message(database: Any, status: OutboxStatus = OutboxStatus.NEEDS_ATTENTION) -> str:
    from app.services import outbox

    with database.write() as s:
        message = outbox.enqueue(
            s,
            channel="partner_epcis",
            destination="https://partner.example/epcis/capture",
            body=b'{"type": "EPCISDocument"}',
            content_type="application/ld+json",
            reference="batch:1",
        )
        message.status = status
        message.last_error = "HTTP 503 from partner"
        return message.message_id


def test_monitor_lists_shows_resends_and_cancels(
    web_client: Client, database: Any, post_form: Callable[..., Any], unchanged: Any
) -> None:
    client = web_client("logistics")
    mid = _message(database)
    listing = client.get("/monitor?status=needs_attention").get_data(as_text=True)
    assert f"/monitor/{mid}" in listing and "HTTP 503 from partner" in listing
    detail = client.get(f"/monitor/{mid}").get_data(as_text=True)
    assert "{&#34;type&#34;: &#34;EPCISDocument&#34;}" in detail
    with unchanged():
        bad = post_form(f"/monitor/{mid}", {"action": "resend", "reason": ""})
        odd = post_form(f"/monitor/{mid}", {"action": "explode", "reason": "why not"})
    assert bad.status_code == 422 and 'data-field="reason">say why (kept in the audit trail)</p>' in bad.get_data(
        as_text=True
    )
    assert odd.status_code == 422 and 'data-field="action">Not a valid choice.</p>' in odd.get_data(as_text=True)
    assert post_form(f"/monitor/{mid}", {"action": "resend", "reason": "partner is back"}).status_code == 302
    with database.read() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.message_id == mid))
        assert row is not None and row.status is OutboxStatus.PENDING and row.attempts == 0
    assert post_form(f"/monitor/{mid}", {"action": "cancel", "reason": "sent by hand"}).status_code == 302
    with database.read() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.message_id == mid))
        assert row is not None and row.status is OutboxStatus.CANCELLED
        actions = [e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.entity_id == mid))]
        assert actions == ["outbox.resend", "outbox.cancel"]


def test_monitor_refuses_to_cancel_a_delivered_message(
    web_client: Client, database: Any, post_form: Callable[..., Any], unchanged: Any
) -> None:
    web_client("qa")
    mid = _message(database, OutboxStatus.DELIVERED)
    with unchanged():
        answer = post_form(f"/monitor/{mid}", {"action": "cancel", "reason": "too late"})
    assert answer.status_code == 409
    assert f"outbox message {mid} was delivered already; it cannot be cancelled" in answer.get_data(as_text=True)


def test_dashboard_figures(web_client: Client, database: Any, shipped: dict[str, Any]) -> None:
    client = web_client("line")
    _message(database)
    with database.write() as s:
        s.get(Batch, shipped["batch"]["id"]).status = BatchStatus.IN_PRODUCTION
    page = client.get("/").get_data(as_text=True)
    assert f'href="/batches/{shipped["batch"]["id"]}"' in page
    assert '<dd data-status="needs_attention">1</dd>' in page
    assert "No alerts from the hubs." in page


def test_audit_viewer_filters_and_checks_the_chain(web_client: Client, batch: dict[str, Any]) -> None:
    client = web_client("qa")
    page = client.get("/audit?entity=batch").get_data(as_text=True)
    assert "batch.create" in page and "user.create" not in page
    checked = client.get("/audit/verify").get_data(as_text=True)
    assert "Chain intact:" in checked and "none altered" in checked


def test_audit_chain_check_finds_tampering(web_client: Client, batch: dict[str, Any], database: Any) -> None:
    client = web_client("regulator")
    with database.write() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "batch.create")).one()
        entry.actor = "someone else"
        seq = entry.seq
    page = client.get("/audit/verify").get_data(as_text=True)
    assert f"Chain broken at entry {seq}" in page


def test_status_changes_are_refused_to_roles_without_them(
    web_client: Client, batch: dict[str, Any], post_form: Callable[..., Any], unchanged: Any
) -> None:
    web_client("logistics")
    bid = batch["id"]
    with unchanged():
        answer = post_form(f"/batches/{bid}", {"status": "in_production"}, url=f"/batches/{bid}/status")
    assert answer.status_code == 403
    assert "Your role (logistics) cannot use this page; it needs one of: admin, erp, line, qa." in answer.get_data(
        as_text=True
    )


def test_unknown_things_get_an_html_page_that_says_what_to_do(
    web_client: Client, client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    web_client("qa")
    for path in ("/batches/999", "/recall/999", "/monitor/no-such-message"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.mimetype == "text/html"
        assert "Back to the dashboard" in answer.get_data(as_text=True)
    assert "no batch with id 999" in client.get("/batches/999").get_data(as_text=True)
    api = client.get("/api/v1/batches/999", headers=auth["qa"])
    assert api.status_code == 404 and api.mimetype == "application/problem+json"


def test_places_are_named_from_master_data(
    web_client: Client, shipped: dict[str, Any], client: FlaskClient, auth: dict[str, dict[str, str]]
) -> None:
    site = client.post(
        "/api/v1/locations", headers=auth["erp"], json={"gln": "9506000000008", "name": "Plant Basel", "kind": "site"}
    )
    assert site.status_code == 201, site.get_json()
    web_client("qa")
    page = client.get(f"/trace/01/{GTIN}/21/{shipped['home'][0]}").get_data(as_text=True)
    assert "<dt>Location</dt><dd>Plant Basel (9506000000008)</dd>" in page
    assert "<td>Plant Basel (9506000000008)</td>" in page  # where its events happened
    assert "Plant Basel (9506000000008)" in client.get("/").get_data(as_text=True)


def test_dashboard_lists_hub_alerts(web_client: Client, database: Any) -> None:
    from datetime import UTC, datetime

    from app.models.fmd import FmdAlert

    with database.write() as s:
        s.add(
            FmdAlert(
                alert_id="A-1",
                code="A7",
                severity="high",
                message="Pack not found in the hub",
                raised_at=datetime(2026, 11, 27, 8, 30, tzinfo=UTC),
                market="DE",
                gtin=GTIN,
                serial="XYZ123",
            )
        )
    page = web_client("qa").get("/").get_data(as_text=True)
    assert "<strong>A7</strong> Pack not found in the hub <small>(DE)</small>" in page
    assert f'href="/trace/01/{GTIN}/21/XYZ123"' in page and "2026-11-27 08:30" in page
    assert "No alerts from the hubs." not in page
