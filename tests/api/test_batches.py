"""Micro-batches: lot and expiry rules, DD=00 expiries, status machine with roles, line scope."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.services import security
from tests.conftest import GTIN

Auth = dict[str, dict[str, str]]


def new_batch(client: FlaskClient, auth: Auth, role: str = "erp", **fields: Any) -> Any:
    body = {"gtin": GTIN, "lot": "L1", "expiry": "2027-06-30", "quantity": 100, **fields}
    return client.post("/api/v1/batches", headers=auth[role], json=body)


def test_batch_contract(client: FlaskClient, auth: Auth, product: dict[str, Any]) -> None:
    answer = new_batch(
        client, auth, order_ref="PO-1", patient_ref="pt-7f3a", market="DE", destination_gln="4012345000009"
    )
    assert answer.status_code == 201, answer.get_json()
    data = answer.get_json()
    assert isinstance(data["id"], int)
    assert data["status"] == "planned"
    assert data["expiry"] == "270630" and data["expiry_date"] == "2027-06-30"
    assert data["patient_ref"] == "pt-7f3a"
    assert client.get(f"/api/v1/batches/{data['id']}", headers=auth["regulator"]).get_json() == data


def test_day_zero_expiry_stays_zero(client: FlaskClient, auth: Auth, product: dict[str, Any]) -> None:
    data = new_batch(client, auth, expiry="280200").get_json()
    assert data["expiry"] == "280200"
    assert data["expiry_date"] == "2028-02-29"
    serial = client.post(f"/api/v1/batches/{data['id']}/serials", headers=auth["line"], json={"count": 1})
    line = serial.get_json()["serials"][0]
    assert "(17)280200" in line["element_string"]
    assert "17=280200" in line["digital_link"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lot": "L" * 21}, "lot"),
        ({"lot": "LOT 1"}, "lot"),
        ({"lot": ""}, "lot"),
        ({"expiry": "271301"}, "expiry"),
        ({"expiry": "2027-13-01"}, "expiry"),
        ({"expiry": "270231"}, "expiry"),
        ({"expiry": "tomorrow"}, "expiry"),
        ({"quantity": 0}, "quantity"),
        ({"gtin": "09506000134353"}, "gtin"),
        ({"gtin": "04006381333931"}, "gtin"),
        ({"line_gln": "9506000000001"}, "line_gln"),
        ({"market": "US"}, "market"),
    ],
)
def test_bad_batches_rejected(
    client: FlaskClient,
    auth: Auth,
    product: dict[str, Any],
    unchanged: Any,
    fields: dict[str, Any],
    field: str,
) -> None:
    with unchanged():
        answer = new_batch(client, auth, **fields)
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["field"] == field


def test_month_13_message(client: FlaskClient, auth: Auth, product: dict[str, Any]) -> None:
    detail = new_batch(client, auth, expiry="271301").get_json()["detail"]
    assert "271301" in detail and "13" in detail


def test_duplicate_lot_is_409(client: FlaskClient, auth: Auth, product: dict[str, Any], unchanged: Any) -> None:
    assert new_batch(client, auth).status_code == 201
    with unchanged():
        answer = new_batch(client, auth)
    assert answer.status_code == 409
    assert answer.get_json()["field"] == "lot"


def test_status_machine(client: FlaskClient, auth: Auth, batch: dict[str, Any], unchanged: Any) -> None:
    url = f"/api/v1/batches/{batch['id']}/status"
    with unchanged():
        skip = client.post(url, headers=auth["qa"], json={"status": "released"})
    assert skip.status_code == 409
    assert skip.get_json()["detail"] == f"batch {batch['id']} is planned; it can move to: in_production"
    assert client.post(url, headers=auth["line"], json={"status": "in_production"}).status_code == 200
    assert client.post(url, headers=auth["line"], json={"status": "closed"}).status_code == 200
    with unchanged():
        denied = client.post(url, headers=auth["line"], json={"status": "released"})
    assert denied.status_code == 403
    released = client.post(url, headers=auth["qa"], json={"status": "released", "reason": "QP release"})
    assert released.get_json()["status"] == "released"
    assert client.post(url, headers=auth["qa"], json={"status": "recalled"}).get_json()["field"] == "reason"
    recalled = client.post(url, headers=auth["qa"], json={"status": "recalled", "reason": "deviation D-12"})
    assert recalled.get_json()["status"] == "recalled"
    assert client.post(url, headers=auth["qa"], json={"status": "released"}).status_code == 409


def test_unknown_batch_is_404(client: FlaskClient, auth: Auth) -> None:
    answer = client.get("/api/v1/batches/4242", headers=auth["qa"])
    assert answer.status_code == 404
    assert answer.get_json()["detail"] == "no batch with id 4242"


def test_line_scope(client: FlaskClient, auth: Auth, database: Any, product: dict[str, Any]) -> None:
    line_a, line_b = "9506000000008", "9506000000015"
    token = security.create_token(database, name="line-a", role="line", scope_gln=line_a)
    scoped = {"Authorization": f"Bearer {token}"}
    theirs = new_batch(client, auth, lot="B1", line_gln=line_b).get_json()
    ours = new_batch(client, auth, lot="A1", line_gln=line_a).get_json()
    assert client.post(f"/api/v1/batches/{ours['id']}/serials", headers=scoped, json={"count": 1}).status_code == 201
    denied = client.post(f"/api/v1/batches/{theirs['id']}/serials", headers=scoped, json={"count": 1})
    assert denied.status_code == 403
    assert (
        client.post(
            "/api/v1/batches",
            headers=scoped,
            json={"gtin": GTIN, "lot": "B2", "expiry": "271231", "quantity": 5, "line_gln": line_b},
        ).status_code
        == 403
    )


def test_list_filters(client: FlaskClient, auth: Auth, product: dict[str, Any]) -> None:
    for lot in ("A", "B"):
        new_batch(client, auth, lot=lot)
    page = client.get(f"/api/v1/batches?gtin={GTIN}&status=planned", headers=auth["qa"]).get_json()
    assert [b["lot"] for b in page["items"]] == ["B", "A"]
    assert client.get("/api/v1/batches?status=lost", headers=auth["qa"]).get_json()["field"] == "status"
