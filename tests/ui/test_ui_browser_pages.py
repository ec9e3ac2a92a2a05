"""Browser: each page family driven in Chromium as staff use it (keyboard, scanner input, forms, downloads)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from app.models import AuditEntry, Batch, BatchStatus, OutboxMessage, OutboxStatus
from app.services import outbox
from tests.conftest import GTIN

PASSWORD = "correct horse battery"
SignedIn = Callable[[str], Any]
Snapshot = Callable[[Any, str], None]


def test_scan_field_takes_scanner_input_and_opens_the_trace(
    signed_in: SignedIn, shipped: dict[str, Any], snapshot: Snapshot
) -> None:
    page = signed_in("logistics")
    serial = shipped["serials"][0]
    # What a keyboard-wedge scanner types: AIM prefix, data with a GS stand-in, then Enter.
    page.locator("#scan-code").press_sequentially(f"]d201{GTIN}21{serial}{{GS}}10LOT-001")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/trace/01/{GTIN}/21/{serial}$"))
    expect(page.get_by_test_id("status")).to_have_text("shipped")
    # The raw control character (Ctrl+] on some wedges) works the same, from any page.
    page.goto("/batches")
    page.locator("#scan-code").fill(f"01{GTIN}21{serial}\x1d17271231")
    page.locator("#scan-code").press("Enter")
    page.wait_for_url(re.compile(rf"/trace/01/{GTIN}/21/{serial}$"))
    snapshot(page, "trace")
    page.locator("#scan-code").fill("not a barcode")
    page.locator("#scan-code").press("Enter")
    expect(page.get_by_role("heading", name="This code cannot be read")).to_be_visible()


def test_trace_page_tree_and_timeline(signed_in: SignedIn, shipped: dict[str, Any]) -> None:
    page = signed_in("qa")
    sscc = shipped["case"].rsplit("/", 1)[1]
    page.goto(f"/trace/00/{sscc}")
    expect(page.get_by_text("Contains 4 items")).to_be_visible()
    page.get_by_role("link", name=f"01/{GTIN}/21/{shipped['serials'][2]}").click()
    page.wait_for_url(re.compile(rf"/21/{shipped['serials'][2]}$"))
    rows = page.locator("#h-events + div table tbody tr")
    assert rows.count() == 3  # commissioned, packed, and shipped inside its case
    assert "commissioning" in rows.nth(0).inner_text() and "token:line-token" in rows.nth(0).inner_text()
    assert "packing" in rows.nth(1).inner_text() and "child" in rows.nth(1).inner_text()
    assert "shipping" in rows.nth(2).inner_text() and f"in 00/{sscc}" in rows.nth(2).inner_text()
    page.get_by_role("link", name=f"00/{sscc}").first.click()
    page.wait_for_url(re.compile(rf"/trace/00/{sscc}$"))


def test_dashboard(signed_in: SignedIn, shipped: dict[str, Any], database: Any, snapshot: Snapshot) -> None:
    with database.write() as s:
        s.get(Batch, shipped["batch"]["id"]).status = BatchStatus.IN_PRODUCTION
        message = outbox.enqueue(
            s,
            channel="eu_fmd",
            destination="https://hub.example/",
            body=b"{}",
            content_type="application/json",
            reference="batch:1",
        )
        message.status = OutboxStatus.NEEDS_ATTENTION
    page = signed_in("qa")
    expect(page.locator('dd[data-status="needs_attention"]')).to_have_text("1")
    expect(page.get_by_role("link", name=f"#{shipped['batch']['id']}")).to_be_visible()
    snapshot(page, "dashboard")
    page.get_by_role("link", name="Messages that need attention").click()
    expect(page.get_by_role("heading", name="Report monitor")).to_be_visible()


def test_batches_detail_and_release(
    signed_in: SignedIn, shipped: dict[str, Any], database: Any, snapshot: Snapshot
) -> None:
    bid = shipped["batch"]["id"]
    page = signed_in("qa")
    page.get_by_role("link", name="Batches", exact=True).click()
    page.get_by_label("Status").select_option("in_production")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=f"#{bid}").click()
    expect(page.locator('[data-figure="shipped"]')).to_have_text("4")
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("closed")
    page.get_by_role("button", name="Release").click()
    expect(page.get_by_text(f"Batch {bid} is now released.")).to_be_visible()
    expect(page.get_by_test_id("batch-status")).to_have_text("released")
    snapshot(page, "batch")
    with database.read() as s:
        assert s.get(Batch, bid).status is BatchStatus.RELEASED


def test_recall_with_signature_and_csv(
    signed_in: SignedIn, shipped: dict[str, Any], database: Any, snapshot: Snapshot, tmp_path: Path
) -> None:
    bid = shipped["batch"]["id"]
    with database.write() as s:
        s.get(Batch, bid).status = BatchStatus.RELEASED
    page = signed_in("qa")
    page.get_by_role("link", name="Recall").click()
    page.get_by_label("Batch number").fill("0")
    page.get_by_role("button", name="Open").click()
    assert page.locator("#batch_id-error").inner_text().endswith("a batch number is 1 or more")
    page.get_by_label("Batch number").fill(str(bid))
    page.get_by_role("button", name="Open").click()
    expect(page.locator("#h-where + div table").get_by_role("cell", name="Grosso AG")).to_have_text("Grosso AG")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export every pack as CSV").click()
    target = tmp_path / "recall.csv"
    download.value.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 6 and {r["holder"] for r in rows if r["status"] == "shipped"} == {"Grosso AG"}
    # Signature: wrong password first, message beside the field, nothing recalled.
    page.get_by_label("Reason").fill("Particles found in retained samples")
    page.get_by_label("Your password (signature)").fill("not my password")
    page.get_by_role("button", name=f"Sign and recall batch #{bid}").click()
    assert page.locator("#password-error").inner_text().endswith("the password does not match the signed-in user")
    expect(page.get_by_test_id("batch-status")).to_have_text("released")
    snapshot(page, "recall")
    page.get_by_label("Your password (signature)").fill(PASSWORD)
    page.get_by_role("button", name=f"Sign and recall batch #{bid}").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("recalled")
    page.locator("#h-sign + p").get_by_role("link", name="audit trail").click()
    signed = re.compile(r"signed by qa-\d+: Particles found in retained samples")
    expect(page.get_by_role("cell", name=signed)).to_be_visible()
    with database.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "batch.status")).all()[-1]
        assert entry.after == {"status": "recalled"}


def test_monitor_resend_and_cancel(signed_in: SignedIn, database: Any, snapshot: Snapshot) -> None:
    with database.write() as s:
        message = outbox.enqueue(
            s,
            channel="partner_epcis",
            destination="https://partner.example/capture",
            body=b'{"type": "EPCISDocument"}',
            content_type="application/ld+json",
            reference="shipment:7",
        )
        message.status, message.last_error = OutboxStatus.NEEDS_ATTENTION, "HTTP 503 from partner"
        mid = message.message_id
    page = signed_in("logistics")
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name=re.compile(r"^\d{4}-")).first.click()
    assert page.get_by_test_id("payload").inner_text() == '{"type": "EPCISDocument"}'
    page.get_by_role("button", name="Apply").click()  # no reason
    assert page.locator("#reason-error").inner_text().endswith("say why (kept in the audit trail)")
    snapshot(page, "monitor")
    page.get_by_label("Reason").fill("partner is back online")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("message-status")).to_have_text("pending")
    page.get_by_label("Action").select_option("cancel")
    page.get_by_label("Reason").fill("sent by hand")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("message-status")).to_have_text("cancelled")
    with database.read() as s:
        assert s.scalar(select(OutboxMessage.status).where(OutboxMessage.message_id == mid)) is OutboxStatus.CANCELLED


def test_master_data_form_rejects_then_saves(
    signed_in: SignedIn, database: Any, unchanged: Any, snapshot: Snapshot
) -> None:
    page = signed_in("erp")
    page.get_by_role("link", name="Master data").click()
    page.get_by_label("GTIN").fill("09506000134353")
    page.get_by_label("Name").fill("Examplumab 40 mg")
    page.get_by_label("GS1 company prefix length").fill("7")
    with unchanged():
        page.get_by_role("button", name="Save").click()
        page.locator("#gtin-error").wait_for()
    assert "check digit" in page.locator("#gtin-error").inner_text()
    assert page.get_by_label("Name").input_value() == "Examplumab 40 mg"  # what was typed is kept
    snapshot(page, "masterdata")
    page.get_by_label("GTIN").fill("09506000134352")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved product 09506000134352.")).to_be_visible()
    expect(page.get_by_role("cell", name="Examplumab 40 mg")).to_be_visible()


def test_audit_viewer_and_chain_check(signed_in: SignedIn, batch: dict[str, Any], snapshot: Snapshot) -> None:
    page = signed_in("regulator")
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Record type", exact=True).fill("batch")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("cell", name="batch.create")).to_be_visible()
    page.get_by_role("link", name="Check the whole chain now").click()
    assert page.get_by_test_id("chain-result").inner_text().startswith("Chain intact:")
    snapshot(page, "audit")


def test_users_and_tokens_admin_only(signed_in: SignedIn, browser_page: Any, snapshot: Snapshot) -> None:
    page = signed_in("admin")
    page.get_by_role("link", name="Users & tokens").click()
    page.get_by_label("Username").fill("station-7")
    page.get_by_label("Role").first.select_option("logistics")
    page.get_by_label("Password", exact=True).fill("scanner station 7")
    page.get_by_label("Password again").fill("scanner station 7")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("User station-7 created.")).to_be_visible()
    page.get_by_label("Token name").fill("erp-1")
    page.get_by_role("button", name="Create token").click()
    assert page.get_by_test_id("new-token").inner_text().startswith("cst_")
    snapshot(page, "admin")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill("station-7")
    page.get_by_label("Password").fill("scanner station 7")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))
    expect(page.get_by_text("station-7 (logistics)")).to_be_visible()
    expect(page.get_by_role("link", name="Users & tokens")).not_to_be_visible()
    page.goto("/admin")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
