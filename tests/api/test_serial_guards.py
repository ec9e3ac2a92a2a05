"""Serials and SSCCs are never handed out twice: a used serial cannot be returned, overlapping company
prefixes cannot share SSCCs, and reconciliation shows every pack that is out of place."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.epcis_api.flows import issue, new_case
from tests.epcis_api.test_capture import capture, commissioning, dl, document, event, packing

Auth = dict[str, dict[str, str]]


def test_a_commissioned_serial_cannot_be_returned(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], unchanged: Any
) -> None:
    serials = issue(client, auth, batch, 4)
    assert capture(client, auth, document(commissioning(serials[:2])))["success"]
    url = f"/api/v1/batches/{batch['id']}/serials/return"
    with unchanged():
        answer = client.post(url, headers=auth["line"], json={"serials": [serials[2], serials[1]], "reason": "test"})
    assert answer.status_code == 409
    assert answer.get_json()["field"] == "serials[1]" and "has been commissioned" in answer.get_json()["detail"]
    assert client.post(url, headers=auth["line"], json={"serials": serials[2:], "reason": "spare"}).status_code == 200
    recon = client.get(f"/api/v1/batches/{batch['id']}/reconciliation", headers=auth["qa"]).get_json()
    assert (recon["issued"], recon["voided"], recon["commissioned"], recon["unused"]) == (4, 2, 2, 0)


def test_reconciliation_shows_loose_packs_beside_shipped_cases(
    client: FlaskClient, auth: Auth, batch: dict[str, Any]
) -> None:
    serials = issue(client, auth, batch, 10)
    case = new_case(client, auth)
    capture(client, auth, document(commissioning(serials, minute=1)))
    capture(client, auth, document(packing(case, [dl(s) for s in serials[:5]], minute=2)))
    capture(client, auth, document(event("ObjectEvent", "OBSERVE", "shipping", 3, epcList=[case])))
    recon = client.get(f"/api/v1/batches/{batch['id']}/reconciliation", headers=auth["qa"]).get_json()
    assert (recon["packed"], recon["shipped"]) == (5, 5)
    assert recon["discrepancies"] == ["5 commissioned packs are neither packed nor shipped"]


def test_overlapping_company_prefixes_do_not_share_sscc_numbers(
    client: FlaskClient, auth: Auth, unchanged: Any
) -> None:
    def ask(prefix: str) -> Any:
        body = {"company_prefix": prefix, "extension_digit": 0, "count": 3}
        return client.post("/api/v1/sscc", headers=auth["line"], json=body)

    first = ask("9506000")
    assert first.status_code == 201
    for overlapping in ("950600", "95060000"):
        with unchanged():
            answer = ask(overlapping)
        assert answer.status_code == 409
        assert answer.get_json()["field"] == "company_prefix" and "overlaps 9506000" in answer.get_json()["detail"]
    assert ask("9506001").status_code == 201
    again = ask("9506000").get_json()["sscc"]
    assert not set(again) & set(first.get_json()["sscc"])


def test_counts_and_ids_are_json_numbers(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], unchanged: Any
) -> None:
    url = f"/api/v1/batches/{batch['id']}/serials"
    with unchanged():
        for count in (True, "5", 2.5):
            answer = client.post(url, headers=auth["line"], json={"count": count})
            assert answer.status_code == 422 and answer.get_json()["field"] == "count", count
        sscc = {"company_prefix": "9506000", "extension_digit": "0", "count": 1}
        assert client.post("/api/v1/sscc", headers=auth["line"], json=sscc).get_json()["field"] == "extension_digit"
    assert client.post(url, headers=auth["line"], json={"count": 2}).status_code == 201


def test_an_expiry_two_year_digits_cannot_carry_is_refused(
    client: FlaskClient, auth: Auth, product: dict[str, Any], unchanged: Any
) -> None:
    with unchanged():
        for expiry in ("2080-06-30", "1975-01-01", "2207-12-31"):
            body = {"gtin": product["gtin"], "lot": "L1", "expiry": expiry, "quantity": 10}
            answer = client.post("/api/v1/batches", headers=auth["erp"], json=body)
            assert answer.status_code == 422, expiry
            assert answer.get_json()["field"] == "expiry" and "cannot be printed as (17)" in answer.get_json()["detail"]
