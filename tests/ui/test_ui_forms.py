"""Master data and admin forms: bad input is refused beside the field and writes nothing; good input is saved."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.models import ApiToken, Location, Product, TradingPartner, User
from app.services import security

Client = Callable[[str], FlaskClient]
PRODUCT = {
    "gtin": "09506000134352",
    "name": "Examplumab 40 mg",
    "company_prefix_length": "7",
    "serial_alphabet": "alphanumeric",
    "serial_length": "12",
}


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="[^"]+" data-field="{field}">([^<]*)</p>', html)
    assert found, f"no error beside {field}"
    return found.group(1).replace("&#39;", "'")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"gtin": "09506000134353"}, "gtin", "check digit"),
        ({"gtin": ""}, "gtin", "this field is required"),
        ({"name": ""}, "name", "this field is required"),
        ({"company_prefix_length": "5"}, "company_prefix_length", "a number from 6 to 12"),
        ({"company_prefix_length": "seven"}, "company_prefix_length", "a number from 6 to 12"),
        ({"serial_length": "3"}, "serial_length", "use length 7 or more"),
        ({"serial_alphabet": "emoji"}, "serial_alphabet", "Not a valid choice."),
    ],
)
def test_product_form_rejects_bad_input_beside_the_field(
    web_client: Client, post_form: Callable[..., Any], unchanged: Any, change: dict[str, str], field: str, message: str
) -> None:
    web_client("erp")
    with unchanged():
        answer = post_form("/masterdata/products", {**PRODUCT, **change})
    assert answer.status_code in (409, 422)
    assert message in error_of(answer.get_data(as_text=True), field)


def test_product_form_saves_and_refuses_a_duplicate(
    web_client: Client, post_form: Callable[..., Any], database: Any, unchanged: Any
) -> None:
    client = web_client("erp")
    answer = post_form("/masterdata/products", PRODUCT)
    assert answer.status_code == 302 and answer.headers["Location"] == "/masterdata/products"
    assert "Saved product 09506000134352." in client.get("/masterdata/products").get_data(as_text=True)
    with database.read() as s:
        product = s.scalar(select(Product).where(Product.gtin == "09506000134352"))
        assert product is not None and product.serial_length == 12 and product.name == "Examplumab 40 mg"
    with unchanged():
        again = post_form("/masterdata/products", PRODUCT)
    assert again.status_code == 409
    assert error_of(again.get_data(as_text=True), "gtin") == "a product with GTIN 09506000134352 already exists"


def test_location_and_partner_forms(
    web_client: Client, post_form: Callable[..., Any], database: Any, unchanged: Any
) -> None:
    web_client("erp")
    with unchanged():
        bad_gln = post_form("/masterdata/locations", {"gln": "9506000000009", "name": "Line 1", "kind": "line"})
        bad_country = post_form("/masterdata/partners", {"gln": "4012345000009", "name": "Grosso", "country": "de"})
        no_name = post_form("/masterdata/partners", {"gln": "4012345000009", "name": " ", "country": "DE"})
    assert "check digit" in error_of(bad_gln.get_data(as_text=True), "gln")
    assert "should match pattern" in error_of(bad_country.get_data(as_text=True), "country")
    assert error_of(no_name.get_data(as_text=True), "name")
    ok = post_form("/masterdata/locations", {"gln": "9506000000008.L1", "name": "Line 1", "kind": "line"})
    assert ok.status_code == 302, ok.get_data(as_text=True)
    assert (
        post_form("/masterdata/partners", {"gln": "4012345000009", "name": "Grosso AG", "country": "DE"}).status_code
        == 302
    )
    with database.read() as s:
        location = s.scalars(select(Location)).one()
        assert (location.gln, location.extension, location.kind.value) == ("9506000000008", "L1", "line")
        assert s.scalars(select(TradingPartner.name)).all() == ["Grosso AG"]


def test_master_data_is_read_only_for_other_roles(
    web_client: Client, post_form: Callable[..., Any], unchanged: Any
) -> None:
    client = web_client("logistics")
    page = client.get("/masterdata/partners").get_data(as_text=True)
    assert "No partners yet." in page and "New partner" not in page
    with unchanged():
        answer = post_form("/masterdata/partners", {"gln": "4012345000009", "name": "Grosso AG", "country": "DE"})
    assert answer.status_code == 403


def test_admin_creates_users_and_tokens_and_revokes(
    web_client: Client, post_form: Callable[..., Any], database: Any, unchanged: Any
) -> None:
    client = web_client("admin")
    with unchanged():
        short = post_form(
            "/admin", {"username": "anna", "role": "qa", "password": "short", "confirm": "short"}, url="/admin/users"
        )
        differ = post_form(
            "/admin",
            {"username": "anna", "role": "qa", "password": "long enough 1", "confirm": "long enough 2"},
            url="/admin/users",
        )
        bad_name = post_form(
            "/admin",
            {"username": "anna smith", "role": "qa", "password": "long enough 1", "confirm": "long enough 1"},
            url="/admin/users",
        )
        bad_scope = post_form("/admin", {"name": "erp-1", "role": "erp", "scope": "9506000000008"}, url="/admin/tokens")
    assert error_of(short.get_data(as_text=True), "password") == "at least 10 characters"
    assert error_of(differ.get_data(as_text=True), "confirm") == "the passwords differ"
    assert error_of(bad_name.get_data(as_text=True), "username").startswith("username must be 1-64 letters")
    assert error_of(bad_scope.get_data(as_text=True), "scope") == "only line tokens can be scoped to a line location"

    made = post_form(
        "/admin",
        {"username": "anna", "role": "qa", "password": "long enough 1", "confirm": "long enough 1"},
        url="/admin/users",
    )
    assert made.status_code == 302
    assert security.check_password(database, "anna", "long enough 1") is not None

    token_page = post_form("/admin", {"name": "erp-1", "role": "erp", "scope": ""}, url="/admin/tokens")
    assert token_page.status_code == 201
    token = re.search(r'<pre data-testid="new-token">(cst_[^<]+)</pre>', token_page.get_data(as_text=True))
    assert token is not None
    assert client.get("/api/v1/products", headers={"Authorization": f"Bearer {token.group(1)}"}).status_code == 200
    assert token.group(1) not in client.get("/admin").get_data(as_text=True)  # shown once only

    assert post_form("/admin", {"name": "erp-1"}, url="/admin/tokens/erp-1/revoke").status_code == 302
    assert client.get("/api/v1/products", headers={"Authorization": f"Bearer {token.group(1)}"}).status_code == 401
    assert post_form("/admin", {"name": "anna"}, url="/admin/users/anna/deactivate").status_code == 302
    with database.read() as s:
        assert s.scalar(select(User.active).where(User.username == "anna")) is False
        assert s.scalar(select(ApiToken.revoked_at).where(ApiToken.name == "erp-1")) is not None
    assert security.check_password(database, "anna", "long enough 1") is None


def test_admin_cannot_switch_off_themselves_and_others_cannot_administer(
    web_client: Client,
    post_form: Callable[..., Any],
    unchanged: Any,
    make_user: Callable[..., str],
    client: FlaskClient,
) -> None:
    web_client("admin")
    me = client.get("/").get_data(as_text=True).split("<span>", 1)[1].split(" ", 1)[0]
    with unchanged():
        answer = post_form("/admin", {"name": me}, url=f"/admin/users/{me}/deactivate")
    assert answer.status_code == 422
    assert "you cannot switch off your own account" in answer.get_data(as_text=True)
    client.post(
        "/logout",
        data={
            "csrf_token": re.search(
                r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/").get_data(as_text=True)
            ).group(1)
        },
    )
    web_client("qa")
    with unchanged():
        refused = post_form(
            "/",
            {"username": "mallory", "role": "admin", "password": "long enough 1", "confirm": "long enough 1"},
            url="/admin/users",
        )
    assert refused.status_code == 403
