"""Form helpers shared by every page: service errors shown beside their fields, the signature form."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.errors import AppError


def show_errors(form: FlaskForm, exc: AppError, aliases: dict[str, str] | None = None) -> None:
    """Put a service error's fields beside the form's fields; what matches no field is flashed.

    `aliases` maps a service field name (`serial_scheme.length`) to the form field's name (`serial_length`).
    """
    aliases = aliases or {}
    placed = False
    for error in exc.errors:
        name = aliases.get(error.field, error.field)
        target = form._fields.get(name) or form._fields.get(name.split(".")[0].split("[")[0])
        if target is not None:
            errors = target.errors if isinstance(target.errors, list) else []
            target.errors = [*errors, error.detail]
            placed = True
    if not placed:
        flash(exc.detail, "error")


class SignatureForm(FlaskForm):
    """Password again and a reason: the electronic signature of a destroy, stolen or recall action."""

    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired(message="give a reason"),
            Length(max=500, message="keep the reason under 500 characters"),
        ],
    )
    password = PasswordField(
        "Your password (signature)", validators=[DataRequired(message="enter your password to sign")]
    )
