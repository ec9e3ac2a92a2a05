"""The VRS responder: verdicts and failure reasons of the GS1 Lightweight Messaging Standard, logged."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from app.models import VerificationRequest
from tests.conftest import GTIN

Auth = dict[str, dict[str, str]]
CORR = "9a4c3e1e-1c1f-4d2b-9a77-0a3f1c2b5e01"
ARGS = {
    "linkType": "gs1:verificationService",
    "context": "dscsaSaleableReturn",
    "reqGLN": "4012345000009",
    "corrUUID": CORR,
}


def ask(client: FlaskClient, auth: Auth, serial: str, lot: str = "LOT-001", **args: str) -> Any:
    return client.get(f"/vrs/01/{GTIN}/10/{lot}/21/{serial}", query_string={**ARGS, **args}, headers=auth["regulator"])


def test_verdicts(client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]) -> None:
    serials = [
        s["serial"]
        for s in client.post(
            f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": 2}
        ).get_json()["serials"]
    ]
    ok = ask(client, auth, serials[0], exp="271231").get_json()
    assert ok["data"] == {"verified": True} and ok["corrUUID"] == CORR
    assert ask(client, auth, "NOSUCHSERIAL").get_json()["data"] == {
        "verified": False,
        "verificationFailureReason": "No_match_GTIN_Serial",
    }
    assert (
        ask(client, auth, serials[0], lot="OTHER").get_json()["data"]["verificationFailureReason"]
        == "No_match_GTIN_Serial_Lot"
    )
    assert (
        ask(client, auth, serials[0], exp="271130").get_json()["data"]["verificationFailureReason"]
        == "No_match_GTIN_Serial_Expiry"
    )
    assert (
        ask(client, auth, serials[0], lot="OTHER", exp="271130").get_json()["data"]["verificationFailureReason"]
        == "No_match_GTIN_Serial_Lot_Expiry"
    )
    client.post(f"/api/v1/batches/{batch['id']}/serials/return", headers=auth["line"], json={"serials": [serials[1]]})
    voided = ask(client, auth, serials[1]).get_json()["data"]
    assert voided == {"verified": False, "verificationFailureReason": "No_reason_provided", "additionalInfo": "voided"}
    with database.read() as session:
        log = session.scalars(select(VerificationRequest).order_by(VerificationRequest.id)).all()
    assert len(log) == 6
    assert (log[0].requester_gln, log[0].corr_uuid, log[0].verified) == ("4012345000009", CORR, True)


def test_request_errors(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    assert ask(client, auth, "X1", corrUUID="nope").get_json()["field"] == "corrUUID"
    assert ask(client, auth, "X1", reqGLN="4012345000008").get_json()["field"] == "reqGLN"
    assert ask(client, auth, "X1", exp="2027-12-31").get_json()["field"] == "exp"
    unknown = client.get("/vrs/01/04006381333931/10/L/21/X", query_string=ARGS, headers=auth["regulator"])
    assert unknown.status_code == 404
    assert client.get(f"/vrs/01/{GTIN}/10/L/21/X", query_string=ARGS).status_code == 401
    assert client.get("/vrs/checkConnectivity", query_string={"gtin": GTIN}, headers=auth["qa"]).get_json() == {
        "status": "ok"
    }
