"""Sign-in, sign-out, the dashboard and the scan field's target: the `web` blueprint."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.errors import AppError
from app.extensions import current_db
from app.services import dashboard as dashboard_service
from app.services import places, scan
from app.web import errors
from app.web.auth import page, safe_next, sign_in, sign_out, signed_in_user
from app.web.forms import show_errors
from app.web.trace import trace_path

bp = Blueprint("web", __name__)
errors.install(bp)


class LoginForm(FlaskForm):
    username = StringField(
        "Username", validators=[DataRequired(message="enter your username"), Length(max=64)], id="username"
    )
    password = PasswordField("Password", validators=[DataRequired(message="enter your password")], id="password")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    target = request.args.get("next")
    if request.method == "GET" and signed_in_user() is not None:
        return redirect(safe_next(target))
    if session.pop("expired", False):
        flash("Your session expired after a period without activity; sign in again.", "info")
    if form.validate_on_submit():
        try:
            sign_in(form.username.data or "", form.password.data or "")
        except AppError as exc:
            show_errors(form, exc)
            return render_template("web/login.html", form=form), 422
        return redirect(safe_next(target))
    status = 422 if form.errors else 200
    return render_template("web/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    # A POST with the CSRF token, so no other site can sign a user out.
    sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("web.login"))


@bp.get("/")
@page()
def dashboard() -> ResponseReturnValue:
    data = dashboard_service.summary(current_db())
    names = places.labels(current_db(), [a["place"] for a in data["activity"]])
    return render_template("web/dashboard.html", data=data, names=names)


@bp.get("/scan")
@page()
def scan_code() -> ResponseReturnValue:
    raw = request.args.get("code", "")
    try:
        key = scan.resolve(raw)
    except AppError as exc:
        return render_template("web/scan.html", code=raw, error=exc.detail), 422
    return redirect(trace_path(key))
