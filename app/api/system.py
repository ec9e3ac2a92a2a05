"""Health (unauthenticated) and the OpenAPI contract of /api/v1."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from app.api import api_v1
from app.api.openapi import document
from app.api.support import database, requires


@api_v1.get("/health")
def health() -> ResponseReturnValue:
    """Liveness and database reachability; the only /api/v1 route without a token."""
    status: dict[str, Any] = {"status": "ok", "database": "ok"}
    try:
        with database().read() as session:
            session.execute(text("SELECT 1"))
    except Exception:  # any driver failure means "not ready", never a 500 page
        status = {"status": "degraded", "database": "unreachable"}
        return jsonify(status), 503
    return jsonify(status)


@api_v1.get("/openapi.json")
@requires()
def openapi() -> ResponseReturnValue:
    return jsonify(document())
