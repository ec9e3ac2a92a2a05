"""The /api/v1 blueprint for packaging lines, ERP and staff tools; routes live in sibling modules."""

from __future__ import annotations

from flask import Blueprint

api_v1 = Blueprint("api_v1", __name__, url_prefix="/api/v1")


@api_v1.before_request
def _body_limit() -> None:
    # The app-wide limit is the (larger) EPCIS capture limit; the REST API has its own.
    from flask import current_app, request

    request.max_content_length = current_app.extensions["custody.config"].max_body_bytes


from app.api import dscsa, fmd, labels, masterdata, outbox, serials, system  # noqa: E402,F401  (route registration)
