"""The VRS responder endpoints (GS1 Lightweight Messaging Standard, Digital Link style requests)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from app.api.support import database, principal, requires
from app.models import Role
from app.services import vrs as service
from app.services.identifiers import parse_gtin

vrs = Blueprint("vrs", __name__, url_prefix="/vrs")
VERIFIERS = (Role.REGULATOR, Role.LOGISTICS, Role.QA)


@vrs.get("/01/<gtin>/10/<lot>/21/<path:serial>")
@requires(*VERIFIERS)
def verify(gtin: str, lot: str, serial: str) -> ResponseReturnValue:
    req = service.parse_request(gtin, lot, serial, request.args.to_dict())
    return jsonify(service.verify(database(), principal(), req, None))


@vrs.get("/checkConnectivity")
@requires(*VERIFIERS)
def check_connectivity() -> ResponseReturnValue:
    gtin = request.args.get("gtin")
    if gtin:
        parse_gtin(gtin)
    return jsonify({"status": "ok"})
