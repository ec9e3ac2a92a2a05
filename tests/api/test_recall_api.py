"""`GET /api/v1/batches/{id}/recall`: the JSON behind the recall page, with keyset paging and role checks."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.models import CodeState
from tests.conftest import GTIN

SITE = "https://id.gs1.org/414/9506000000008"


def _packs(database: Any, batch_id: int, count: int) -> list[str]:
    serials = [f"R{n:03d}" for n in range(count)]
    with database.write() as s:
        s.add_all(
            CodeState(
                epc=f"https://id.gs1.org/01/{GTIN}/21/{serial}",
                kind="sgtin",
                gtin=GTIN,
                serial=serial,
                batch_id=batch_id,
                status="decommissioned" if n == 0 else "commissioned",
                decommission_reason="destroyed" if n == 0 else None,
                location=SITE,
                last_event_id="e1",
            )
            for n, serial in enumerate(serials)
        )
    return serials


def test_pages_through_every_pack_once_with_the_summary(
    client: FlaskClient, auth: dict[str, dict[str, str]], database: Any, batch: dict[str, Any]
) -> None:
    serials = _packs(database, batch["id"], 7)
    seen: list[str] = []
    after = None
    while True:
        query = {"limit": 3, **({"after": after} if after else {})}
        answer = client.get(f"/api/v1/batches/{batch['id']}/recall", headers=auth["regulator"], query_string=query)
        assert answer.status_code == 200, answer.get_json()
        data = answer.get_json()
        assert data["batch"]["lot"] == "LOT-001" and data["total"] == 7
        assert data["by_status"] == {"commissioned": 6, "decommissioned": 1}
        if not data["packs"]:
            break
        assert len(data["packs"]) <= 3
        seen += [p["serial"] for p in data["packs"]]
        after = data["packs"][-1]["epc"]
    assert seen == sorted(serials)


@pytest.mark.parametrize(
    ("query", "detail"),
    [({"limit": "0"}, "limit must be a whole number from 1 to 1000"), ({"limit": "x"}, "limit must be")],
)
def test_bad_limit_names_the_field(
    client: FlaskClient, auth: dict[str, dict[str, str]], batch: dict[str, Any], query: dict[str, str], detail: str
) -> None:
    answer = client.get(f"/api/v1/batches/{batch['id']}/recall", headers=auth["qa"], query_string=query)
    assert answer.status_code == 422
    problem = answer.get_json()
    assert problem["field"] == "limit" and problem["detail"].startswith(detail)


def test_roles_and_unknown_batch(client: FlaskClient, auth: dict[str, dict[str, str]], batch: dict[str, Any]) -> None:
    assert client.get(f"/api/v1/batches/{batch['id']}/recall", headers=auth["line"]).status_code == 403
    assert client.get(f"/api/v1/batches/{batch['id']}/recall").status_code == 401
    missing = client.get("/api/v1/batches/999/recall", headers=auth["qa"])
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
