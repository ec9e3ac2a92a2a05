"""Logistics pages through the Flask test client on both backends: roles, empty states, every form's bad input
answered beside its field with nothing written, the live check JSON endpoint (session + CSRF) and the PDF."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.services import shipments
from tests.conftest import row_counts
from tests.services.test_shipments import CLERK, World, draft, make_world, pdf_text, sscc_of
from tests.ui.conftest import csrf_token

Auth = dict[str, dict[str, str]]


@pytest.fixture
def world(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> World:
    return make_world(client, auth, batch)


def error_beside(html: str, field: str) -> str:
    """The error text shown beside a form field (the macro's `<p class="error" id="<field>-error">`)."""
    found = re.search(rf'<p class="error" id="{field}-error"[^>]*>(.*?)</p>', html, re.S)
    assert found, f"no error beside {field}"
    return found.group(1).replace("&#39;", "'").replace("&amp;", "&").strip()


def test_pages_need_sign_in_and_the_role(web_client: Callable[[str], FlaskClient], client: FlaskClient) -> None:
    for path in ("/shipments", "/receiving", "/decommission"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=" + path)
    assert client.post("/shipments/1/check", json={"code": "x"}).status_code == 400  # no CSRF token
    token = csrf_token(client.get("/login").get_data(as_text=True))
    check = client.post("/shipments/1/check", json={"code": "x"}, headers={"X-CSRFToken": token})
    assert check.status_code == 401 and check.mimetype == "application/problem+json"
    web_client("regulator")
    assert client.get("/shipments").status_code == 403
    assert client.get("/decommission").status_code == 403


def test_empty_states_say_what_to_do(web_client: Callable[[str], FlaskClient]) -> None:
    client = web_client("logistics")
    shipments_page = client.get("/shipments").get_data(as_text=True)
    assert "No shipments yet. Create one with the form" in shipments_page
    receiving_page = client.get("/receiving").get_data(as_text=True)
    assert "No deliveries received yet." in receiving_page


def test_shipment_forms_reject_bad_input_beside_the_field(
    web_client: Callable[[str], FlaskClient], post_form: Callable[..., Any], world: World, unchanged: Any
) -> None:
    web_client("logistics")
    with unchanged():
        answer = post_form("/shipments", {"ship_from": "", "partner": "", "ship_to": ""})
        assert answer.status_code == 422
        assert error_beside(answer.get_data(as_text=True), "ship_from") == "choose one of our sites or warehouses"
        answer = post_form(
            "/shipments", {"ship_from": world.site, "partner": world.partner, "ship_to": world.warehouse}
        )
        assert answer.status_code == 422
        assert error_beside(answer.get_data(as_text=True), "ship_to").startswith(
            "Warehouse Lyon (9506000000015) is one of our locations; choose the partner's site"
        )
    answer = post_form("/shipments", {"ship_from": world.site, "partner": world.partner, "ship_to": world.partner_site})
    assert answer.status_code == 302 and answer.headers["Location"] == "/shipments/1"
    pack = world.packs[0].rsplit("/", 1)[1]
    with unchanged():
        answer = post_form("/shipments/1", {"code": f"(01)09506000134352(21){pack}"}, url="/shipments/1/units")
        assert answer.status_code == 422
        assert error_beside(answer.get_data(as_text=True), "code").startswith(
            f"GTIN 09506000134352 serial {pack} is packed in SSCC {sscc_of(world.cases[0])}"
        )
        answer = post_form("/shipments/1", {"code": ""}, url="/shipments/1/units")
        assert answer.status_code == 422
        assert error_beside(answer.get_data(as_text=True), "code") == "scan or type a code"
        answer = post_form("/shipments/1", {}, url="/shipments/1/ship")
        assert answer.status_code == 422
        assert error_beside(answer.get_data(as_text=True), "code") == (
            "scan at least one pallet, case or pack before shipping"
        )


def test_live_check_is_session_authenticated_and_csrf_protected(
    app: Flask, web_client: Callable[[str], FlaskClient], database: Any, world: World, unchanged: Any
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = web_client("logistics")
    shipment = draft(database, world)
    page = client.get(f"/shipments/{shipment['id']}").get_data(as_text=True)
    token = csrf_token(page)
    with unchanged():
        refused = client.post(f"/shipments/{shipment['id']}/check", json={"code": world.cases[0]})
        assert refused.status_code == 400
        ok = client.post(
            f"/shipments/{shipment['id']}/check", json={"code": sscc_of(world.cases[0])}, headers={"X-CSRFToken": token}
        )
        assert ok.status_code == 200
        assert ok.get_json()["label"] == f"SSCC {sscc_of(world.cases[0])}" and ok.get_json()["packs"] == 3
        bad = client.post(
            f"/shipments/{shipment['id']}/check", json={"code": "(00)123"}, headers={"X-CSRFToken": token}
        )
        assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
        assert bad.get_json()["field"] == "code" and bad.get_json()["detail"].startswith("not a code this service can")


def test_packing_list_pdf(web_client: Callable[[str], FlaskClient], database: Any, world: World) -> None:
    client = web_client("logistics")
    shipment = draft(database, world)
    shipments.add(database, CLERK, shipment["id"], world.cases[0])
    shipments.ship(database, CLERK, shipment["id"])
    answer = client.get(f"/shipments/{shipment['id']}/packing-list.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"] == 'inline; filename="packing-list-SHP-000001.pdf"'
    text = pdf_text(answer.get_data())
    assert "Packing list SHP-000001" in text and "DRAFT" not in text and f"SSCC {sscc_of(world.cases[0])}" in text
    assert client.get("/shipments/99/packing-list.pdf").status_code == 404


def test_receiving_forms_reject_bad_input(
    web_client: Callable[[str], FlaskClient], post_form: Callable[..., Any], database: Any, world: World, unchanged: Any
) -> None:
    web_client("logistics")
    with unchanged():
        answer = post_form("/receiving", {"location": world.warehouse, "shipment": "", "partner": ""})
        assert answer.status_code == 422
        assert error_beside(answer.get_data(as_text=True), "shipment") == (
            "choose either the shipment being received or the partner it comes from"
        )
    answer = post_form("/receiving", {"location": world.warehouse, "shipment": "", "partner": world.partner})
    assert answer.status_code == 302 and answer.headers["Location"] == "/receiving/1"
    with unchanged():
        answer = post_form("/receiving/1", {"code": "not a code"}, url="/receiving/1/scans")
        assert answer.status_code == 422
        assert error_beside(answer.get_data(as_text=True), "code").startswith("not a code this service can read")
        answer = post_form("/receiving/1", {}, url="/receiving/1/receive")
        assert error_beside(answer.get_data(as_text=True), "code") == (
            "scan the delivery's pallets, cases or packs before receiving"
        )


def test_decommission_form(
    client: FlaskClient,
    web_client: Callable[[str], FlaskClient],
    post_form: Callable[..., Any],
    database: Any,
    world: World,
    unchanged: Any,
) -> None:
    web_client("logistics")
    base = {"code": sscc_of(world.cases[1]), "reason_code": "destroyed", "location": world.site}
    with unchanged():
        answer = post_form("/decommission", {**base, "reason": "bad", "password": "correct horse battery"})
        assert answer.status_code == 422
        assert error_beside(answer.get_data(as_text=True), "reason") == "give a reason of at least 5 characters"
        answer = post_form("/decommission", {**base, "reason_code": ""})
        assert error_beside(answer.get_data(as_text=True), "reason_code") == "choose a reason"
        answer = post_form("/decommission", {**base, "reason_code": "sample", "location": ""})
        assert error_beside(answer.get_data(as_text=True), "location") == "choose one of our sites or warehouses"
    before = row_counts(database)
    answer = post_form("/decommission", {**base, "reason": "pallet crushed", "password": "wrong password!"})
    assert error_beside(answer.get_data(as_text=True), "password") == "the password does not match the signed-in user"
    after = row_counts(database)
    assert {t: after[t] - before[t] for t in after if after[t] != before[t]} == {"login_attempt": 1}
    answer = post_form("/decommission", {**base, "reason": "pallet crushed", "password": "correct horse battery"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/decommission"
    shown = client.get("/decommission").get_data(as_text=True)
    assert (
        f"SSCC {sscc_of(world.cases[1])} with the 2 units inside it decommissioned as destroyed; "
        "recorded in the audit trail." in shown
    )
