"""The audit-trail viewer and its chain check."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from app.extensions import current_db
from app.models import Role
from app.schemas import whole_number
from app.services import audit_view
from app.services.audit import ChainReport
from app.web import errors
from app.web.auth import page

bp = Blueprint("audit", __name__)
errors.install(bp)

READERS = (Role.QA, Role.REGULATOR)
PER_PAGE = 100
FILTERS = ("entity", "entity_id", "actor", "action")


def _render(report: ChainReport | None) -> ResponseReturnValue:
    filters = {k: (request.args.get(k) or "").strip() or None for k in FILTERS}
    raw_before = request.args.get("before", "")
    items = audit_view.entries(current_db(), **filters, before_seq=whole_number(raw_before), limit=PER_PAGE)
    return render_template("web/audit.html", items=items, filters=filters, per_page=PER_PAGE, report=report)


@bp.get("/audit")
@page(*READERS)
def index() -> ResponseReturnValue:
    return _render(None)


@bp.get("/audit/verify")
@page(*READERS)
def verify() -> ResponseReturnValue:
    return _render(audit_view.check_chain(current_db()))
