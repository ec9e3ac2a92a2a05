"""Packaging-line flows the EPCIS tests share: issue serials, take an SSCC, commission, pack and ship."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.epcis_api.test_capture import capture, commissioning, dl, document, event, packing

Auth = dict[str, dict[str, str]]


def issue(client: FlaskClient, auth: Auth, batch: dict[str, Any], count: int) -> list[str]:
    answer = client.post(f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": count})
    return [s["serial"] for s in answer.get_json()["serials"]]


def new_case(client: FlaskClient, auth: Auth) -> str:
    """A freshly allocated SSCC as its canonical Digital Link."""
    answer = client.post(
        "/api/v1/sscc", headers=auth["line"], json={"company_prefix": "9506000", "extension_digit": 0, "count": 1}
    )
    return f"https://id.gs1.org/00/{answer.get_json()['sscc'][0]}"


def commission_pack_ship(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], count: int, **shipping: Any
) -> dict[str, Any]:
    """`count` packs commissioned (minute 1), packed into one case (2) and the case shipped (3)."""
    serials = issue(client, auth, batch, count)
    case = new_case(client, auth)
    capture(client, auth, document(commissioning(serials, minute=1)))
    capture(client, auth, document(packing(case, [dl(s) for s in serials], minute=2)))
    capture(client, auth, document(event("ObjectEvent", "OBSERVE", "shipping", 3, epcList=[case], **shipping)))
    return {"serials": serials, "case": case}
