"""/api/v1 routes of the US DSCSA channel: product and address master data, partner file imports, the
shipments sent (or held back) and a preview of the document a shipment produces."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.api import api_v1
from app.api.openapi import Op
from app.api.support import body, database, principal, requires
from app.errors import ValidationFailed
from app.models import Role
from app.schemas import whole_number
from app.services import dscsa, dscsa_import, dscsa_masterdata

Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
EDITORS = (Role.ERP,)
RECEIVERS = (Role.ERP, Role.LOGISTICS)
MONITORS = (Role.ERP, Role.LOGISTICS, Role.QA)


class DscsaProductIn(BaseModel):
    """Transaction information of a GTIN (GS1 US EPCClass master data)."""

    model_config = ConfigDict(extra="forbid")

    ndc: Annotated[str, StringConstraints(pattern=r"^[0-9]{10,11}$|^[0-9]{4,5}-[0-9]{3,4}-[0-9]{1,2}$")]
    ndc_type: Literal["US_FDA_NDC", "FDA_NDC_11"] = "US_FDA_NDC"
    drug_name: Text200
    dosage_form: Text100
    strength: Text100
    container_size: Text100
    manufacturer: Text200


class DscsaAddressIn(BaseModel):
    """Name and postal address of a GLN (GS1 US Location master data)."""

    model_config = ConfigDict(extra="forbid")

    name: Text200
    street_one: Text200
    street_two: Text200 | None = None
    city: Text100
    state: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    company_prefix_length: int | None = Field(None, ge=6, le=12)


def _limit() -> int:
    raw = request.args.get("limit", "50")
    if not 1 <= (whole_number(raw) or 0) <= 500:
        raise ValidationFailed("limit must be an integer 1-500", field="limit")
    return int(raw)


@api_v1.put("/dscsa/products/<gtin>")
@requires(*EDITORS)
def set_dscsa_product(gtin: str) -> ResponseReturnValue:
    data = body(DscsaProductIn).model_dump()
    return jsonify(dscsa_masterdata.set_product(database(), principal(), gtin, data))


@api_v1.get("/dscsa/products/<gtin>")
@requires()
def get_dscsa_product(gtin: str) -> ResponseReturnValue:
    return jsonify(dscsa_masterdata.get_product(database(), gtin))


@api_v1.get("/dscsa/products")
@requires()
def list_dscsa_products() -> ResponseReturnValue:
    return jsonify({"items": dscsa_masterdata.list_products(database())})


@api_v1.put("/dscsa/addresses/<gln>")
@requires(*EDITORS)
def set_dscsa_address(gln: str) -> ResponseReturnValue:
    data = body(DscsaAddressIn).model_dump()
    return jsonify(dscsa_masterdata.set_address(database(), principal(), gln, data))


@api_v1.get("/dscsa/addresses/<gln>")
@requires()
def get_dscsa_address(gln: str) -> ResponseReturnValue:
    return jsonify(dscsa_masterdata.get_address(database(), gln))


@api_v1.get("/dscsa/addresses")
@requires()
def list_dscsa_addresses() -> ResponseReturnValue:
    return jsonify({"items": dscsa_masterdata.list_addresses(database())})


@api_v1.post("/dscsa/imports")
@requires(*RECEIVERS)
def import_dscsa_file() -> ResponseReturnValue:
    view, created = dscsa_import.import_file(
        database(), principal(), request.get_data(cache=False), partner_gln=request.args.get("partner_gln")
    )
    if not created:
        return jsonify(view), 200, {"Location": f"/api/v1/dscsa/imports/{view['id']}"}
    return jsonify(view), 201, {"Location": f"/api/v1/dscsa/imports/{view['id']}"}


@api_v1.get("/dscsa/imports")
@requires(*MONITORS)
def list_dscsa_imports() -> ResponseReturnValue:
    return jsonify({"items": dscsa_import.list_imports(database(), limit=_limit())})


@api_v1.get("/dscsa/imports/<int:import_id>")
@requires(*MONITORS)
def get_dscsa_import(import_id: int) -> ResponseReturnValue:
    return jsonify(dscsa_import.get_import(database(), import_id))


@api_v1.get("/dscsa/shipments")
@requires(*MONITORS)
def list_dscsa_shipments() -> ResponseReturnValue:
    return jsonify({"items": dscsa.list_shipments(database(), status=request.args.get("status"), limit=_limit())})


@api_v1.post("/dscsa/shipments/<int:shipment_id>/retry")
@requires(*RECEIVERS)
def retry_dscsa_shipment(shipment_id: int) -> ResponseReturnValue:
    return jsonify(dscsa.retry(database(), shipment_id))


@api_v1.get("/dscsa/preview")
@requires(*MONITORS)
def preview_dscsa_document() -> ResponseReturnValue:
    event_id = request.args.get("eventID")
    if not event_id:
        raise ValidationFailed("give the shipping event's eventID", field="eventID")
    raw_partner = request.args.get("partner_id")
    if raw_partner is not None and whole_number(raw_partner) is None:
        raise ValidationFailed("partner_id must be an integer", field="partner_id")
    data = dscsa.preview(database(), event_id, int(raw_partner) if raw_partner else None)
    return Response(data, mimetype="application/xml")


# This module's operations in the OpenAPI document (the route-map test checks they match the routes).
OPERATIONS: list[Op] = [
    Op(
        "put",
        "/dscsa/products/{gtin}",
        "Set a GTIN's DSCSA transaction information (NDC, drug name, dosage form, strength, container size, "
        "manufacturer)",
        "admin, erp",
        DscsaProductIn,
    ),
    Op("get", "/dscsa/products/{gtin}", "Read a GTIN's DSCSA transaction information", "any"),
    Op("get", "/dscsa/products", "List DSCSA product data", "any"),
    Op(
        "put",
        "/dscsa/addresses/{gln}",
        "Set the name and postal address of a GLN (location master data of DSCSA documents)",
        "admin, erp",
        DscsaAddressIn,
    ),
    Op("get", "/dscsa/addresses/{gln}", "Read a GLN's DSCSA address", "any"),
    Op("get", "/dscsa/addresses", "List DSCSA addresses", "any"),
    Op(
        "post",
        "/dscsa/imports",
        "Import a partner's DSCSA file (EPCIS 1.2/2.0 XML or JSON-LD as the body; partner_gln overrides the "
        "sender): 201 with what was imported and the tolerated variations, 200 for the same file again",
        "admin, erp, logistics",
        created=True,
    ),
    Op("get", "/dscsa/imports", "Imported partner files, newest first (limit)", "admin, erp, logistics, qa"),
    Op("get", "/dscsa/imports/{import_id}", "One imported partner file", "admin, erp, logistics, qa"),
    Op(
        "get",
        "/dscsa/shipments",
        "DSCSA documents per shipment, newest first: queued, or blocked with the missing master data (status, limit)",
        "admin, erp, logistics, qa",
    ),
    Op(
        "post",
        "/dscsa/shipments/{shipment_id}/retry",
        "Build a blocked shipment's document again and queue it once its master data is complete",
        "admin, erp, logistics",
    ),
    Op(
        "get",
        "/dscsa/preview",
        "The EPCIS 1.2 DSCSA document a stored shipping event produces (eventID, optional partner_id)",
        "admin, erp, logistics, qa",
    ),
]
