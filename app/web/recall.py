"""Recall: a batch's packs with their state and holder, the CSV export, and the recall signed by QA."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from app.errors import AppError
from app.extensions import current_db
from app.models import Role
from app.services import recall as recall_service
from app.web import errors
from app.web.auth import check_signature, current_principal, page
from app.web.forms import SignatureForm, show_errors

bp = Blueprint("recall", __name__)
errors.install(bp)

VIEWERS = (Role.QA, Role.REGULATOR)
PACKS_SHOWN = 50


class FindBatchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search

    batch_id = IntegerField(
        "Batch number",
        validators=[
            InputRequired(message="enter a batch number"),
            NumberRange(min=1, message="a batch number is 1 or more"),
        ],
    )


@bp.get("/recall")
@page(*VIEWERS)
def index() -> ResponseReturnValue:
    form = FindBatchForm(request.args)
    if request.args and form.validate() and form.batch_id.data is not None:
        return redirect(url_for("recall.show", batch_id=form.batch_id.data))
    return render_template("web/recall/index.html", form=form), 422 if form.errors else 200


def _render(batch_id: int, form: SignatureForm, status: int = 200) -> ResponseReturnValue:
    data = recall_service.page(current_db(), batch_id, limit=PACKS_SHOWN, after=request.args.get("after") or None)
    return render_template(
        "web/recall/show.html", data=data, packs=data["packs"], per_page=PACKS_SHOWN, form=form
    ), status


@bp.get("/recall/<int:batch_id>")
@page(*VIEWERS)
def show(batch_id: int) -> ResponseReturnValue:
    return _render(batch_id, SignatureForm())


@bp.get("/recall/<int:batch_id>.csv")
@page(*VIEWERS)
def export(batch_id: int) -> ResponseReturnValue:
    lines = recall_service.csv_lines(current_db(), batch_id)
    first = next(lines)  # raises NotFound before the response starts
    body = stream_with_context(_chain(first, lines))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="recall-batch-{batch_id}.csv"'},
    )


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


@bp.post("/recall/<int:batch_id>")
@page(Role.QA)
def sign(batch_id: int) -> ResponseReturnValue:
    form = SignatureForm()
    if not form.validate_on_submit():
        return _render(batch_id, form, 422)
    try:
        signature = check_signature(form.password.data or "", form.reason.data or "")
        recall_service.recall(current_db(), current_principal(), batch_id, signature)
    except AppError as exc:
        show_errors(form, exc)
        return _render(batch_id, form, exc.status)
    flash(f"Batch {batch_id} is recalled. The recall is in the audit trail and reported to the hubs.", "success")
    return redirect(url_for("recall.show", batch_id=batch_id))
