"""Batch pages: list, detail with reconciliation and events, and status changes (release triggers reporting)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired

from app.errors import AppError
from app.extensions import current_db
from app.models import BatchStatus, Role
from app.schemas import BatchTransitionIn, whole_number
from app.services import batch_pages, places, reconciliation
from app.services import batches as batch_service
from app.services.common import MAX_PAGE, Page
from app.web import errors
from app.web.auth import current_principal, page, signed_in_user

bp = Blueprint("batches", __name__)
errors.install(bp)

PER_PAGE = 50
# Recalls need an electronic signature: they are made on the recall page, not here.
SIGNED_TARGETS = frozenset({BatchStatus.RECALLED})
ACTION_LABELS = {
    BatchStatus.IN_PRODUCTION: "Start production",
    BatchStatus.CLOSED: "Close batch",
    BatchStatus.RELEASED: "Release batch",
}


class TransitionForm(FlaskForm):
    status = HiddenField(validators=[DataRequired(message="choose the new status")])


def allowed_actions(status: BatchStatus) -> list[tuple[str, str]]:
    """(target, label) of the status changes the signed-in user may make from `status` on this page."""
    user = signed_in_user()
    if user is None:
        return []
    out = []
    for (source, target), roles in batch_service.TRANSITIONS.items():
        if source is status and target not in SIGNED_TARGETS and user.allows(*roles):
            label = ACTION_LABELS.get(target, target.value)
            if source is BatchStatus.CLOSED and target is BatchStatus.IN_PRODUCTION:
                label = "Reopen batch"
            out.append((target.value, label))
    return out


@bp.get("/batches")
@page()
def index() -> ResponseReturnValue:
    status = request.args.get("status") or None
    number = request.args.get("page", "1")
    pg = Page(min(whole_number(number) or 1, MAX_PAGE), PER_PAGE)
    try:
        items, total = batch_service.list_batches(current_db(), pg, status=status)
    except AppError as exc:
        flash(exc.detail, "error")
        items, total, status = [], 0, None
    return render_template(
        "web/batches/index.html",
        items=items,
        total=total,
        page=pg.number,
        per_page=PER_PAGE,
        status=status,
        statuses=[s.value for s in BatchStatus],
    )


def _render_detail(batch_id: int, form: TransitionForm, status: int = 200) -> ResponseReturnValue:
    database = current_db()
    batch = batch_service.get_batch(database, batch_id)
    user = signed_in_user()
    events = batch_pages.recent_events(database, batch_id)
    return render_template(
        "web/batches/show.html",
        batch=batch,
        rec=reconciliation.reconcile(database, batch_id),
        events=events,
        names=places.labels(database, [e["biz_location"] for e in events]),
        actions=allowed_actions(BatchStatus(batch["status"])),
        can_recall=user is not None and user.allows(Role.QA),
        form=form,
    ), status


@bp.get("/batches/<int:batch_id>")
@page()
def show(batch_id: int) -> ResponseReturnValue:
    return _render_detail(batch_id, TransitionForm())


@bp.post("/batches/<int:batch_id>/status")
@page(Role.ERP, Role.LINE, Role.QA)
def change_status(batch_id: int) -> ResponseReturnValue:
    form = TransitionForm()
    if not form.validate_on_submit():
        return _render_detail(batch_id, form, 422)
    target = form.status.data or ""
    if target not in {s.value for s in BatchStatus} or BatchStatus(target) in SIGNED_TARGETS:
        form.status.errors = ["a recall is signed on the recall page" if target == "recalled" else "unknown status"]
        return _render_detail(batch_id, form, 422)
    try:
        change = BatchTransitionIn.model_validate({"status": target})
        batch_service.change_status(current_db(), current_principal(), batch_id, change)
    except AppError as exc:
        flash(exc.detail, "error")
        return _render_detail(batch_id, form, exc.status)
    flash(f"Batch {batch_id} is now {target.replace('_', ' ')}.", "success")
    return redirect(url_for("batches.show", batch_id=batch_id))
