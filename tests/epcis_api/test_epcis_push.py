"""EPCIS 2.0 push: a shipment to a partner with an EPCIS 2.0 repository lands there, tested against a
second instance of this service serving `/epcis/capture` over real HTTP on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

import epcis
from app import create_app
from app.models import OutboxMessage
from app.services import audit, schema, security, worker
from tests.epcis_api.test_capture import capture, commissioning, dl, document, event, packing

Auth = dict[str, dict[str, str]]
PARTNER_GLN = "4012345000009"


@pytest.fixture
def partner(tmp_path: Path) -> Iterator[dict[str, Any]]:
    app = create_app({"database_url": f"sqlite:///{tmp_path / 'partner.db'}"})
    database = app.extensions["custody.db"]
    schema.upgrade(database.engine)
    with database.write() as session:
        audit.ensure_head(session)
    token = security.create_token(database, name="inbound", role="logistics")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"app": app, "token": token, "url": f"http://127.0.0.1:{server.server_port}/epcis/capture"}
    server.shutdown()
    thread.join(timeout=10)
    database.engine.dispose()


def test_shipment_is_captured_by_the_partner(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], partner: dict[str, Any]
) -> None:
    pid = client.post(
        "/api/v1/partners", headers=auth["erp"], json={"name": "Wholesaler", "gln": PARTNER_GLN, "country": "DE"}
    ).get_json()["id"]
    channel = client.put(
        f"/api/v1/partners/{pid}/channels/epcis2",
        headers=auth["erp"],
        json={"endpoint": partner["url"], "authorization": f"Bearer {partner['token']}"},
    )
    assert channel.get_json() == {
        "channel": "epcis2",
        "endpoint": partner["url"],
        "active": True,
        "authorization_set": True,
        "tls_verify": True,
        "ca_bundle_set": False,
        "client_certificate_set": False,
    }
    serials = [
        s["serial"]
        for s in client.post(
            f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": 4}
        ).get_json()["serials"]
    ]
    case = client.post(
        "/api/v1/sscc", headers=auth["line"], json={"company_prefix": "9506000", "extension_digit": 0, "count": 1}
    ).get_json()["sscc"][0]
    case_dl = f"https://id.gs1.org/00/{case}"
    capture(client, auth, document(commissioning(serials, minute=1)))
    capture(client, auth, document(packing(case_dl, [dl(s) for s in serials[:3]], minute=2)))
    ship = event(
        "ObjectEvent",
        "OBSERVE",
        "shipping",
        3,
        epcList=[case_dl],
        destinationList=[{"type": "owning_party", "destination": f"https://id.gs1.org/417/{PARTNER_GLN}"}],
    )
    assert capture(client, auth, document(ship))["success"] is True
    with database.read() as session:
        [message] = session.scalars(select(OutboxMessage)).all()
    assert message.channel == "epcis2" and message.destination == partner["url"]

    report = worker.deliver_due(database, policy=worker.RetryPolicy(base_delay=1, max_delay=2, timeout=10))
    assert report.delivered == 1, report

    theirs = (
        partner["app"]
        .test_client()
        .get(
            "/epcis/events?orderBy=eventTime&orderDirection=ASC",
            headers={"Authorization": f"Bearer {partner['token']}", "GS1-EPC-Format": "Never_Translates"},
        )
    )
    got = epcis.parse(theirs.data).events
    assert [e.biz_step for e in got] == ["commissioning", "packing", "shipping"]
    ours = client.get(
        "/epcis/events?orderBy=eventTime&orderDirection=ASC",
        headers={**auth["qa"], "GS1-EPC-Format": "Never_Translates"},
    )
    assert [epcis.event_hash(e) for e in got] == [epcis.event_hash(e) for e in epcis.parse(ours.data).events]


def test_no_channel_no_message(client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]) -> None:
    serials = [
        s["serial"]
        for s in client.post(
            f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": 1}
        ).get_json()["serials"]
    ]
    capture(client, auth, document(commissioning(serials, minute=1)))
    ship = event(
        "ObjectEvent",
        "OBSERVE",
        "shipping",
        3,
        epcList=[dl(serials[0])],
        destinationList=[{"type": "owning_party", "destination": f"https://id.gs1.org/417/{PARTNER_GLN}"}],
    )
    assert capture(client, auth, document(ship))["success"] is True
    with database.read() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
    bad = client.put("/api/v1/partners/1/channels/fax", headers=auth["erp"], json={"endpoint": "http://x"})
    assert bad.status_code == 404
