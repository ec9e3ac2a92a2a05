"""Regulator exports: a batch, a business transaction or a window, in each format, schema-valid."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

import epcis
from tests.epcis_api.flows import commission_pack_ship

Auth = dict[str, dict[str, str]]
PO = "urn:epcglobal:cbv:bt:9506000000008:PO-42"


def setup_history(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    commission_pack_ship(client, auth, batch, 3, bizTransactionList=[{"type": "po", "bizTransaction": PO}])


def test_exports_in_every_format(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    setup_history(client, auth, batch)
    reg = auth["regulator"]
    xml = client.get(f"/api/v1/exports?batch_id={batch['id']}&format=xml", headers=reg)
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert epcis.validate(xml.data) == []
    assert [e.biz_step for e in epcis.parse(xml.data).events] == ["commissioning", "packing"]
    old = client.get(f"/api/v1/exports?batch_id={batch['id']}&format=xml-1.2", headers=reg)
    assert b"urn:epcglobal:epcis:xsd:1" in old.data and epcis.validate(old.data) == []
    ld = client.get(f"/api/v1/exports?batch_id={batch['id']}&format=jsonld", headers=reg)
    assert ld.mimetype == "application/ld+json"
    assert len(json.loads(ld.data)["epcisBody"]["eventList"]) == 2
    shipment = client.get("/api/v1/exports", query_string={"biz_transaction": PO, "format": "xml"}, headers=reg)
    assert [e.biz_step for e in epcis.parse(shipment.data).events] == ["shipping"]
    window = client.get(
        "/api/v1/exports", query_string={"from": "2026-11-27T09:01:30Z", "to": "2026-11-27T09:02:30Z"}, headers=reg
    )
    assert [e.biz_step for e in epcis.parse(window.data).events] == ["packing"]


def test_export_errors(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    reg = auth["regulator"]
    assert client.get("/api/v1/exports", headers=reg).get_json()["field"] == "batch_id"
    assert client.get("/api/v1/exports?batch_id=1&format=pdf", headers=reg).get_json()["field"] == "format"
    assert client.get("/api/v1/exports?batch_id=999", headers=reg).status_code == 404
    assert client.get("/api/v1/exports?from=yesterday", headers=reg).get_json()["field"] == "from"
    assert client.get("/api/v1/exports?from=2026-11-27T09:00:00", headers=reg).get_json()["field"] == "from"
    assert client.get(f"/api/v1/exports?batch_id={batch['id']}", headers=auth["line"]).status_code == 403
