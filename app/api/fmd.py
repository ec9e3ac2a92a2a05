"""/api/v1 routes of the EU FMD channel: per-market product data, uploads and withdrawals, the hub messages
of a batch, and the alerts the hub sends back."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app.api import api_v1
from app.api.openapi import Op
from app.api.support import body, database, principal, requires, settings
from app.errors import ValidationFailed
from app.models import Role
from app.schemas import whole_number
from app.services import fmd, fmd_alerts, fmd_products
from app.services.fmd_schemas import FmdAcknowledgeIn, FmdProductIn, FmdWithdrawalIn

EDITORS = (Role.ERP,)
WITHDRAWERS = (Role.ERP, Role.QA)
ALERT_HANDLERS = (Role.QA, Role.ERP, Role.LOGISTICS)
# The hub (or the on-boarding partner's gateway) posts alerts with a token of this role.
HUB = (Role.HUB,)

# This module's operations in the OpenAPI document (the route-map test checks they match the routes).
OPERATIONS: list[Op] = [
    Op("get", "/fmd/products/{gtin}", "A product's EU FMD data: common elements and per-market data", "any"),
    Op(
        "put",
        "/fmd/products/{gtin}",
        "Set a product's EU FMD data (common name, pack type, per market: national code, MAH); audited",
        "admin, erp",
        FmdProductIn,
    ),
    Op(
        "post",
        "/fmd/products/{gtin}/upload",
        "Queue the product master data for the EU hub",
        "admin, erp",
        created=True,
    ),
    Op(
        "post",
        "/fmd/products/{gtin}/withdraw",
        "Withdraw a product from markets (all when none named); final; queued for the EU hub",
        "admin, erp, qa",
        FmdWithdrawalIn,
        True,
    ),
    Op(
        "get",
        "/fmd/batches/{batch_id}/messages",
        "The EU hub messages of a batch (pack data parts, statuses, recall) with their delivery state",
        "any",
    ),
    Op(
        "post",
        "/fmd/alerts",
        "An alert from the EU hub (application/xml, urn:custody:eu-fmd:1 Alert); kept once per alert id",
        "admin, hub",
        created=True,
    ),
    Op("get", "/fmd/alerts", "Alerts from the EU hub, newest first (acknowledged=true|false, limit)", "any"),
    Op(
        "post",
        "/fmd/alerts/{alert_id}/acknowledge",
        "Acknowledge an alert, with a note (audited)",
        "admin, qa, erp, logistics",
        FmdAcknowledgeIn,
    ),
]


@api_v1.get("/fmd/products/<gtin>")
@requires()
def get_fmd_product(gtin: str) -> ResponseReturnValue:
    return jsonify(fmd_products.get_product(database(), gtin))


@api_v1.put("/fmd/products/<gtin>")
@requires(*EDITORS)
def put_fmd_product(gtin: str) -> ResponseReturnValue:
    return jsonify(fmd_products.put_product(database(), principal(), gtin, body(FmdProductIn)))


@api_v1.post("/fmd/products/<gtin>/upload")
@requires(*EDITORS)
def upload_fmd_product(gtin: str) -> ResponseReturnValue:
    view = fmd_products.upload_product(database(), fmd.hub_of(settings()), principal(), gtin)
    return jsonify(view), 201, {"Location": f"/api/v1/outbox/{view['messageID']}"}


@api_v1.post("/fmd/products/<gtin>/withdraw")
@requires(*WITHDRAWERS)
def withdraw_fmd_product(gtin: str) -> ResponseReturnValue:
    view = fmd_products.withdraw_product(database(), fmd.hub_of(settings()), principal(), gtin, body(FmdWithdrawalIn))
    return jsonify(view), 201, {"Location": f"/api/v1/outbox/{view['messageID']}"}


@api_v1.get("/fmd/batches/<int:batch_id>/messages")
@requires()
def fmd_batch_messages(batch_id: int) -> ResponseReturnValue:
    return jsonify(fmd.batch_messages(database(), batch_id))


@api_v1.post("/fmd/alerts")
@requires(*HUB)
def receive_fmd_alert() -> ResponseReturnValue:
    view, created = fmd_alerts.receive_alert(database(), principal(), request.mimetype, request.get_data())
    return jsonify(view), 201 if created else 200


@api_v1.get("/fmd/alerts")
@requires()
def list_fmd_alerts() -> ResponseReturnValue:
    raw_ack, raw_limit = request.args.get("acknowledged"), request.args.get("limit", "50")
    if raw_ack not in (None, "true", "false"):
        raise ValidationFailed("acknowledged must be true or false", field="acknowledged")
    if not 1 <= (whole_number(raw_limit) or 0) <= 500:
        raise ValidationFailed("limit must be an integer 1-500", field="limit")
    acknowledged = None if raw_ack is None else raw_ack == "true"
    return jsonify({"items": fmd_alerts.list_alerts(database(), acknowledged=acknowledged, limit=int(raw_limit))})


@api_v1.post("/fmd/alerts/<int:alert_id>/acknowledge")
@requires(*ALERT_HANDLERS)
def acknowledge_fmd_alert(alert_id: int) -> ResponseReturnValue:
    return jsonify(fmd_alerts.acknowledge_alert(database(), principal(), alert_id, body(FmdAcknowledgeIn).note))
