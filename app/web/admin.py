"""Users and API tokens (administrators only): create, switch off, revoke; a new token is shown once."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.errors import AppError
from app.extensions import current_db
from app.models import Role
from app.services import accounts, security
from app.web import errors
from app.web.auth import current_principal, page
from app.web.forms import show_errors

bp = Blueprint("admin", __name__)
errors.install(bp)

ROLE_CHOICES = [SelectChoice(r.value) for r in Role]
USER_ROLE_CHOICES = [SelectChoice(r.value) for r in Role if r is not Role.HUB]  # hub is for a system's token


class UserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("choose a username"), Length(max=64)])
    role = SelectField("Role", choices=USER_ROLE_CHOICES, default=Role.LOGISTICS.value)
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("choose a password"),
            Length(min=security.MIN_PASSWORD, message=f"at least {security.MIN_PASSWORD} characters"),
        ],
    )
    confirm = PasswordField("Password again", validators=[EqualTo("password", "the passwords differ")])


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired("name the token (e.g. erp-1)"), Length(max=100)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.ERP.value, id="token-role")
    scope = StringField("Line GLN (13 digits, line tokens only)", validators=[Optional(), Length(max=13)])


class NameForm(FlaskForm):
    name = HiddenField(validators=[DataRequired()])


def _render(
    user_form: UserForm | None = None,
    token_form: TokenForm | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    db = current_db()
    return render_template(
        "web/admin.html",
        users=accounts.users(db),
        tokens=accounts.tokens(db),
        user_form=user_form or UserForm(formdata=None),
        token_form=token_form or TokenForm(formdata=None),
        action_form=NameForm(formdata=None),
        new_token=new_token,
    ), status


@bp.get("/admin")
@page(Role.ADMIN)
def index() -> ResponseReturnValue:
    return _render()


@bp.post("/admin/users")
@page(Role.ADMIN)
def create_user() -> ResponseReturnValue:
    form = UserForm()
    if not form.validate_on_submit():
        return _render(user_form=form, status=422)
    try:
        security.create_user(
            current_db(),
            username=(form.username.data or "").strip(),
            role=form.role.data or "",
            password=form.password.data or "",
            actor=current_principal(),
        )
    except AppError as exc:
        show_errors(form, exc)
        return _render(user_form=form, status=exc.status)
    flash(f"User {form.username.data} created.", "success")
    return redirect(url_for("admin.index"))


@bp.post("/admin/users/<username>/<any(activate, deactivate):change>")
@page(Role.ADMIN)
def set_active(username: str, change: str) -> ResponseReturnValue:
    form = NameForm()
    if not form.validate_on_submit() or form.name.data != username:
        flash("The request did not name the user; use the buttons on this page.", "error")
        return _render(status=422)
    try:
        accounts.set_active(current_db(), current_principal(), username, change == "activate")
    except AppError as exc:
        flash(exc.detail, "error")
        return _render(status=exc.status)
    flash(f"User {username} {'can sign in again' if change == 'activate' else 'is switched off'}.", "success")
    return redirect(url_for("admin.index"))


@bp.post("/admin/tokens")
@page(Role.ADMIN)
def create_token() -> ResponseReturnValue:
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(token_form=form, status=422)
    try:
        token = security.create_token(
            current_db(),
            name=(form.name.data or "").strip(),
            role=form.role.data or "",
            scope_gln=(form.scope.data or "").strip() or None,
            actor=current_principal(),
        )
    except AppError as exc:
        show_errors(form, exc)
        return _render(token_form=form, status=exc.status)
    # Shown once, in this answer only (never stored in clear, never redirected through the session).
    return _render(new_token=token, status=201)


@bp.post("/admin/tokens/<name>/revoke")
@page(Role.ADMIN)
def revoke_token(name: str) -> ResponseReturnValue:
    form = NameForm()
    if not form.validate_on_submit() or form.name.data != name:
        flash("The request did not name the token; use the buttons on this page.", "error")
        return _render(status=422)
    try:
        security.revoke_token(current_db(), name=name, actor=current_principal())
    except AppError as exc:
        flash(exc.detail, "error")
        return _render(status=exc.status)
    flash(f"Token {name} is revoked.", "success")
    return redirect(url_for("admin.index", _anchor="tokens"))
