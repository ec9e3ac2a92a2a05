"""Hostile or oversized capture input is refused fast, with the right error, and stores nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.services import audit, security
from tests.epcis_api.test_capture import event, event_count

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE epcis:EPCISDocument [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
  creationDate="2026-11-27T10:00:00Z"><EPCISBody><EventList><ObjectEvent>
  <eventTime>2026-11-27T10:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
  <epcList><epc>&secret;</epc></epcList><action>OBSERVE</action></ObjectEvent></EventList></EPCISBody>
</epcis:EPCISDocument>"""

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]><lolz>&lol9;</lolz>"
)


@pytest.fixture
def small(db_url: str) -> Iterator[tuple[Flask, dict[str, str]]]:
    app = create_app({"database_url": db_url, "capture_max_events": 3, "capture_max_bytes": 20_000})
    database = app.extensions["custody.db"]
    with database.write() as session:
        audit.ensure_head(session)
    token = security.create_token(database, name="small-line", role="line")
    yield app, {"Authorization": f"Bearer {token}"}
    database.engine.dispose()


def post(client: FlaskClient, headers: dict[str, str], body: bytes, kind: str) -> Any:
    return client.post("/epcis/capture", data=body, headers={**headers, "Content-Type": kind})


@pytest.mark.parametrize("body", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entities_are_refused(client: FlaskClient, auth: dict[str, dict[str, str]], database: Any, body: bytes) -> None:
    started = time.perf_counter()
    answer = post(client, auth["line"], body, "application/xml")
    assert time.perf_counter() - started < 2
    assert answer.status_code == 400
    assert answer.get_json()["type"] == "epcisException:ValidationException"
    assert b"root:" not in answer.data
    assert event_count(database) == 0


def test_limits_are_advertised_and_enforced(small: tuple[Flask, dict[str, str]]) -> None:
    app, headers = small
    client = app.test_client()
    options = client.options("/epcis/capture", headers=headers)
    assert options.headers["GS1-EPCIS-Capture-Limit"] == "3"
    assert options.headers["GS1-EPCIS-Capture-File-Size-Limit"] == "20000"
    events = [
        event("ObjectEvent", "OBSERVE", "inspecting", i, epcList=[f"urn:epc:id:sgtin:9506000.013435.X{i}"])
        for i in range(4)
    ]
    doc = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-27T10:00:00Z",
        "epcisBody": {"eventList": events},
    }
    too_many = post(client, headers, json.dumps(doc).encode(), "application/json")
    assert too_many.status_code == 413
    assert too_many.get_json()["type"] == "epcisException:CaptureLimitExceededException"
    assert too_many.get_json()["detail"] == "4 events exceed the limit of 3 per capture"
    big = post(client, headers, b" " * 20_001, "application/json")
    assert big.status_code == 413
    assert big.get_json()["detail"] == "document of 20,001 bytes exceeds the limit of 20,000"
    deep = b"[" * 5000 + b"]" * 5000
    assert post(client, headers, deep, "application/json").status_code == 400
