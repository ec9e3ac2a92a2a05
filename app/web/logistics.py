"""Logistics pages: shipments (scan, live check, ship, packing list), receiving against the record, decommission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.errors import AppError, ValidationFailed
from app.extensions import current_db
from app.http_errors import problem
from app.models import Role
from app.services import logistics_decommission, logistics_packing, receiving, shipments
from app.services.logistics_common import form_choices
from app.web import errors
from app.web.auth import check_signature, current_principal, page, signed_in_user
from app.web.forms import show_errors
from app.web.logistics_forms import (
    ConfirmForm,
    DecommissionForm,
    ReceiptForm,
    ShipmentForm,
    UnitForm,
    UnitScanForm,
    options,
)

bp = Blueprint("logistics", __name__)
errors.install(bp)

SHIPPERS = (Role.LOGISTICS,)
DECOMMISSIONERS = (Role.LOGISTICS, Role.LINE, Role.QA)


# --- shipments ---------------------------------------------------------------------------------------------------


def _shipment_form(form: ShipmentForm | None = None) -> ShipmentForm:
    form = form or ShipmentForm()
    rows = form_choices(current_db())
    form.ship_from.choices = options(rows["own"], "choose our site")
    form.partner.choices = options(rows["partners"], "none: transfer to another of our sites")
    form.ship_to.choices = [
        *options([], "choose the destination"),
        *options(rows["partner_sites"], "", "Partner sites"),
        *options(rows["own"], "", "Our sites (transfer)"),
    ]
    return form


def _shipments_page(form: ShipmentForm, status: int = 200) -> ResponseReturnValue:
    items = shipments.listing(current_db())
    return render_template("web/logistics/shipments.html", items=items, form=form), status


@bp.get("/shipments", endpoint="shipments")
@page(*SHIPPERS)
def shipments_page() -> ResponseReturnValue:
    return _shipments_page(_shipment_form())


@bp.post("/shipments")
@page(*SHIPPERS)
def create_shipment() -> ResponseReturnValue:
    form = _shipment_form()
    if not form.validate_on_submit():
        return _shipments_page(form, 422)
    try:
        created = shipments.create(
            current_db(),
            current_principal(),
            partner_id=form.partner.data,
            ship_from_id=form.ship_from.data,
            ship_to_id=form.ship_to.data,
        )
    except AppError as exc:
        show_errors(form, exc)
        return _shipments_page(form, exc.status)
    flash(f"Shipment {created['reference']} created. Scan its pallets, cases or packs.", "success")
    return redirect(url_for("logistics.shipment", shipment_id=created["id"]))


def _shipment_page(shipment_id: int, scan: UnitScanForm | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "web/logistics/shipment.html",
        data=shipments.get(current_db(), shipment_id),
        scan=scan or UnitScanForm(),
        unit_form=UnitForm(),
        confirm=ConfirmForm(),
        autofocus_scan=False,
    ), status


@bp.get("/shipments/<int:shipment_id>")
@page(*SHIPPERS)
def shipment(shipment_id: int) -> ResponseReturnValue:
    return _shipment_page(shipment_id)


@bp.post("/shipments/<int:shipment_id>/units")
@page(*SHIPPERS)
def add_unit(shipment_id: int) -> ResponseReturnValue:
    form = UnitScanForm()
    if not form.validate_on_submit():
        return _shipment_page(shipment_id, form, 422)
    try:
        added = shipments.add(current_db(), current_principal(), shipment_id, form.code.data or "")
    except ValidationFailed as exc:
        show_errors(form, exc)
        return _shipment_page(shipment_id, form, exc.status)
    flash(f"Added {added['label']} ({added['packs']} packs).", "success")
    return redirect(url_for("logistics.shipment", shipment_id=shipment_id))


@bp.post("/shipments/<int:shipment_id>/units/remove")
@page(*SHIPPERS)
def remove_unit(shipment_id: int) -> ResponseReturnValue:
    form = UnitForm()
    if form.validate_on_submit():
        shipments.remove(current_db(), current_principal(), shipment_id, form.epc.data or "")
        flash("Unit removed from the shipment.", "success")
    return redirect(url_for("logistics.shipment", shipment_id=shipment_id))


@bp.post("/shipments/<int:shipment_id>/ship")
@page(*SHIPPERS)
def ship(shipment_id: int) -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("logistics.shipment", shipment_id=shipment_id))
    try:
        done = shipments.ship(current_db(), current_principal(), shipment_id)
    except ValidationFailed as exc:
        scan = UnitScanForm(formdata=None)
        show_errors(scan, exc)
        return _shipment_page(shipment_id, scan, exc.status)
    flash(
        f"Shipment {done['reference']} shipped: the shipping event is recorded and the partner's messages are queued.",
        "success",
    )
    return redirect(url_for("logistics.shipment", shipment_id=shipment_id))


@bp.get("/shipments/<int:shipment_id>/packing-list.pdf")
@page(*SHIPPERS)
def packing_list(shipment_id: int) -> ResponseReturnValue:
    name, pdf = logistics_packing.packing_list(current_db(), shipment_id)
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


def json_session(*roles: Role) -> Callable[[Callable[..., ResponseReturnValue]], Callable[..., ResponseReturnValue]]:
    """Guard a JSON endpoint of the pages: the signed-in session (401/403 as problem+json, never a redirect)."""

    def decorate(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            user = signed_in_user()
            if user is None:
                return problem(401, "unauthenticated", "Authentication required", "sign in first")
            if not user.allows(*roles):
                wanted = ", ".join(r.value for r in (Role.ADMIN, *roles))
                return problem(403, "forbidden", "Not allowed", f"role '{user.role.value}' needs one of: {wanted}")
            return view(*args, **kwargs)

        wrapper.__dict__["required_roles"] = roles
        return wrapper

    return decorate


@bp.post("/shipments/<int:shipment_id>/check")
@json_session(*SHIPPERS)
def check_unit(shipment_id: int) -> ResponseReturnValue:
    """Live validation of a scan (JSON `{"code": ...}`, CSRF token in `X-CSRFToken`): the unit, or a problem."""
    data = request.get_json(silent=True)
    code = data.get("code") if isinstance(data, dict) else None
    try:
        if not isinstance(code, str):
            raise ValidationFailed('send {"code": "<the scan>"} as JSON', field="code")
        return shipments.check(current_db(), shipment_id, code)
    except AppError as exc:
        return problem(exc.status, exc.slug, exc.title, exc.detail, exc.errors)


# --- receiving ---------------------------------------------------------------------------------------------------


def _receipt_form(form: ReceiptForm | None = None) -> ReceiptForm:
    form = form or ReceiptForm()
    database = current_db()
    rows = form_choices(database)
    form.location.choices = options(rows["own"], "choose our site")
    waiting = [(s["id"], f"{s['reference']} to {s['ship_to']}") for s in receiving.awaiting(database)]
    form.shipment.choices = options(waiting, "none")
    form.partner.choices = options(rows["partners"], "none")
    return form


def _receiving_page(form: ReceiptForm, status: int = 200) -> ResponseReturnValue:
    return render_template("web/logistics/receiving.html", items=receiving.listing(current_db()), form=form), status


@bp.get("/receiving", endpoint="receiving")
@page(*SHIPPERS)
def receiving_page() -> ResponseReturnValue:
    return _receiving_page(_receipt_form())


@bp.post("/receiving")
@page(*SHIPPERS)
def open_receipt() -> ResponseReturnValue:
    form = _receipt_form()
    if not form.validate_on_submit():
        return _receiving_page(form, 422)
    try:
        created = receiving.open_receipt(
            current_db(),
            current_principal(),
            location_id=form.location.data,
            shipment_id=form.shipment.data,
            partner_id=form.partner.data,
        )
    except AppError as exc:
        show_errors(form, exc)
        return _receiving_page(form, exc.status)
    flash(f"Receipt {created['id']} started. Scan every pallet, case or pack of the delivery.", "success")
    return redirect(url_for("logistics.receipt", receipt_id=created["id"]))


def _receipt_page(receipt_id: int, scan: UnitScanForm | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "web/logistics/receipt.html",
        data=receiving.get(current_db(), receipt_id),
        scan=scan or UnitScanForm(),
        unit_form=UnitForm(),
        confirm=ConfirmForm(),
        autofocus_scan=False,
    ), status


@bp.get("/receiving/<int:receipt_id>")
@page(*SHIPPERS)
def receipt(receipt_id: int) -> ResponseReturnValue:
    return _receipt_page(receipt_id)


@bp.post("/receiving/<int:receipt_id>/scans")
@page(*SHIPPERS)
def scan_incoming(receipt_id: int) -> ResponseReturnValue:
    form = UnitScanForm()
    if not form.validate_on_submit():
        return _receipt_page(receipt_id, form, 422)
    try:
        receiving.scan(current_db(), current_principal(), receipt_id, form.code.data or "")
    except ValidationFailed as exc:
        show_errors(form, exc)
        return _receipt_page(receipt_id, form, exc.status)
    return redirect(url_for("logistics.receipt", receipt_id=receipt_id))


@bp.post("/receiving/<int:receipt_id>/scans/remove")
@page(*SHIPPERS)
def remove_scan(receipt_id: int) -> ResponseReturnValue:
    form = UnitForm()
    if form.validate_on_submit():
        receiving.unscan(current_db(), current_principal(), receipt_id, form.epc.data or "")
        flash("Scan removed: set the unit aside.", "success")
    return redirect(url_for("logistics.receipt", receipt_id=receipt_id))


@bp.post("/receiving/<int:receipt_id>/receive")
@page(*SHIPPERS)
def receive(receipt_id: int) -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("logistics.receipt", receipt_id=receipt_id))
    try:
        done = receiving.receive(current_db(), current_principal(), receipt_id)
    except ValidationFailed as exc:
        scan = UnitScanForm(formdata=None)
        show_errors(scan, exc)
        return _receipt_page(receipt_id, scan, exc.status)
    flash(f"Receipt {done['id']} received at {done['location']['label']}.", "success")
    return redirect(url_for("logistics.receipt", receipt_id=receipt_id))


# --- decommission ------------------------------------------------------------------------------------------------


def _decommission_form(form: DecommissionForm | None = None) -> DecommissionForm:
    form = form or DecommissionForm()
    form.location.choices = options(form_choices(current_db())["own"], "choose our site")
    return form


def _decommission_page(form: DecommissionForm, status: int = 200, done: Any = None) -> ResponseReturnValue:
    return render_template(
        "web/logistics/decommission.html",
        form=form,
        done=done,
        signed=sorted(logistics_decommission.SIGNED_REASONS),
        autofocus_scan=False,
    ), status


@bp.get("/decommission")
@page(*DECOMMISSIONERS)
def decommission() -> ResponseReturnValue:
    return _decommission_page(_decommission_form())


@bp.post("/decommission")
@page(*DECOMMISSIONERS)
def decommission_unit() -> ResponseReturnValue:
    form = _decommission_form()
    if not form.validate_on_submit():
        return _decommission_page(form, 422)
    reason = form.reason_code.data or ""
    text = form.reason.data or ""
    try:
        signature = check_signature(form.password.data or "", text) if form.needs_signature(reason) else None
    except ValidationFailed as exc:
        show_errors(form, exc)
        return _decommission_page(form, exc.status)
    try:
        done = logistics_decommission.decommission(
            current_db(),
            current_principal(),
            code=form.code.data or "",
            reason=reason,
            location_id=form.location.data,
            signature=signature,
            note=None if signature else text,
        )
    except ValidationFailed as exc:
        show_errors(form, exc, {"reason": "reason_code"})  # the service's reason is the chosen one
        return _decommission_page(form, exc.status)
    inside = f" with the {done['contents']} units inside it" if done["contents"] else ""
    flash(f"{done['label']}{inside} decommissioned as {done['reason']}; recorded in the audit trail.", "success")
    return redirect(url_for("logistics.decommission"))
