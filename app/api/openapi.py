"""The OpenAPI 3.1 contract of /api/v1, with request schemas taken from the pydantic models."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from app import schemas


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    summary: str
    roles: str
    request: type[BaseModel] | None = None
    created: bool = False
    streams: bool = False


OPERATIONS = [
    Op("get", "/health", "Liveness and database reachability (no token needed)", "none"),
    Op("get", "/openapi.json", "This document", "any"),
    Op("post", "/products", "Create a product with its serial scheme", "admin, erp", schemas.ProductIn, True),
    Op("get", "/products", "List products (page, per_page)", "any"),
    Op("get", "/products/{gtin}", "Read a product", "any"),
    Op(
        "patch",
        "/products/{gtin}",
        "Change a product (audited, with reason)",
        "admin, erp",
        schemas.ProductPatch,
    ),
    Op(
        "post",
        "/locations",
        "Create a location (GLN, optional SGLN extension)",
        "admin, erp",
        schemas.LocationIn,
        True,
    ),
    Op("get", "/locations", "List locations (page, per_page, gln)", "any"),
    Op("get", "/locations/{location_id}", "Read a location", "any"),
    Op("patch", "/locations/{location_id}", "Change a location", "admin, erp", schemas.LocationPatch),
    Op("post", "/partners", "Create a trading partner", "admin, erp", schemas.PartnerIn, True),
    Op("get", "/partners", "List trading partners", "any"),
    Op("get", "/partners/{partner_id}", "Read a trading partner", "any"),
    Op("patch", "/partners/{partner_id}", "Change a trading partner", "admin, erp", schemas.PartnerPatch),
    Op("post", "/batches", "Create a micro-batch", "admin, erp, line", schemas.BatchIn, True),
    Op("get", "/batches", "List batches (page, per_page, gtin, status)", "any"),
    Op("get", "/batches/{batch_id}", "Read a batch", "any"),
    Op(
        "post",
        "/batches/{batch_id}/status",
        "Change a batch's status (checked transitions)",
        "admin, erp, line, qa",
        schemas.BatchTransitionIn,
    ),
    Op(
        "post",
        "/batches/{batch_id}/serials",
        "Allocate serials; Idempotency-Key honoured; Accept: application/x-ndjson streams one object a line",
        "admin, erp, line",
        schemas.SerialRequest,
        True,
        True,
    ),
    Op(
        "post",
        "/batches/{batch_id}/serials/return",
        "Void unused serials (never reissued)",
        "admin, erp, line",
        schemas.SerialList,
    ),
    Op(
        "post",
        "/batches/{batch_id}/serials/import",
        "Import externally supplied serials",
        "admin, erp",
        schemas.SerialList,
        True,
    ),
    Op("get", "/batches/{batch_id}/allocations", "List a batch's serial allocations", "any"),
    Op("get", "/batches/{batch_id}/allocations/{allocation_id}", "Read one allocation", "any"),
    Op(
        "get",
        "/batches/{batch_id}/print-data",
        "Print data for every serial issued to the batch (format=csv|ndjson)",
        "admin, erp, line",
    ),
    Op("get", "/serials/{gtin}/{serial}", "Was this serial issued, to which batch, in what status?", "any"),
    Op(
        "post",
        "/sscc",
        "Allocate SSCCs (sequential serial reference per company prefix)",
        "admin, erp, line, logistics",
        schemas.SsccRequest,
        True,
    ),
    Op(
        "get",
        "/trace",
        "Trace a code (?code= scan with ]d2, element string, Digital Link, EPC URN, bare SSCC): state, "
        "containers, contents and events",
        "any",
    ),
    Op(
        "get",
        "/batches/{batch_id}/reconciliation",
        "Issued vs commissioned, decommissioned by reason, packed, shipped, unused, discrepancies",
        "any",
    ),
    Op(
        "get",
        "/batches/{batch_id}/recall",
        "Recall view: packs per status and per holder (partner or location), one page of packs with state and "
        "holder (limit 1-1000, keyset after=<last EPC>); the CSV of every pack is the web UI's /recall/{id}.csv",
        "admin, qa, regulator",
    ),
    Op(
        "post",
        "/lines/{gln}/events",
        "Line operations (commission, decommission, pack, unpack) captured as EPCIS events",
        "admin, line, erp",
        schemas.LineEvents,
        True,
    ),
    Op(
        "get",
        "/codes/{gtin}/{name}",
        "Render an issued code: <serial>.png|.svg (symbol=datamatrix|qr|label), <serial>.pdf (symbol=label); "
        "module_px, module_mm, dpi, quiet_zone, shape, backend, ec (QR error correction L|M|Q|H)",
        "admin, erp, line, qa",
    ),
    Op(
        "get",
        "/sscc/{sscc}/{name}",
        "SSCC logistic label: label.pdf (size=a6|4x6), label.zpl, label.png (count for homogeneous cases)",
        "admin, erp, line, logistics",
    ),
    Op("get", "/partners/{partner_id}/channels", "A partner's message channels (credentials never shown)", "any"),
    Op(
        "put",
        "/partners/{partner_id}/channels/{channel}",
        "Set a partner channel (epcis2: EPCIS 2.0 capture URL)",
        "admin, erp",
        schemas.ChannelIn,
    ),
    Op("get", "/outbox", "Outgoing messages, newest first (status, channel, after, limit)", "admin, logistics, qa"),
    Op("get", "/outbox/{message_id}", "One outgoing message with every delivery attempt", "admin, logistics, qa"),
    Op(
        "post",
        "/outbox/{message_id}/resend",
        "Deliver again under the same message id (audited, with reason)",
        "admin, logistics, qa",
        schemas.OutboxAction,
    ),
    Op(
        "post",
        "/outbox/{message_id}/cancel",
        "Stop delivering an undelivered message (audited, with reason)",
        "admin, logistics, qa",
        schemas.OutboxAction,
    ),
    Op(
        "get",
        "/exports",
        "Regulator export of a batch (batch_id), a business transaction (biz_transaction) or a window (from, to) "
        "as format=xml|jsonld|xml-1.2, schema-validated before it is served",
        "admin, regulator, qa",
    ),
    Op(
        "post",
        "/verify",
        "Print verification: an image (PNG/JPEG) of a printed code, decoded, checked as GS1 and matched",
        "admin, line, qa",
    ),
]

PROBLEM = {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _parameters(path: str) -> list[dict[str, Any]]:
    out = []
    for part in path.split("/"):
        if part.startswith("{"):
            name = part[1:-1]
            kind = "integer" if name.endswith("_id") else "string"
            out.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
    return out


def _operation(op: Op, components: dict[str, Any]) -> dict[str, Any]:
    ok = "201" if op.created else "200"
    success: dict[str, Any] = {"description": "Success", "content": {"application/json": {"schema": {}}}}
    if op.streams:
        success["content"]["application/x-ndjson"] = {"schema": {"type": "string"}}
    body: dict[str, Any] = {
        "summary": op.summary,
        "description": f"Roles: {op.roles}.",
        "parameters": _parameters(op.path),
        "responses": {ok: success, "default": {"description": "Problem (RFC 9457)", **PROBLEM}},
    }
    if op.path != "/health":
        body["security"] = [{"bearer": []}]
        body["responses"]["401"] = {"description": "Missing or unknown token", **PROBLEM}
    if op.roles != "none":  # "any" role excludes hub tokens
        body["responses"]["403"] = {"description": "Role not allowed", **PROBLEM}
    if op.request is not None:
        schema = op.request.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            components[name] = definition
        components[op.request.__name__] = schema
        body["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{op.request.__name__}"}}},
        }
        body["responses"]["422"] = {"description": "Invalid input, naming the field", **PROBLEM}
    return body


def all_operations() -> list[Op]:
    """The operations above plus those area modules declare beside their routes."""
    from app.api import dscsa, fmd

    return [*OPERATIONS, *fmd.OPERATIONS, *dscsa.OPERATIONS]


@cache
def document() -> dict[str, Any]:
    components: dict[str, Any] = {
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "field": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
                    },
                },
            },
        }
    }
    paths: dict[str, Any] = {}
    for op in all_operations():
        paths.setdefault(op.path, {})[op.method] = _operation(op, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Custody API",
            "version": "1.0.0",
            "description": "Serial numbers, SSCCs and master data for packaging lines and ERP.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
