"""Logistics pages in the browser: keyboard-only scanning, removing a unit, receiving discrepancies shown and
refused beside the field, decommissioning with and without a signature."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import GTIN
from tests.services.test_shipments import World, make_world, sscc_of
from tests.ui.conftest import PASSWORD
from tests.ui.test_flow_end_to_end import flashed, pick, scan, screenshot

Auth = dict[str, dict[str, str]]


@pytest.fixture
def world(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> World:
    return make_world(client, auth, batch)


def serial_of(epc: str) -> str:
    return epc.rsplit("/", 1)[1]


def test_shipment_with_the_keyboard_only(signed_in: Callable[[str], Any], world: World, unchanged: Any) -> None:
    page = signed_in("logistics")
    page.goto("/shipments")
    # Tab order follows the form: ship from, partner, ship to, then the button.
    page.get_by_label("Ship from (our site)").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "partner"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "ship_to"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/shipments/1$"))
    scan(page, sscc_of(world.cases[0]))
    flashed(page, f"Added SSCC {sscc_of(world.cases[0])} (3 packs).")
    scan(page, f"]d201{GTIN}21{serial_of(world.packs[5])}<GS>10LOT-001<GS>17271231")
    flashed(page, "(1 packs)")
    assert page.get_by_role("heading", name="Units (2, 4 packs)").is_visible()
    # The same case again: refused by the server too, beside the field, nothing written.
    with unchanged():
        scan(page, f"(00){sscc_of(world.cases[0])}")
        page.locator("#code-error").wait_for()
    assert (
        page.locator("#code-error").inner_text().endswith(f"SSCC {sscc_of(world.cases[0])} is already in this shipment")
    )
    page.get_by_role("button", name=f"Remove GTIN {GTIN} serial {serial_of(world.packs[5])}").click()
    flashed(page, "Unit removed from the shipment.")
    assert page.get_by_role("heading", name="Units (1, 3 packs)").is_visible()
    assert page.get_by_role("button", name="Ship 1 unit").is_visible()


def test_receiving_shows_and_refuses_discrepancies(
    signed_in: Callable[[str], Any], world: World, database: Any, unchanged: Any
) -> None:
    from app.services import shipments
    from tests.services.test_shipments import CLERK, draft

    shipment = draft(database, world, partner_id=None, ship_to_id=world.warehouse)
    shipments.add(database, CLERK, shipment["id"], world.cases[0])
    shipments.ship(database, CLERK, shipment["id"])
    page = signed_in("logistics")
    page.get_by_role("link", name="Receiving").click()
    assert page.get_by_text("No deliveries received yet.").is_visible()
    page.get_by_role("button", name="Start receiving").click()
    assert page.locator("#location-error").inner_text().endswith("choose one of our sites or warehouses")
    pick(page, "Receive at (our site)", "Warehouse Lyon")
    pick(page, "Our shipment (transfer or return)", "SHP-000001")
    page.get_by_role("button", name="Start receiving").click()
    page.wait_for_url(re.compile(r"/receiving/1$"))
    scan(page, sscc_of(world.cases[1]))
    page.get_by_role("heading", name="Unexpected (1)").wait_for()
    page.get_by_role("heading", name="Scanned (1)").wait_for()
    scan(page, f"(01){GTIN}(21){serial_of(world.packs[0])}(10)LOT-002(17)271231")
    page.get_by_role("heading", name="Lot or expiry differs (1)").wait_for()
    assert page.get_by_text("lot on the label LOT-002, expected LOT-001").is_visible()
    with unchanged():
        page.get_by_role("button", name="Receive 2 scanned units here").click()
        page.locator("#code-error").wait_for()
    assert "1 unexpected and 1 mismatching scans" in page.locator("#code-error").inner_text()
    screenshot(page, "receiving-discrepancies")
    page.get_by_role("button", name=f"Remove scan of SSCC {sscc_of(world.cases[1])}").click()
    page.get_by_role("heading", name="Scanned (1)").wait_for()
    page.get_by_role("button", name=f"Remove scan of GTIN {GTIN} serial {serial_of(world.packs[0])}").click()
    page.get_by_role("heading", name="Scanned (0)").wait_for()
    scan(page, sscc_of(world.cases[0]))
    page.get_by_role("heading", name="Missing (0)").wait_for()
    page.get_by_role("button", name="Receive 1 scanned unit here").click()
    assert page.get_by_test_id("receipt-status").inner_text() == "received"


def test_decommission_signature_only_where_final(signed_in: Callable[[str], Any], world: World, unchanged: Any) -> None:
    page = signed_in("qa")
    page.get_by_role("link", name="Decommission").click()
    page.get_by_label("Scan the pack, case or pallet").fill(sscc_of(world.cases[1]))
    page.get_by_label("Reason", exact=True).select_option("stolen")
    pick(page, "Where (our site)", "Plant Basel")
    with unchanged():
        page.get_by_role("button", name="Decommission").click()
        page.locator("#reason-error").wait_for()
    assert page.locator("#reason-error").inner_text().endswith("give a reason of at least 5 characters")
    # A sample needs no signature: the note is optional.
    page.get_by_label("Scan the pack, case or pallet").fill(f"(01){GTIN}(21){serial_of(world.packs[5])}")
    page.get_by_label("Reason", exact=True).select_option("sample")
    page.get_by_role("button", name="Decommission").click()
    flashed(page, "decommissioned as sample; recorded in the audit trail.")
    page.get_by_label("Scan the pack, case or pallet").fill(sscc_of(world.cases[1]))
    page.get_by_label("Reason", exact=True).select_option("stolen")
    pick(page, "Where (our site)", "Plant Basel")
    page.get_by_label("Why (kept in the audit trail)").fill("Truck broken into at the loading bay")
    page.get_by_label("Your password (signature)").fill(PASSWORD)
    page.get_by_role("button", name="Decommission").click()
    flashed(page, f"SSCC {sscc_of(world.cases[1])} with the 2 units inside it decommissioned as stolen")
    # Decommissioned is final: the trace page says so.
    page.locator("#scan-code").fill(sscc_of(world.cases[1]))
    page.locator("#scan-code").press("Enter")
    assert page.get_by_test_id("status").inner_text() == "decommissioned"
