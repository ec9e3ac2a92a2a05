"""Forms of the logistics pages: new shipment, scans, new receipt and decommissioning with its signature."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.schemas import whole_number
from app.services.logistics_decommission import REASONS, SIGNED_REASONS

NONE = ""


def options(rows: list[tuple[int, str]], blank: str, group: str | None = None) -> list[SelectChoice]:
    """Select options for (id, label) rows, after a blank first option when `blank` is given."""
    first = [SelectChoice(NONE, blank)] if blank else []
    return first + [SelectChoice(str(key), text, optgroup=group) for key, text in rows]


def _int_or_none(value: object) -> int | None:
    text = str(value or "").strip()
    return whole_number(text)


class ShipmentForm(FlaskForm):
    """A new draft shipment: from which of our locations, for which partner, to which site."""

    ship_from = SelectField("Ship from (our site)", coerce=_int_or_none, validate_choice=False)
    partner = SelectField("Partner", coerce=_int_or_none, validate_choice=False)
    ship_to = SelectField("Ship to", coerce=_int_or_none, validate_choice=False)


class UnitScanForm(FlaskForm):
    """One scanned unit (pallet, case or pack) in any form a scanner types."""

    code = StringField(
        "Scan a pallet, case or pack",
        validators=[DataRequired(message="scan or type a code"), Length(max=512)],
    )


class UnitForm(FlaskForm):
    """A unit already listed (remove buttons)."""

    epc = HiddenField(validators=[DataRequired(message="which unit?")])


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (ship, receive)."""


class ReceiptForm(FlaskForm):
    """A new receiving session: where, and whether it is one of our shipments or a partner's delivery."""

    location = SelectField("Receive at (our site)", coerce=_int_or_none, validate_choice=False)
    shipment = SelectField("Our shipment (transfer or return)", coerce=_int_or_none, validate_choice=False)
    partner = SelectField("or a delivery from partner", coerce=_int_or_none, validate_choice=False)


class DecommissionForm(FlaskForm):
    """The unit, the reason and where; destroyed, stolen and recalled are signed with the password again."""

    code = StringField(
        "Scan the pack, case or pallet", validators=[DataRequired(message="scan or type a code"), Length(max=512)]
    )
    reason_code = SelectField(
        "Reason",
        choices=[SelectChoice(NONE, "choose a reason")] + [SelectChoice(r, r.replace("_", " ")) for r in REASONS],
        validators=[DataRequired(message="choose a reason")],
    )
    location = SelectField("Where (our site)", coerce=_int_or_none, validate_choice=False)
    reason = TextAreaField("Why (kept in the audit trail)", validators=[Optional(), Length(max=500)])
    password = PasswordField("Your password (signature)")

    @staticmethod
    def needs_signature(reason: str | None) -> bool:
        return reason in SIGNED_REASONS
