"""The report monitor: outgoing messages with attempts and payload; resend and cancel with a reason."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.errors import AppError
from app.extensions import current_db
from app.models import OutboxStatus, Role
from app.schemas import whole_number
from app.services import outbox, outbox_payload
from app.web import errors
from app.web.auth import current_principal, page
from app.web.forms import show_errors

bp = Blueprint("monitor", __name__)
errors.install(bp)

MONITORS = (Role.LOGISTICS, Role.QA)
PER_PAGE = 50


class ActionForm(FlaskForm):
    action = SelectField("Action", choices=[SelectChoice("resend", "Resend"), SelectChoice("cancel", "Cancel")])
    reason = StringField(
        "Reason",
        validators=[
            DataRequired(message="say why (kept in the audit trail)"),
            Length(max=200, message="at most 200 characters"),
        ],
    )


@bp.get("/monitor")
@page(*MONITORS)
def index() -> ResponseReturnValue:
    status = request.args.get("status") or None
    channel = request.args.get("channel") or None
    raw_after = request.args.get("after", "")
    try:
        items = outbox.listing(
            current_db(),
            status=status,
            channel=channel,
            after=whole_number(raw_after),
            limit=PER_PAGE,
        )
    except AppError as exc:
        flash(exc.detail, "error")
        items, status = [], None
    return render_template(
        "web/monitor/index.html",
        items=items,
        status=status,
        channel=channel,
        per_page=PER_PAGE,
        statuses=[s.value for s in OutboxStatus],
    )


def _render(message_id: str, form: ActionForm, status: int = 200) -> ResponseReturnValue:
    database = current_db()
    message = outbox.get(database, message_id)
    return render_template(
        "web/monitor/show.html", m=message, payload=outbox_payload.payload(database, message_id), form=form
    ), status


@bp.get("/monitor/<message_id>")
@page(*MONITORS)
def show(message_id: str) -> ResponseReturnValue:
    return _render(message_id, ActionForm())


@bp.post("/monitor/<message_id>")
@page(*MONITORS)
def act(message_id: str) -> ResponseReturnValue:
    form = ActionForm()
    if not form.validate_on_submit():
        return _render(message_id, form, 422)
    actor, reason = current_principal().name, (form.reason.data or "").strip()
    try:
        if form.action.data == "resend":
            outbox.resend(current_db(), message_id, actor=actor, reason=reason)
            flash("The message is queued to be sent again now.", "success")
        else:
            outbox.cancel(current_db(), message_id, actor=actor, reason=reason)
            flash("The message is cancelled: it will not be sent.", "success")
    except AppError as exc:
        show_errors(form, exc, {"status": "action"})
        return _render(message_id, form, exc.status)
    return redirect(url_for("monitor.show", message_id=message_id))
