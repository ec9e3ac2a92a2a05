"""Master data pages: products, locations and trading partners, listed for all and created by the ERP role."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from pydantic import BaseModel, ValidationError
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.config import Config
from app.errors import AppError
from app.extensions import current_db
from app.http_errors import pydantic_errors
from app.models import Role
from app.schemas import LocationIn, PartnerIn, ProductIn
from app.services import masterdata
from app.services.common import Page
from app.web import errors
from app.web.auth import current_principal, page
from app.web.forms import show_errors

bp = Blueprint("masterdata", __name__)
errors.install(bp)

EDITORS = (Role.ERP,)
SHOWN = 200
REQUIRED = "this field is required"


class ProductForm(FlaskForm):
    gtin = StringField("GTIN", validators=[InputRequired(REQUIRED), Length(max=14)])
    name = StringField("Name", validators=[InputRequired(REQUIRED), Length(max=200)])
    company_prefix_length = IntegerField(
        "GS1 company prefix length",
        validators=[InputRequired("a number from 6 to 12"), NumberRange(6, 12, "a number from 6 to 12")],
    )
    serial_alphabet = SelectField(
        "Serial number characters",
        choices=[SelectChoice("alphanumeric", "alphanumeric"), SelectChoice("numeric", "numeric")],
    )
    serial_length = IntegerField(
        "Serial number length",
        default=12,
        validators=[InputRequired("a number from 1 to 20"), NumberRange(1, 20, "a number from 1 to 20")],
    )


class LocationForm(FlaskForm):
    gln = StringField("GLN", validators=[InputRequired(REQUIRED), Length(max=34)])
    name = StringField("Name", validators=[InputRequired(REQUIRED), Length(max=200)])
    kind = SelectField(
        "Kind",
        choices=[
            SelectChoice("site", "site"),
            SelectChoice("line", "line"),
            SelectChoice("warehouse", "warehouse"),
            SelectChoice("partner_site", "partner site"),
        ],
    )
    country = StringField(
        "Country (2-letter code, e.g. DE)", validators=[Optional(), Length(2, 2, "two letters, e.g. DE")]
    )
    address = StringField("Address", validators=[Optional(), Length(max=500)])


class PartnerForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(REQUIRED), Length(max=200)])
    gln = StringField("GLN", validators=[InputRequired(REQUIRED), Length(max=13)])
    country = StringField(
        "Country (2-letter code, e.g. DE)", validators=[InputRequired(REQUIRED), Length(2, 2, "two letters, e.g. DE")]
    )


FORMS: dict[str, type[FlaskForm]] = {"products": ProductForm, "locations": LocationForm, "partners": PartnerForm}
# Service field names that differ from the form's.
ALIASES = {"serial_scheme.length": "serial_length", "serial_scheme.alphabet": "serial_alphabet", "extension": "gln"}


def _listing(kind: str) -> list[dict[str, Any]]:
    db, pg = current_db(), Page(1, SHOWN)
    lister = {
        "products": masterdata.list_products,
        "locations": masterdata.list_locations,
        "partners": masterdata.list_partners,
    }[kind]
    return lister(db, pg)[0]


def _render(kind: str, form: FlaskForm, status: int = 200) -> ResponseReturnValue:
    return render_template("web/masterdata.html", kind=kind, items=_listing(kind), form=form, kinds=list(FORMS)), status


@bp.get("/masterdata")
@page()
def index() -> ResponseReturnValue:
    return redirect(url_for("masterdata.listing", kind="products"))


@bp.get("/masterdata/<any(products, locations, partners):kind>")
@page()
def listing(kind: str) -> ResponseReturnValue:
    return _render(kind, FORMS[kind]())


def _validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise pydantic_errors(exc) from None


def _create(kind: str, form: FlaskForm) -> str:
    db, actor = current_db(), current_principal()
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in form.data.items() if k != "csrf_token"}
    if kind == "products":
        body = _validated(
            ProductIn,
            {
                "gtin": data["gtin"],
                "name": data["name"],
                "company_prefix_length": data["company_prefix_length"],
                "serial_scheme": {"alphabet": data["serial_alphabet"], "length": data["serial_length"]},
            },
        )
        config: Config = current_app.extensions["custody.config"]
        return str(masterdata.create_product(db, actor, body, config.default_lifetime_volume)["gtin"])
    if kind == "locations":
        gln, _, extension = str(data["gln"]).partition(".")
        clean = {k: v for k, v in data.items() if v not in ("", None)}
        body = _validated(LocationIn, {**clean, "gln": gln, **({"extension": extension} if extension else {})})
        return str(masterdata.create_location(db, actor, body)["gln"])
    body = _validated(PartnerIn, data)
    return str(masterdata.create_partner(db, actor, body)["gln"])


@bp.post("/masterdata/<any(products, locations, partners):kind>")
@page(*EDITORS)
def create(kind: str) -> ResponseReturnValue:
    form = FORMS[kind]()
    if not form.validate_on_submit():
        return _render(kind, form, 422)
    try:
        created = _create(kind, form)
    except AppError as exc:
        show_errors(form, exc, ALIASES)
        return _render(kind, form, exc.status)
    flash(f"Saved {kind[:-1]} {created}.", "success")
    return redirect(url_for("masterdata.listing", kind=kind))
