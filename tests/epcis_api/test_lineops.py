"""The line API: compact operations become EPCIS events under the same rules; reconciliation counts them."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.services import security

Auth = dict[str, dict[str, str]]
LINE_GLN = "9506000000008"


@pytest.fixture
def line(client: FlaskClient, auth: Auth) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/locations",
        headers=auth["erp"],
        json={"gln": LINE_GLN, "extension": "L1", "name": "Line 1", "kind": "line"},
    )
    return dict(answer.get_json())


def ops(client: FlaskClient, headers: dict[str, str], *operations: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/lines/{LINE_GLN}/events", headers=headers, json={"operations": list(operations)})


def test_line_flow_and_reconciliation(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], line: dict[str, Any], unchanged: Any
) -> None:
    serials = [
        s["serial"]
        for s in client.post(
            f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": 10}
        ).get_json()["serials"]
    ]
    case = client.post(
        "/api/v1/sscc", headers=auth["line"], json={"company_prefix": "9506000", "extension_digit": 0, "count": 1}
    ).get_json()["sscc"][0]
    done = ops(
        client,
        auth["line"],
        {"op": "commission", "batch_id": batch["id"], "serials": serials[:8]},
        {"op": "decommission", "batch_id": batch["id"], "serials": serials[7:8], "reason": "destroyed"},
        {"op": "pack", "parent": case, "batch_id": batch["id"], "serials": serials[:5]},
    )
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["success"] is True and len(done.get_json()["eventIDs"]) == 3
    event = client.get("/api/v1/trace", query_string={"code": case}, headers=auth["qa"]).get_json()
    assert event["content_count"] == 5
    pack = client.get(
        "/api/v1/trace", query_string={"code": f"(01)09506000134352(21){serials[0]}"}, headers=auth["qa"]
    ).get_json()
    assert pack["events"][0]["bizStep"] == "commissioning"

    with unchanged():
        again = ops(client, auth["line"], {"op": "commission", "batch_id": batch["id"], "serials": serials[:1]})
    assert again.status_code == 422
    assert again.get_json()["field"] == "operations[0].serials[0]"
    assert "already commissioned" in again.get_json()["detail"]

    recon = client.get(f"/api/v1/batches/{batch['id']}/reconciliation", headers=auth["qa"]).get_json()
    assert recon == {
        "batch_id": batch["id"],
        "planned": 1000,
        "issued": 10,
        "voided": 0,
        "commissioned": 8,
        "decommissioned": {"destroyed": 1},
        "packed": 5,
        "shipped": 0,
        "received": 0,
        "unused": 2,
        "discrepancies": [],
    }


def test_line_api_input_errors(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], line: dict[str, Any], database: Any, unchanged: Any
) -> None:
    with unchanged():
        assert (
            ops(client, auth["line"], {"op": "commission", "serials": ["X"]}).get_json()["field"]
            == "operations[0].batch_id"
        )
        assert (
            ops(client, auth["line"], {"op": "decommission", "batch_id": batch["id"], "serials": ["X"]}).get_json()[
                "field"
            ]
            == "operations[0].reason"
        )
        assert ops(client, auth["line"], {"op": "melt"}).get_json()["field"] == "operations[0].op"
        assert (
            ops(client, auth["line"], {"op": "pack", "parent": "123", "children": ["x"]}).get_json()["field"]
            == "operations[0].parent"
        )
        missing = client.post(
            "/api/v1/lines/9506000000015/events",
            headers=auth["line"],
            json={"operations": [{"op": "unpack", "parent": "x"}]},
        )
        assert missing.status_code == 404
    token = security.create_token(database, name="line-2", role="line", scope_gln="9506000000015")
    scoped = ops(
        client, {"Authorization": f"Bearer {token}"}, {"op": "commission", "batch_id": batch["id"], "serials": ["X"]}
    )
    assert scoped.status_code == 403


def test_undo_decommission_where_the_rules_allow(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], line: dict[str, Any], unchanged: Any
) -> None:
    serials = [
        s["serial"]
        for s in client.post(
            f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": 2}
        ).get_json()["serials"]
    ]
    bid = batch["id"]
    ops(client, auth["line"], {"op": "commission", "batch_id": bid, "serials": serials})
    sample = ops(
        client, auth["line"], {"op": "decommission", "batch_id": bid, "serials": serials[:1], "reason": "sample"}
    ).get_json()["eventIDs"][0]
    destroyed = ops(
        client, auth["line"], {"op": "decommission", "batch_id": bid, "serials": serials[1:], "reason": "destroyed"}
    ).get_json()["eventIDs"][0]

    def status(serial: str) -> str:
        return str(client.get(f"/api/v1/serials/09506000134352/{serial}", headers=auth["qa"]).get_json()["status"])

    assert (status(serials[0]), status(serials[1])) == ("decommissioned", "decommissioned")
    assert ops(client, auth["line"], {"op": "undo_decommission", "event_id": sample}).status_code == 201
    assert status(serials[0]) == "commissioned"
    with unchanged():
        final = ops(client, auth["line"], {"op": "undo_decommission", "event_id": destroyed})
        assert final.status_code == 422
        assert final.get_json()["detail"].endswith("was decommissioned as destroyed, which cannot be undone")
        again = ops(client, auth["line"], {"op": "undo_decommission", "event_id": sample})
        assert again.status_code == 422
        missing = ops(client, auth["line"], {"op": "undo_decommission", "event_id": "urn:uuid:nope"})
        assert missing.status_code == 404
    assert status(serials[1]) == "decommissioned"
