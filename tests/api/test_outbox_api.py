"""The report monitor over REST: list, read with attempts, resend and cancel (audited, with a reason)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from app.models import AuditEntry
from app.services import outbox

Auth = dict[str, dict[str, str]]


def test_monitor_resend_and_cancel(client: FlaskClient, auth: Auth, database: Any, unchanged: Any) -> None:
    with database.write() as session:
        ids = [
            outbox.enqueue(
                session,
                channel="webhook",
                destination="http://127.0.0.1:9/hook",
                body=b"{}",
                content_type="application/json",
            ).message_id
            for _ in range(3)
        ]
    listed = client.get("/api/v1/outbox?status=pending&limit=2", headers=auth["logistics"]).get_json()["items"]
    assert [m["messageID"] for m in listed] == ids[::-1][:2]
    more = client.get(f"/api/v1/outbox?status=pending&after={listed[-1]['pk']}", headers=auth["qa"]).get_json()
    assert [m["messageID"] for m in more["items"]] == [ids[0]]
    one = client.get(f"/api/v1/outbox/{ids[0]}", headers=auth["qa"]).get_json()
    assert one["messageID"] == ids[0] and one["attempts"] == 0 and one["attemptLog"] == []
    cancelled = client.post(
        f"/api/v1/outbox/{ids[1]}/cancel", headers=auth["logistics"], json={"reason": "partner asked us to hold"}
    )
    assert cancelled.get_json()["status"] == "cancelled"
    resent = client.post(f"/api/v1/outbox/{ids[1]}/resend", headers=auth["qa"], json={"reason": "released again"})
    assert resent.get_json()["status"] == "pending"
    with database.read() as session:
        actions = [(e.action, e.reason) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions[-2:] == [("outbox.cancel", "partner asked us to hold"), ("outbox.resend", "released again")]
    with unchanged():
        assert client.post(f"/api/v1/outbox/{ids[1]}/resend", headers=auth["qa"], json={}).status_code == 422
        assert client.post("/api/v1/outbox/nope/cancel", headers=auth["qa"], json={"reason": "x"}).status_code == 404
        assert client.get("/api/v1/outbox?status=lost", headers=auth["qa"]).get_json()["field"] == "status"
        assert client.get("/api/v1/outbox", headers=auth["line"]).status_code == 403
