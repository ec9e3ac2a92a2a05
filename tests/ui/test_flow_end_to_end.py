"""The whole logistics flow in a real browser (Debian's Chromium): sign in, a batch created, allocated, commissioned
and packed through the API, shipped by scanning with live validation, the DSCSA message seen in the report monitor
and delivered to the partner's server, a transfer received at a second location, a pack traced, a pack decommissioned
with an electronic signature, and the batch recalled by QA."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.models import AuditEntry, CodeState
from app.services import worker
from epcis import gs1
from tests.conftest import GTIN, row_counts
from tests.ui.conftest import ARTIFACTS, PASSWORD

Auth = dict[str, dict[str, str]]
SITE, WAREHOUSE, LINE, PARTNER = "9506000000008", "9506000000015", "9506000000022", "4012345000009"
DSCSA_PRODUCT = {
    "ndc": "50090-1234-1",
    "drug_name": "Examplumab",
    "dosage_form": "INJECTION, SOLUTION",
    "strength": "40 mg/0.8 mL",
    "container_size": "1 prefilled syringe",
    "manufacturer": "Custody Pharma GmbH",
}
ADDRESSES = {
    SITE: {
        "name": "Custody Pharma Packaging",
        "street_one": "1 Example Way",
        "city": "Springfield",
        "state": "NJ",
        "postal_code": "07081",
        "country": "US",
        "company_prefix_length": 7,
    },
    PARTNER: {
        "name": "Example Drug Wholesale",
        "street_one": "230 Park Ave S",
        "city": "New York",
        "state": "NY",
        "postal_code": "10003-1502",
        "country": "US",
        "company_prefix_length": 7,
    },
}


@dataclass
class Stock:
    """What the packaging line made: a pallet holding case A (3 packs), case B (2 packs), one loose pack."""

    batch_id: int
    serials: list[str]
    pallet: str
    case_a: str
    case_b: str


@dataclass
class Inbox:
    """The partner's DSCSA endpoint: a real HTTP server on 127.0.0.1 keeping what it receives."""

    url: str
    received: list[bytes] = field(default_factory=list)


@pytest.fixture
def partner_inbox() -> Iterator[Inbox]:
    inbox = Inbox("")

    @Request.application
    def receive(request: Request) -> Response:
        inbox.received.append(request.get_data())
        return Response("accepted", status=202)

    server = make_server("127.0.0.1", 0, receive, threaded=True)
    inbox.url = f"http://127.0.0.1:{server.server_port}/dscsa/inbound"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield inbox
    server.shutdown()
    thread.join(timeout=10)


def api(client: FlaskClient, method: str, path: str, token: dict[str, str], body: dict[str, Any]) -> Any:
    answer = client.open(path, method=method, headers=token, json=body)
    assert answer.status_code in (200, 201), (path, answer.get_json())
    return answer.get_json()


def master_data(client: FlaskClient, auth: Auth, inbox: Inbox) -> None:
    """Our site, warehouse and line, the US partner with its site and DSCSA channel, and DSCSA master data."""
    erp = auth["erp"]
    for gln, name, kind in (
        (SITE, "Plant Springfield", "site"),
        (WAREHOUSE, "Warehouse Edison", "warehouse"),
        (LINE, "Packaging line 1", "line"),
        (PARTNER, "Wholesale DC New York", "partner_site"),
    ):
        api(client, "POST", "/api/v1/locations", erp, {"gln": gln, "name": name, "kind": kind})
    partner = api(
        client, "POST", "/api/v1/partners", erp, {"name": "Example Drug Wholesale", "gln": PARTNER, "country": "US"}
    )
    api(client, "PUT", f"/api/v1/partners/{partner['id']}/channels/dscsa", erp, {"endpoint": inbox.url})
    api(client, "PUT", f"/api/v1/dscsa/products/{GTIN}", erp, DSCSA_PRODUCT)
    for gln, address in ADDRESSES.items():
        api(client, "PUT", f"/api/v1/dscsa/addresses/{gln}", erp, address)


def make_stock(client: FlaskClient, auth: Auth) -> Stock:
    """A batch created by the ERP, serials and SSCCs allocated, packs commissioned and packed by the line, the
    batch released by QA."""
    batch = api(
        client,
        "POST",
        "/api/v1/batches",
        auth["erp"],
        {"gtin": GTIN, "lot": "E2E-001", "expiry": "2027-12-31", "quantity": 100, "site_gln": SITE, "line_gln": LINE},
    )
    api(client, "POST", f"/api/v1/batches/{batch['id']}/status", auth["line"], {"status": "in_production"})
    serials = [
        s["serial"]
        for s in api(client, "POST", f"/api/v1/batches/{batch['id']}/serials", auth["line"], {"count": 6})["serials"]
    ]
    pallet, case_a, case_b = api(
        client, "POST", "/api/v1/sscc", auth["line"], {"company_prefix": "9506000", "extension_digit": 0, "count": 3}
    )["sscc"]
    operations = [
        {"op": "commission", "batch_id": batch["id"], "serials": serials},
        {"op": "pack", "parent": case_a, "batch_id": batch["id"], "serials": serials[:3]},
        {"op": "pack", "parent": case_b, "batch_id": batch["id"], "serials": serials[3:5]},
        {"op": "pack", "parent": pallet, "children": [case_a]},
    ]
    api(client, "POST", f"/api/v1/lines/{LINE}/events", auth["line"], {"operations": operations})
    # QA releases the batch (which starts its reporting): only released goods go to a partner.
    for status in ("closed", "released"):
        api(client, "POST", f"/api/v1/batches/{batch['id']}/status", auth["qa"], {"status": status})
    return Stock(batch["id"], serials, pallet, case_a, case_b)


def screenshot(page: Any, name: str) -> None:
    """Save a page as a test artifact; `docs/ui-logistics-*.png` in the README are copies of these."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ui-logistics-{name}.png"), full_page=True)


def pick(page: Any, label: str, text: str) -> None:
    """Choose the option of a select whose text starts with `text` (what a user reads, not an id)."""
    select_box = page.get_by_label(label, exact=True)
    value = select_box.locator("option", has_text=text).first.get_attribute("value")
    select_box.select_option(value)


def flashed(page: Any, text: str) -> None:
    """Wait for the confirmation message shown at the top of the page."""
    page.locator(".flash", has_text=text).wait_for()


def scan(page: Any, code: str) -> None:
    """What a keyboard-wedge scanner does: type into the focused field, then Enter.

    The page must have put the focus in its scan field by itself (a station has no mouse).
    """
    page.wait_for_function("document.readyState === 'complete' && document.activeElement?.id === 'code'")
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_flow_end_to_end(
    client: FlaskClient,
    auth: Auth,
    database: Any,
    product: dict[str, Any],
    signed_in: Callable[[str], Any],
    partner_inbox: Inbox,
) -> None:
    master_data(client, auth, partner_inbox)
    stock = make_stock(client, auth)
    page = signed_in("logistics")

    # Ship the pallet to the US partner, scanning at a station with the keyboard only.
    page.get_by_role("link", name="Shipments").click()
    assert page.get_by_text("No shipments yet.").is_visible()
    pick(page, "Ship from (our site)", "Plant Springfield")
    pick(page, "Partner", "Example Drug Wholesale")
    pick(page, "Ship to", "Wholesale DC New York")
    page.get_by_role("button", name="Create and start scanning").click()
    page.wait_for_url(re.compile(r"/shipments/1$"))
    scan_field = page.get_by_label("Scan a pallet, case or pack")
    assert scan_field.evaluate("el => el === document.activeElement")
    # A pack inside the pallet is refused live, beside the field, before anything is sent.
    page.keyboard.type(f"]d201{GTIN}21{stock.serials[0]}<GS>10E2E-001<GS>17271231")
    error = page.locator("#code-error")
    error.wait_for()
    assert f"is packed in SSCC {stock.case_a}" in error.inner_text()
    assert scan_field.get_attribute("aria-invalid") == "true"
    screenshot(page, "scan-check")
    scan_field.fill("")
    page.keyboard.type(f"]C100{stock.pallet}")
    page.get_by_text(f"SSCC {stock.pallet}: 3 packs, OK to add (press Enter)").wait_for()
    assert page.locator("#code-error").count() == 0
    page.keyboard.press("Enter")
    flashed(page, f"Added SSCC {stock.pallet} (3 packs).")
    pdf = page.request.get("/shipments/1/packing-list.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
    page.get_by_role("button", name="Ship 1 unit").click()
    flashed(page, "Shipment SHP-000001 shipped")
    assert page.get_by_test_id("shipment-status").inner_text() == "shipped"
    screenshot(page, "shipment")

    # The DSCSA document is in the report monitor, and the worker delivers it to the partner's server.
    page.get_by_role("link", name="Reports").click()
    row = page.locator("tr", has_text="dscsa")
    assert row.count() == 1 and "pending" in row.inner_text()
    report = worker.deliver_due(database)
    assert report.delivered >= 1 and len(partner_inbox.received) == 1
    document = partner_inbox.received[0]
    assert b"urn:epcglobal:epcis:xsd:1" in document  # the EPCIS 1.2 document DSCSA partners take
    assert gs1.Sscc.parse(stock.pallet).epc_urn(7).encode() in document
    page.reload()
    assert "delivered" in page.locator("tr", has_text="dscsa").inner_text()

    # A transfer of case B to our warehouse, received there against our own shipment record.
    page.get_by_role("link", name="Shipments").click()
    pick(page, "Ship from (our site)", "Plant Springfield")
    pick(page, "Ship to", "Warehouse Edison")
    page.get_by_role("button", name="Create and start scanning").click()
    page.wait_for_url(re.compile(r"/shipments/2$"))
    scan(page, stock.case_b)  # the bare SSCC as typed from the label
    flashed(page, f"Added SSCC {stock.case_b} (2 packs).")
    page.get_by_role("button", name="Ship 1 unit").click()
    flashed(page, "Shipment SHP-000002 shipped")
    page.get_by_role("link", name="Receiving").click()
    pick(page, "Receive at (our site)", "Warehouse Edison")
    pick(page, "Our shipment (transfer or return)", "SHP-000002")
    page.get_by_role("button", name="Start receiving").click()
    page.wait_for_url(re.compile(r"/receiving/1$"))
    assert page.get_by_role("heading", name="Missing (1)").is_visible()
    scan(page, f"(00){stock.case_b}")
    page.get_by_role("heading", name="Missing (0)").wait_for()
    page.get_by_role("button", name="Receive 1 scanned unit here").click()
    flashed(page, "Receipt 1 received at Warehouse Edison")
    assert page.get_by_test_id("receipt-status").inner_text() == "received"
    screenshot(page, "receiving")

    # Trace a pack of case B from the scan field in the header: received at the warehouse.
    page.locator("#scan-code").fill(f"(01){GTIN}(21){stock.serials[3]}")
    page.locator("#scan-code").press("Enter")
    page.wait_for_url(re.compile(r"/trace/"))
    assert page.get_by_test_id("status").inner_text() == "received"

    # Decommission the loose pack as destroyed: the signature is checked, then kept in the audit trail.
    page.get_by_role("link", name="Decommission").click()
    page.get_by_label("Scan the pack, case or pallet").fill(f"(01){GTIN}(21){stock.serials[5]}")
    page.get_by_label("Reason", exact=True).select_option("destroyed")
    pick(page, "Where (our site)", "Plant Springfield")
    page.get_by_label("Why (kept in the audit trail)").fill("Dropped on the floor, vial cracked")
    page.get_by_label("Your password (signature)").fill("not my password")
    before = row_counts(database)
    page.get_by_role("button", name="Decommission").click()
    page.locator("#password-error").wait_for()
    assert "the password does not match the signed-in user" in page.locator("#password-error").inner_text()
    after = row_counts(database)  # the failed signature is kept as a failed sign-in; nothing else changed
    assert {t: after[t] - before[t] for t in after if after[t] != before[t]} == {"login_attempt": 1}
    page.get_by_label("Your password (signature)").fill(PASSWORD)
    page.get_by_role("button", name="Decommission").click()
    flashed(page, "decommissioned as destroyed; recorded in the audit trail.")
    screenshot(page, "decommission")
    with database.read() as session:
        pack = session.get(CodeState, f"https://id.gs1.org/01/{GTIN}/21/{stock.serials[5]}")
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "code.decommission"))
    assert pack is not None and (pack.status, pack.decommission_reason) == ("decommissioned", "destroyed")
    assert entry is not None and entry.reason is not None
    assert re.fullmatch(r"signed by logistics-\d+: Dropped on the floor, vial cracked", entry.reason)

    # QA recalls the batch with its own signature.
    page.get_by_role("button", name="Sign out").click()
    page = signed_in("qa")
    page.get_by_role("link", name="Recall").click()
    page.get_by_label("Batch number").fill(str(stock.batch_id))
    page.keyboard.press("Enter")
    page.get_by_label("Reason").fill("Out-of-specification assay on retained samples")
    page.get_by_label("Your password (signature)").fill(PASSWORD)
    page.get_by_role("button", name=f"Sign and recall batch #{stock.batch_id}").click()
    page.get_by_test_id("batch-status").filter(has_text="recalled").wait_for()
