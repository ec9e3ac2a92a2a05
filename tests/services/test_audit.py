"""The hash-chained audit trail: every change appends, and tampering of any kind is detected."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from app.models import AuditEntry
from app.services import audit

Auth = dict[str, dict[str, str]]


def entries(database: Any) -> list[AuditEntry]:
    with database.read() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all())


def test_changes_are_recorded_with_who_what_before_after(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]
) -> None:
    client.patch("/api/v1/products/09506000134352", headers=auth["erp"], json={"name": "New", "reason": "typo"})
    client.post(f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": 2})
    rows = entries(database)
    actions = [r.action for r in rows]
    assert actions[:6] == ["token.create"] * 6
    assert actions[6:] == [
        "product.create",
        "batch.create",
        "product.update",
        "batch.status",
        "serials.allocate",
    ]
    update = rows[8]
    assert update.actor == "token:erp-token"
    assert update.before is not None and update.before["name"] == "Examplumab 40 mg"
    assert update.after is not None and update.after["name"] == "New"
    assert update.reason == "typo"
    assert rows[-1].actor == "token:line-token" and rows[-1].after == {
        "allocation_id": 1,
        "source": "pool",
        "start": 0,
        "count": 2,
    }
    assert all(r.at.tzinfo is not None for r in rows)
    with database.read() as session:
        assert audit.verify(session) == audit.ChainReport(len(rows), True)


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_entry SET reason = 'edited' WHERE seq = 3",
        "UPDATE audit_entry SET actor = 'someone' WHERE seq = 2",
        "DELETE FROM audit_entry WHERE seq = 4",
        "DELETE FROM audit_entry WHERE seq = (SELECT MAX(seq) FROM audit_entry)",
    ],
)
def test_tampering_is_detected(app: Flask, database: Any, auth: Auth, batch: dict[str, Any], tamper: str) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(tamper))
    with database.read() as session:
        report = audit.verify(session)
    assert report.ok is False
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "audit chain broken at entry" in result.output


def test_cli_verify_intact(app: Flask, auth: Auth) -> None:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert result.output == "audit chain intact: 6 entries\n"
