"""Routes for products, locations and trading partners."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app.api import api_v1
from app.api.support import body, database, listing, page, principal, requires, settings
from app.models import Role
from app.schemas import ChannelIn, LocationIn, LocationPatch, PartnerIn, PartnerPatch, ProductIn, ProductPatch
from app.services import masterdata

EDITORS = (Role.ERP,)


@api_v1.post("/products")
@requires(*EDITORS)
def create_product() -> ResponseReturnValue:
    view = masterdata.create_product(database(), principal(), body(ProductIn), settings().default_lifetime_volume)
    return jsonify(view), 201, {"Location": f"/api/v1/products/{view['gtin']}"}


@api_v1.get("/products")
@requires()
def list_products() -> ResponseReturnValue:
    pg = page()
    items, total = masterdata.list_products(database(), pg)
    return jsonify(listing(items, total, pg))


@api_v1.get("/products/<gtin>")
@requires()
def get_product(gtin: str) -> ResponseReturnValue:
    return jsonify(masterdata.get_product(database(), gtin))


@api_v1.patch("/products/<gtin>")
@requires(*EDITORS)
def update_product(gtin: str) -> ResponseReturnValue:
    return jsonify(masterdata.update_product(database(), principal(), gtin, body(ProductPatch)))


@api_v1.post("/locations")
@requires(*EDITORS)
def create_location() -> ResponseReturnValue:
    view = masterdata.create_location(database(), principal(), body(LocationIn))
    return jsonify(view), 201, {"Location": f"/api/v1/locations/{view['id']}"}


@api_v1.get("/locations")
@requires()
def list_locations() -> ResponseReturnValue:
    pg = page()
    items, total = masterdata.list_locations(database(), pg, request.args.get("gln"))
    return jsonify(listing(items, total, pg))


@api_v1.get("/locations/<int:location_id>")
@requires()
def get_location(location_id: int) -> ResponseReturnValue:
    return jsonify(masterdata.get_location(database(), location_id))


@api_v1.patch("/locations/<int:location_id>")
@requires(*EDITORS)
def update_location(location_id: int) -> ResponseReturnValue:
    return jsonify(masterdata.update_location(database(), principal(), location_id, body(LocationPatch)))


@api_v1.post("/partners")
@requires(*EDITORS)
def create_partner() -> ResponseReturnValue:
    view = masterdata.create_partner(database(), principal(), body(PartnerIn))
    return jsonify(view), 201, {"Location": f"/api/v1/partners/{view['id']}"}


@api_v1.get("/partners")
@requires()
def list_partners() -> ResponseReturnValue:
    pg = page()
    items, total = masterdata.list_partners(database(), pg)
    return jsonify(listing(items, total, pg))


@api_v1.get("/partners/<int:partner_id>")
@requires()
def get_partner(partner_id: int) -> ResponseReturnValue:
    return jsonify(masterdata.get_partner(database(), partner_id))


@api_v1.patch("/partners/<int:partner_id>")
@requires(*EDITORS)
def update_partner(partner_id: int) -> ResponseReturnValue:
    return jsonify(masterdata.update_partner(database(), principal(), partner_id, body(PartnerPatch)))


@api_v1.get("/partners/<int:partner_id>/channels")
@requires()
def list_channels(partner_id: int) -> ResponseReturnValue:
    return jsonify({"items": masterdata.list_channels(database(), partner_id)})


@api_v1.put("/partners/<int:partner_id>/channels/<channel>")
@requires(*EDITORS)
def set_channel(partner_id: int, channel: str) -> ResponseReturnValue:
    return jsonify(masterdata.set_channel(database(), principal(), partner_id, channel, body(ChannelIn)))
