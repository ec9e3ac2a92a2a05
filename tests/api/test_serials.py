"""Serial allocation over REST: contract, every code form, streaming, idempotency, limits, lookup, return,
import and SSCCs, with nothing written by a rejected request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from epcis import gs1
from tests.conftest import GTIN

Auth = dict[str, dict[str, str]]
ALNUM = set("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")


def allocate(client: FlaskClient, auth: Auth, batch_id: int, count: int, role: str = "line", **headers: str) -> Any:
    return client.post(f"/api/v1/batches/{batch_id}/serials", headers={**auth[role], **headers}, json={"count": count})


def test_contract_and_every_form_agrees(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    answer = allocate(client, auth, batch["id"], 50)
    assert answer.status_code == 201
    data = answer.get_json()
    assert data["count"] == 50 and data["batch_id"] == batch["id"]
    serials = data["serials"]
    assert len(serials) == 50
    assert len({s["serial"] for s in serials}) == 50
    for item in serials:
        serial = item["serial"]
        assert set(item) == {"serial", "element_string", "digital_link", "epc"}
        assert len(serial) == 12 and set(serial) <= ALNUM
        expected = {"01": GTIN, "17": "271231", "10": "LOT-001", "21": serial}
        assert dict(gs1.parse(item["element_string"])) == expected
        assert item["element_string"] == f"(01){GTIN}(17)271231(10)LOT-001(21){serial}"
        assert dict(gs1.parse(item["digital_link"])) == expected
        assert item["digital_link"] == f"https://id.gs1.org/01/{GTIN}/10/LOT-001/21/{serial}?17=271231"
        assert item["epc"] == f"urn:epc:id:sgtin:9506000.013435.{serial}"
    batch_now = client.get(f"/api/v1/batches/{batch['id']}", headers=auth["qa"]).get_json()
    assert batch_now["status"] == "in_production"
    assert batch_now["issued_count"] == 50


def test_national_number_joins_the_code(client: FlaskClient, auth: Auth, product: dict[str, Any]) -> None:
    created = client.post(
        "/api/v1/batches",
        headers=auth["erp"],
        json={"gtin": GTIN, "lot": "DE1", "expiry": "271231", "quantity": 10, "market": "DE"},
    ).get_json()
    item = allocate(client, auth, created["id"], 1).get_json()["serials"][0]
    assert dict(gs1.parse(item["element_string"]))["710"] == "12345678"
    assert "710=12345678" in item["digital_link"]


def test_ndjson_stream(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    answer = allocate(client, auth, batch["id"], 1000, Accept="application/x-ndjson")
    assert answer.status_code == 201
    assert answer.mimetype == "application/x-ndjson"
    assert answer.headers["X-Serial-Count"] == "1000"
    lines = answer.get_data(as_text=True).splitlines()
    assert len(lines) == 1000
    objects = [json.loads(line) for line in lines]
    assert len({o["serial"] for o in objects}) == 1000
    assert all(o["epc"].endswith(o["serial"]) for o in objects)


def test_allocations_never_overlap(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    seen: set[str] = set()
    for count in (1, 7, 100, 300, 13):
        serials = [s["serial"] for s in allocate(client, auth, batch["id"], count).get_json()["serials"]]
        assert not seen & set(serials)
        seen |= set(serials)
    assert len(seen) == 421
    listing = client.get(f"/api/v1/batches/{batch['id']}/allocations", headers=auth["qa"]).get_json()
    assert [a["count"] for a in listing["items"]] == [1, 7, 100, 300, 13]


def test_idempotency_key(client: FlaskClient, auth: Auth, batch: dict[str, Any], unchanged: Any) -> None:
    first = allocate(client, auth, batch["id"], 5, **{"Idempotency-Key": "order-77"})
    with unchanged():
        again = allocate(client, auth, batch["id"], 5, **{"Idempotency-Key": "order-77"})
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["serials"] == first.get_json()["serials"]
    with unchanged():
        other = allocate(client, auth, batch["id"], 6, **{"Idempotency-Key": "order-77"})
    assert other.status_code == 409
    assert other.get_json()["field"] == "Idempotency-Key"
    assert client.get(f"/api/v1/batches/{batch['id']}", headers=auth["qa"]).get_json()["issued_count"] == 5


@pytest.mark.parametrize(("count", "status"), [(0, 422), (-3, 422), (1_000_001, 422), ("ten", 422)])
def test_bad_counts(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], unchanged: Any, count: Any, status: int
) -> None:
    with unchanged():
        answer = allocate(client, auth, batch["id"], count)
    assert answer.status_code == status
    assert answer.get_json()["field"] == "count"


def test_unknown_batch_and_wrong_role(client: FlaskClient, auth: Auth, batch: dict[str, Any], unchanged: Any) -> None:
    with unchanged():
        missing = allocate(client, auth, 999, 1)
        denied = allocate(client, auth, batch["id"], 1, role="regulator")
    assert missing.status_code == 404 and missing.get_json()["detail"] == "no batch with id 999"
    assert denied.status_code == 403


def test_overage_ceiling(client: FlaskClient, auth: Auth, batch: dict[str, Any], unchanged: Any) -> None:
    assert allocate(client, auth, batch["id"], 1200).status_code == 201
    with unchanged():
        answer = allocate(client, auth, batch["id"], 1)
    assert answer.status_code == 409
    assert answer.get_json()["detail"] == (
        f"batch {batch['id']} plans 1,000 packs; 1,200 serials are issued and 1 more would pass the ceiling "
        "of 1,200 (+20%)"
    )


def test_closed_batch_refuses(client: FlaskClient, auth: Auth, batch: dict[str, Any], unchanged: Any) -> None:
    allocate(client, auth, batch["id"], 1)
    client.post(f"/api/v1/batches/{batch['id']}/status", headers=auth["line"], json={"status": "closed"})
    with unchanged():
        answer = allocate(client, auth, batch["id"], 1)
    assert answer.status_code == 409


def test_lookup_by_inversion(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    serials = [s["serial"] for s in allocate(client, auth, batch["id"], 20).get_json()["serials"]]
    found = client.get(f"/api/v1/serials/{GTIN}/{serials[7]}", headers=auth["regulator"]).get_json()
    assert found["issued"] is True and found["batch_id"] == batch["id"]
    assert found["status"] == "issued" and found["lot"] == "LOT-001" and found["expiry"] == "271231"
    for other in ("ZZZZZZZZZZZZ", "ABC", "abcdefghijkl"):
        if other in serials:
            continue
        missing = client.get(f"/api/v1/serials/{GTIN}/{other}", headers=auth["qa"]).get_json()
        assert missing["issued"] is False and missing["status"] == "not_issued"
    assert client.get(f"/api/v1/serials/09506000134353/{serials[0]}", headers=auth["qa"]).status_code == 422


def test_return_voids_forever(client: FlaskClient, auth: Auth, batch: dict[str, Any], unchanged: Any) -> None:
    serials = [s["serial"] for s in allocate(client, auth, batch["id"], 10).get_json()["serials"]]
    url = f"/api/v1/batches/{batch['id']}/serials/return"
    done = client.post(url, headers=auth["line"], json={"serials": serials[:3], "reason": "label misprint"})
    assert done.get_json() == {"batch_id": batch["id"], "voided": 3}
    assert client.get(f"/api/v1/serials/{GTIN}/{serials[0]}", headers=auth["qa"]).get_json()["status"] == "voided"
    with unchanged():
        again = client.post(url, headers=auth["line"], json={"serials": [serials[5], serials[0]]})
        assert again.status_code == 409 and again.get_json()["field"] == "serials[1]"
        foreign = client.post(url, headers=auth["line"], json={"serials": [serials[5], "ZZZZZZZZZZZ2"]})
        assert foreign.status_code == 422 and foreign.get_json()["field"] == "serials[1]"
        twice = client.post(url, headers=auth["line"], json={"serials": [serials[5], serials[5]]})
        assert twice.status_code == 422
    fresh = {s["serial"] for s in allocate(client, auth, batch["id"], 200).get_json()["serials"]}
    assert not fresh & set(serials)


def test_external_serials(client: FlaskClient, auth: Auth, unchanged: Any) -> None:
    client.post(
        "/api/v1/products",
        headers=auth["erp"],
        json={
            "gtin": GTIN,
            "name": "CMO pack",
            "company_prefix_length": 7,
            "serial_scheme": {"alphabet": "alphanumeric", "length": 12, "source": "external"},
        },
    )
    batch = client.post(
        "/api/v1/batches",
        headers=auth["erp"],
        json={"gtin": GTIN, "lot": "C1", "expiry": "271231", "quantity": 3},
    ).get_json()
    url = f"/api/v1/batches/{batch['id']}/serials/import"
    with unchanged():
        assert (
            client.post(url, headers=auth["erp"], json={"serials": ["A1", "B 2"]}).get_json()["field"] == "serials[1]"
        )
        assert client.post(url, headers=auth["erp"], json={"serials": ["A1", "A1"]}).status_code == 422
        assert client.post(url, headers=auth["line"], json={"serials": ["A1"]}).status_code == 403
    assert client.post(url, headers=auth["erp"], json={"serials": ["SN-1", "SN-2", "SN-3"]}).status_code == 201
    with unchanged():
        assert client.post(url, headers=auth["erp"], json={"serials": ["SN-9", "SN-2"]}).status_code == 409
    assert client.get(f"/api/v1/serials/{GTIN}/SN-1", headers=auth["qa"]).get_json()["status"] == "imported"
    got = allocate(client, auth, batch["id"], 2).get_json()["serials"]
    assert [s["serial"] for s in got] == ["SN-1", "SN-2"]
    assert got[0]["element_string"] == f"(01){GTIN}(17)271231(10)C1(21)SN-1"
    assert client.get(f"/api/v1/serials/{GTIN}/SN-1", headers=auth["qa"]).get_json()["status"] == "issued"
    assert allocate(client, auth, batch["id"], 2).status_code == 409


def test_pool_product_refuses_import(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    answer = client.post(f"/api/v1/batches/{batch['id']}/serials/import", headers=auth["erp"], json={"serials": ["X1"]})
    assert answer.status_code == 409


def test_sscc_allocation(client: FlaskClient, auth: Auth, unchanged: Any) -> None:
    first = client.post(
        "/api/v1/sscc",
        headers=auth["logistics"],
        json={"company_prefix": "9506000", "extension_digit": 3, "count": 3},
    )
    assert first.status_code == 201
    codes = first.get_json()["sscc"]
    second = client.post(
        "/api/v1/sscc",
        headers=auth["line"],
        json={"company_prefix": "9506000", "extension_digit": 3, "count": 1},
    ).get_json()["sscc"]
    all_codes = codes + second
    assert [gs1.Sscc.parse(c).value for c in all_codes] == all_codes
    assert [int(c[8:17]) for c in all_codes] == [0, 1, 2, 3]
    assert all(c.startswith("39506000") for c in all_codes)
    with unchanged():
        for body, field in [
            ({"company_prefix": "95060", "extension_digit": 3}, "company_prefix"),
            ({"company_prefix": "9506000", "extension_digit": 10}, "extension_digit"),
            ({"company_prefix": "9506000", "extension_digit": 1, "count": 0}, "count"),
            ({"company_prefix": "95O6000", "extension_digit": 1}, "company_prefix"),
        ]:
            answer = client.post("/api/v1/sscc", headers=auth["erp"], json=body)
            assert answer.status_code == 422, body
            assert answer.get_json()["field"] == field
        assert (
            client.post(
                "/api/v1/sscc",
                headers=auth["regulator"],
                json={"company_prefix": "9506000", "extension_digit": 1},
            ).status_code
            == 403
        )


def test_sscc_capacity(client: FlaskClient, auth: Auth, unchanged: Any) -> None:
    prefix = "950600012345"  # 12-digit prefix leaves 4 digits of serial reference
    assert (
        client.post(
            "/api/v1/sscc",
            headers=auth["erp"],
            json={"company_prefix": prefix, "extension_digit": 0, "count": 9_999},
        ).status_code
        == 201
    )
    with unchanged():
        answer = client.post(
            "/api/v1/sscc",
            headers=auth["erp"],
            json={"company_prefix": prefix, "extension_digit": 0, "count": 2},
        )
    assert answer.status_code == 409
    assert answer.get_json()["detail"] == f"company prefix {prefix} has 1 serial references left, 2 asked"
