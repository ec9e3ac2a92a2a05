"""The /api/v1 blueprint for packaging lines, ERP and staff tools; routes live in sibling modules."""

from __future__ import annotations

from flask import Blueprint

api_v1 = Blueprint("api_v1", __name__, url_prefix="/api/v1")

from app.api import labels, masterdata, outbox, serials, system  # noqa: E402,F401  (route registration)
