"""Products, locations and trading partners: GS1 checks, conflicts, pagination, audit, no partial writes."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import GTIN

Auth = dict[str, dict[str, str]]


def create(client: FlaskClient, auth: Auth, **fields: Any) -> Any:
    body = {"gtin": GTIN, "name": "Examplumab", "company_prefix_length": 7, **fields}
    return client.post("/api/v1/products", headers=auth["erp"], json=body)


def test_product_contract_and_gtin_normalised(client: FlaskClient, auth: Auth) -> None:
    answer = create(client, auth, gtin="9506000134352", serial_scheme={"alphabet": "numeric", "length": 12})
    assert answer.status_code == 201
    data = answer.get_json()
    assert data["gtin"] == "09506000134352"
    assert data["serial_scheme"] == {
        "alphabet": "numeric",
        "length": 12,
        "source": "pool",
        "lifetime_volume": 1_000_000,
    }
    assert answer.headers["Location"] == "/api/v1/products/09506000134352"
    assert client.get("/api/v1/products/9506000134352", headers=auth["qa"]).get_json()["gtin"] == GTIN


@pytest.mark.parametrize("gtin", ["96385074", "614141000036", "4006381333931", "10614141000033"])
def test_gtin_lengths_accepted(client: FlaskClient, auth: Auth, gtin: str) -> None:
    answer = create(client, auth, gtin=gtin)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["gtin"] == gtin.zfill(14)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"gtin": "09506000134353"}, "gtin"),
        ({"gtin": "0950600013435"}, "gtin"),
        ({"gtin": "abc"}, "gtin"),
        ({"company_prefix_length": 5}, "company_prefix_length"),
        ({"serial_scheme": {"alphabet": "hex", "length": 12}}, "serial_scheme.alphabet"),
        ({"serial_scheme": {"alphabet": "numeric", "length": 21}}, "serial_scheme.length"),
        ({"serial_scheme": {"alphabet": "numeric", "length": 8}}, "serial_scheme.length"),
        ({"national_numbers": {"DE": "PZN 123"}}, "national_numbers.DE"),
        ({"national_numbers": {"XX": "123"}}, "national_numbers.XX"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_products_rejected_naming_the_field(
    client: FlaskClient, auth: Auth, unchanged: Any, fields: dict[str, Any], field: str
) -> None:
    with unchanged():
        answer = create(client, auth, **fields)
    assert answer.status_code == 422, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["field"] == field


def test_wrong_check_digit_message(client: FlaskClient, auth: Auth) -> None:
    problem = create(client, auth, gtin="09506000134353").get_json()
    assert "check digit" in problem["detail"]
    assert "09506000134353" in problem["detail"]


def test_pool_too_small_for_guessing_rule(client: FlaskClient, auth: Auth) -> None:
    answer = create(client, auth, serial_scheme={"alphabet": "numeric", "length": 10, "lifetime_volume": 5_000_000})
    assert answer.status_code == 422
    detail = answer.get_json()["detail"]
    assert "10,000" in detail or "10000" in detail


def test_duplicate_product_is_409(client: FlaskClient, auth: Auth, unchanged: Any) -> None:
    assert create(client, auth).status_code == 201
    with unchanged():
        answer = create(client, auth, gtin="9506000134352")
    assert answer.status_code == 409
    assert answer.get_json()["field"] == "gtin"


def test_bad_media_type_and_json(client: FlaskClient, auth: Auth) -> None:
    answer = client.post("/api/v1/products", headers=auth["erp"], data="gtin=1")
    assert answer.status_code == 415
    answer = client.post(
        "/api/v1/products", headers={**auth["erp"], "Content-Type": "application/json"}, data="{not json"
    )
    assert answer.status_code == 400
    assert answer.get_json()["detail"] == "the body is not valid JSON"


def test_update_product_is_audited_and_scheme_frozen_after_batches(
    client: FlaskClient, auth: Auth, batch: dict[str, Any]
) -> None:
    answer = client.patch(
        f"/api/v1/products/{GTIN}",
        headers=auth["erp"],
        json={"name": "Examplumab 40 mg/0.4 ml", "reason": "label text"},
    )
    assert answer.status_code == 200
    assert answer.get_json()["name"] == "Examplumab 40 mg/0.4 ml"
    answer = client.patch(
        f"/api/v1/products/{GTIN}",
        headers=auth["erp"],
        json={"serial_scheme": {"alphabet": "numeric", "length": 20}},
    )
    assert answer.status_code == 409
    assert answer.get_json()["field"] == "serial_scheme"


def test_pagination(client: FlaskClient, auth: Auth) -> None:
    for gtin in ["96385074", "614141000036", "4006381333931"]:
        assert create(client, auth, gtin=gtin).status_code == 201
    page = client.get("/api/v1/products?per_page=2&page=2", headers=auth["line"]).get_json()
    assert page["total"] == 3
    assert page["page"] == 2
    assert [p["gtin"] for p in page["items"]] == ["04006381333931"]
    assert client.get("/api/v1/products?per_page=0", headers=auth["line"]).status_code == 422


def test_locations_and_partners(client: FlaskClient, auth: Auth, unchanged: Any) -> None:
    answer = client.post(
        "/api/v1/locations",
        headers=auth["erp"],
        json={"gln": "9506000000008", "name": "Line 1", "kind": "line", "extension": "L1", "country": "DE"},
    )
    assert answer.status_code == 201, answer.get_json()
    loc = answer.get_json()
    assert loc["gln"] == "9506000000008" and loc["extension"] == "L1"
    with unchanged():
        bad = client.post(
            "/api/v1/locations",
            headers=auth["erp"],
            json={"gln": "9506000000006", "name": "X", "kind": "line"},
        )
        assert bad.status_code == 422 and bad.get_json()["field"] == "gln"
        dup = client.post(
            "/api/v1/locations",
            headers=auth["erp"],
            json={"gln": "9506000000008", "name": "Line 1", "kind": "line", "extension": "L1"},
        )
        assert dup.status_code == 409
        assert (
            client.post(
                "/api/v1/locations",
                headers=auth["erp"],
                json={"gln": "9506000000008", "name": "X", "kind": "moon"},
            ).get_json()["field"]
            == "kind"
        )
    changed = client.patch(f"/api/v1/locations/{loc['id']}", headers=auth["erp"], json={"name": "Line 1A"})
    assert changed.get_json()["name"] == "Line 1A"
    assert client.get("/api/v1/locations?gln=9506000000008", headers=auth["qa"]).get_json()["total"] == 1
    partner = client.post(
        "/api/v1/partners",
        headers=auth["erp"],
        json={"name": "Wholesaler", "gln": "4012345000009", "country": "DE"},
    )
    assert partner.status_code == 201, partner.get_json()
    pid = partner.get_json()["id"]
    assert client.get(f"/api/v1/partners/{pid}", headers=auth["logistics"]).get_json()["name"] == "Wholesaler"
    assert client.get("/api/v1/partners/999", headers=auth["logistics"]).status_code == 404
    assert (
        client.post(
            "/api/v1/partners",
            headers=auth["erp"],
            json={"name": "W", "gln": "4012345000009", "country": "de"},
        ).get_json()["field"]
        == "country"
    )
