"""Routes for batches, serial allocation, lookup, return and import, and SSCCs."""

from __future__ import annotations

from datetime import datetime

from flask import Response, jsonify, request, stream_with_context
from flask.typing import ResponseReturnValue

from app.api import api_v1
from app.api.support import body, database, listing, page, principal, requires, settings
from app.errors import NotAcceptable, ValidationFailed
from app.models import Role
from app.schemas import BatchIn, BatchTransitionIn, LineEvents, SerialList, SerialRequest, SsccRequest, whole_number
from app.services import batches, exports, lineops, printdata, recall, reconciliation, serials, trace

NDJSON = "application/x-ndjson"


@api_v1.post("/batches")
@requires(Role.ERP, Role.LINE)
def create_batch() -> ResponseReturnValue:
    view = batches.create_batch(database(), principal(), body(BatchIn))
    return jsonify(view), 201, {"Location": f"/api/v1/batches/{view['id']}"}


@api_v1.get("/batches")
@requires()
def list_batches() -> ResponseReturnValue:
    pg = page()
    items, total = batches.list_batches(
        database(), pg, gtin=request.args.get("gtin"), status=request.args.get("status"), actor=principal()
    )
    return jsonify(listing(items, total, pg))


@api_v1.get("/batches/<int:batch_id>")
@requires()
def get_batch(batch_id: int) -> ResponseReturnValue:
    batches.check_visible(database(), principal(), batch_id)
    return jsonify(batches.get_batch(database(), batch_id))


@api_v1.post("/batches/<int:batch_id>/status")
@requires(Role.ERP, Role.LINE, Role.QA)
def change_batch_status(batch_id: int) -> ResponseReturnValue:
    return jsonify(batches.change_status(database(), principal(), batch_id, body(BatchTransitionIn)))


def _answer_format() -> str:
    best = request.accept_mimetypes.best_match(["application/json", NDJSON], default="application/json")
    if best is None:
        raise NotAcceptable(f"answers come as application/json or {NDJSON}", field="Accept")
    return "ndjson" if best == NDJSON else "json"


@api_v1.post("/batches/<int:batch_id>/serials")
@requires(Role.ERP, Role.LINE)
def allocate_serials(batch_id: int) -> ResponseReturnValue:
    fmt = _answer_format()
    req = body(SerialRequest)
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 255:
        raise ValidationFailed("Idempotency-Key must be 1-255 characters", field="Idempotency-Key")
    cfg = settings()
    limits = serials.Limits(cfg.max_serials_per_request, cfg.serial_overage_percent, cfg.digital_link_domain)
    allocation = serials.allocate(database(), principal(), batch_id, req.count, limits, key)
    headers = {
        "Location": f"/api/v1/batches/{batch_id}/allocations/{allocation.id}",
        "X-Allocation-Id": str(allocation.id),
        "X-Serial-Count": str(allocation.count),
    }
    if allocation.replayed:
        headers["Idempotent-Replayed"] = "true"
    mimetype = NDJSON if fmt == "ndjson" else "application/json"
    stream = stream_with_context(serials.render(allocation, "ndjson" if fmt == "ndjson" else "json"))
    return Response(stream, status=201, mimetype=mimetype, headers=headers)


@api_v1.post("/batches/<int:batch_id>/serials/return")
@requires(Role.ERP, Role.LINE)
def return_serials(batch_id: int) -> ResponseReturnValue:
    req = body(SerialList)
    return jsonify(serials.return_serials(database(), principal(), batch_id, req.serials, req.reason))


@api_v1.post("/batches/<int:batch_id>/serials/import")
@requires(Role.ERP)
def import_serials(batch_id: int) -> ResponseReturnValue:
    req = body(SerialList)
    return jsonify(serials.import_serials(database(), principal(), batch_id, req.serials)), 201


@api_v1.get("/serials/<gtin>/<path:serial>")
@requires()
def lookup_serial(gtin: str, serial: str) -> ResponseReturnValue:
    answer = serials.lookup(database(), gtin, serial)
    if answer.get("batch_id") is not None:
        batches.check_visible(database(), principal(), answer["batch_id"])
    return jsonify(answer)


@api_v1.post("/sscc")
@requires(Role.ERP, Role.LINE, Role.LOGISTICS)
def allocate_sscc() -> ResponseReturnValue:
    req = body(SsccRequest)
    answer = serials.allocate_sscc(
        database(),
        principal(),
        req.company_prefix,
        req.extension_digit,
        req.count,
        settings().max_sscc_per_request,
        req.batch_id,
    )
    return jsonify(answer), 201


@api_v1.get("/batches/<int:batch_id>/allocations")
@requires()
def list_allocations(batch_id: int) -> ResponseReturnValue:
    batches.check_visible(database(), principal(), batch_id)
    return jsonify({"items": serials.list_allocations(database(), batch_id)})


@api_v1.get("/batches/<int:batch_id>/allocations/<int:allocation_id>")
@requires()
def get_allocation(batch_id: int, allocation_id: int) -> ResponseReturnValue:
    batches.check_visible(database(), principal(), batch_id)
    return jsonify(serials.get_allocation(database(), batch_id, allocation_id))


@api_v1.get("/batches/<int:batch_id>/print-data")
@requires(Role.ERP, Role.LINE)
def print_data(batch_id: int) -> ResponseReturnValue:
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "ndjson"):
        raise ValidationFailed(f"format must be csv or ndjson, got '{fmt}'", field="format")
    job = printdata.print_job(database(), principal(), batch_id, settings().digital_link_domain)
    mimetype = "text/csv" if fmt == "csv" else NDJSON
    headers = {
        "X-Serial-Count": str(job.count),
        "Content-Disposition": f'attachment; filename="batch-{batch_id}-print-data.{fmt}"',
    }
    return Response(stream_with_context(job.stream(fmt)), mimetype=mimetype, headers=headers)  # type: ignore[arg-type]


@api_v1.get("/trace")
@requires()
def trace_code() -> ResponseReturnValue:
    code = request.args.get("code")
    if not code:
        raise ValidationFailed("give the scanned or typed code as ?code=", field="code")
    return jsonify(trace.trace(database(), code))


@api_v1.get("/batches/<int:batch_id>/reconciliation")
@requires()
def batch_reconciliation(batch_id: int) -> ResponseReturnValue:
    batches.check_visible(database(), principal(), batch_id)
    return jsonify(reconciliation.reconcile(database(), batch_id))


@api_v1.get("/batches/<int:batch_id>/recall")
@requires(Role.QA, Role.REGULATOR)
def batch_recall(batch_id: int) -> ResponseReturnValue:
    """The recall view of a batch: packs per status and holder, and one page of packs (keyset `after`)."""
    try:
        limit = int(request.args.get("limit", "50"))
    except ValueError:
        raise ValidationFailed("limit must be a whole number from 1 to 1000", field="limit") from None
    if not 1 <= limit <= 1000:
        raise ValidationFailed("limit must be a whole number from 1 to 1000", field="limit")
    return jsonify(recall.page(database(), batch_id, limit=limit, after=request.args.get("after") or None))


@api_v1.post("/lines/<gln>/events")
@requires(Role.LINE, Role.ERP)
def line_events(gln: str) -> ResponseReturnValue:
    return jsonify(lineops.run(database(), principal(), gln, body(LineEvents))), 201


def _time_arg(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(f"{name} must be an ISO 8601 date-time with an offset", field=name) from None
    if value.tzinfo is None:
        raise ValidationFailed(f"{name} needs a time-zone offset", field=name)
    return value


@api_v1.get("/exports")
@requires(Role.REGULATOR, Role.QA)
def export_events() -> ResponseReturnValue:
    fmt = request.args.get("format", "xml")
    if fmt not in exports.FORMATS:
        raise ValidationFailed(f"format must be one of {', '.join(exports.FORMATS)}", field="format")
    raw_batch = request.args.get("batch_id")
    if raw_batch is not None and whole_number(raw_batch) is None:
        raise ValidationFailed("batch_id must be an integer", field="batch_id")
    data, media = exports.export(
        database(),
        fmt,  # type: ignore[arg-type]
        batch_id=int(raw_batch) if raw_batch is not None else None,
        biz_transaction=request.args.get("biz_transaction"),
        since=_time_arg("from"),
        until=_time_arg("to"),
    )
    suffix = "json" if fmt == "jsonld" else "xml"
    return Response(
        data, mimetype=media, headers={"Content-Disposition": f'attachment; filename="epcis-export-{fmt}.{suffix}"'}
    )
