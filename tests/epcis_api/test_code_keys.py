"""One key per item, whatever form names it: serials and lots with characters that need %-escapes, the
links the service prints, EPC URNs, element strings and scans all reach the same state."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.services.eventstore import canonical, sgtin_key
from epcis import gs1
from tests.conftest import row_counts
from tests.epcis_api.test_capture import capture, document, event

Auth = dict[str, dict[str, str]]
GTIN = "09506000134369"
ODD = ["A'B", "C=D", "E/F", "G&H", "I(1)", "J%K", "L;M?", 'N"O']


@pytest.fixture
def odd_batch(client: FlaskClient, auth: Auth) -> dict[str, Any]:
    product = {
        "gtin": GTIN,
        "name": "CMO pack",
        "company_prefix_length": 7,
        "serial_scheme": {"alphabet": "alphanumeric", "length": 20, "source": "external"},
    }
    assert client.post("/api/v1/products", headers=auth["erp"], json=product).status_code == 201
    line = {"gln": "9506000000008", "extension": "L1", "name": "Line 1", "kind": "line"}
    assert client.post("/api/v1/locations", headers=auth["erp"], json=line).status_code == 201
    batch = client.post(
        "/api/v1/batches",
        headers=auth["erp"],
        json={"gtin": GTIN, "lot": "A1/24", "expiry": "2027-12-31", "quantity": 20},
    ).get_json()
    url = f"/api/v1/batches/{batch['id']}/serials"
    assert client.post(url + "/import", headers=auth["erp"], json={"serials": ODD}).status_code == 201
    batch["serials"] = client.post(url, headers=auth["line"], json={"count": len(ODD)}).get_json()["serials"]
    return dict(batch)


def trace(client: FlaskClient, auth: Auth, code: str) -> Any:
    return client.get("/api/v1/trace", query_string={"code": code}, headers=auth["qa"])


def test_every_printed_and_written_form_traces_to_the_one_key(
    client: FlaskClient, auth: Auth, odd_batch: dict[str, Any]
) -> None:
    done = client.post(
        "/api/v1/lines/9506000000008/events",
        headers=auth["line"],
        json={"operations": [{"op": "commission", "batch_id": odd_batch["id"], "serials": ODD}]},
    )
    assert done.status_code == 201, done.get_json()
    for allocated in odd_batch["serials"]:
        serial = allocated["serial"]
        key = sgtin_key(GTIN, serial)
        forms = [
            allocated["digital_link"],  # what the QR code carries: lot and expiry, %-escapes
            allocated["epc"],
            allocated["element_string"],
            gs1.Sgtin(gs1.Gtin(GTIN), serial).digital_link("https://example.com/"),
            f"https://id.gs1.org/01/{GTIN}/22/ABC/10/A1%2F24/21/{allocated['digital_link'].split('/21/')[1]}",
            allocated["epc"].upper().replace(serial.upper(), serial).replace("SGTIN", "sgtin"),
        ]
        for form in forms:
            answer = trace(client, auth, form)
            assert answer.status_code == 200, (form, answer.get_json())
            assert answer.get_json()["epc"] == key, form
            assert answer.get_json()["state"]["status"] == "commissioned"
        assert {canonical(allocated["digital_link"]), canonical(allocated["epc"])} == {key}
        lookup = client.get(f"/api/v1/serials/{GTIN}/{allocated['digital_link'].split('/21/')[1].split('?')[0]}")
        assert lookup.status_code == 401  # the lookup needs a token; with one it sees the state below
    assert client.get(f"/api/v1/serials/{GTIN}/A'B", headers=auth["qa"]).get_json()["status"] == "commissioned"


def test_a_pack_cannot_be_commissioned_again_under_another_spelling(
    client: FlaskClient, auth: Auth, database: Any, odd_batch: dict[str, Any]
) -> None:
    client.post(
        "/api/v1/lines/9506000000008/events",
        headers=auth["line"],
        json={"operations": [{"op": "commission", "batch_id": odd_batch["id"], "serials": ODD}]},
    )
    ilmd = {"cbvmda:lotNumber": "A1/24", "cbvmda:itemExpirationDate": "2027-12-31"}
    for spelling in ("urn:epc:id:sgtin:9506000.013436.A'B", f"https://id.gs1.org/01/{GTIN}/21/C=D"):
        again = event("ObjectEvent", "ADD", "commissioning", 5, epcList=[spelling], disposition="active", ilmd=ilmd)
        before = row_counts(database)
        job = capture(client, auth, document(again))
        after = row_counts(database)
        assert job["success"] is False
        assert after == {**before, "capture_job": before["capture_job"] + 1}  # the failed job is kept, as GS1 asks
        assert "already commissioned" in job["errors"][0]["detail"]
    recon = client.get(f"/api/v1/batches/{odd_batch['id']}/reconciliation", headers=auth["qa"]).get_json()
    assert (recon["issued"], recon["commissioned"], recon["unused"]) == (len(ODD), len(ODD), 0)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("https://id.gs1.org/01/09506000134353/21/A", "check digit"),
        ("urn:epc:id:sgtin:9506000.013435.", "EPC URN"),
        ("LOT-001", "not a code"),
    ],
)
def test_unreadable_codes_are_named(client: FlaskClient, auth: Auth, code: str, message: str) -> None:
    answer = trace(client, auth, code)
    assert answer.status_code == 422
    assert answer.get_json()["field"] == "code" and message in answer.get_json()["detail"]
