"""Routes for rendered codes, SSCC labels and print verification."""

from __future__ import annotations

from typing import Any, Literal, cast

from flask import Response, jsonify, request
from flask.typing import ResponseReturnValue

from app import labels
from app.api import api_v1
from app.api.support import database, principal, requires, settings
from app.errors import BadRequest, NotFound, UnsupportedMediaType, ValidationFailed
from app.models import Role
from app.services import labelling

MIMETYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "zpl": "text/plain"}
IMAGE_TYPES = {"image/png", "image/jpeg"}


def _int_arg(name: str, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be an integer", field=name) from None
    if not low <= value <= high:
        raise ValidationFailed(f"{name} must be {low}-{high}", field=name)
    return value


def _options(fmt: str) -> labels.RenderOptions:
    kwargs: dict[str, Any] = {"fmt": "svg" if fmt == "svg" else "png"}
    for name, low, high in (("module_px", 1, 100), ("dpi", 72, 2400), ("quiet_zone", 1, 20)):
        value = _int_arg(name, low, high)
        if value is not None:
            kwargs[name] = value
    if "module_mm" in request.args:
        try:
            kwargs["module_mm"] = float(request.args["module_mm"])
        except ValueError:
            raise ValidationFailed("module_mm must be a number", field="module_mm") from None
    shape = request.args.get("shape")
    if shape is not None:
        if shape not in ("square", "rectangular"):
            raise ValidationFailed("shape must be square or rectangular", field="shape")
        kwargs["shape"] = shape
    try:
        return labels.RenderOptions(**kwargs)
    except labels.LabelError as exc:
        raise ValidationFailed(str(exc), field=exc.field or "options") from None


@api_v1.get("/codes/<gtin>/<path:name>")
@requires(Role.ERP, Role.LINE, Role.QA)
def render_code(gtin: str, name: str) -> ResponseReturnValue:
    serial, dot, fmt = name.rpartition(".")
    if not dot or fmt not in ("png", "svg", "pdf"):
        raise NotFound("ask for <serial>.png, <serial>.svg or (symbol=label) <serial>.pdf", field="format")
    symbol = request.args.get("symbol", "datamatrix")
    if symbol not in ("datamatrix", "qr", "label"):
        raise ValidationFailed("symbol must be datamatrix, qr or label", field="symbol")
    backend = request.args.get("backend", "zint")
    available = labels.available_backends()
    if backend not in available:
        raise ValidationFailed(
            f"backend '{backend}' is not available here; available: {', '.join(available)}",
            field="backend",
        )
    ec = request.args.get("ec", "M")
    if ec not in ("L", "M", "Q", "H"):
        raise ValidationFailed("ec (QR error correction) must be L, M, Q or H", field="ec")
    body = labelling.render_code(
        database(),
        gtin,
        serial,
        cast(labelling.CodeFormat, fmt),
        cast(labelling.Symbol, symbol),
        _options(fmt),
        settings().digital_link_domain,
        backend,
        cast(Literal["L", "M", "Q", "H"], ec),
        actor=principal(),
    )
    return Response(body, mimetype=MIMETYPES[fmt], headers={"Cache-Control": "private, max-age=3600"})


@api_v1.get("/sscc/<sscc>/<name>")
@requires(Role.ERP, Role.LINE, Role.LOGISTICS)
def sscc_label(sscc: str, name: str) -> ResponseReturnValue:
    if name not in ("label.pdf", "label.zpl", "label.png"):
        raise NotFound("ask for label.pdf, label.zpl or label.png", field="format")
    size = request.args.get("size", "a6")
    if size not in ("a6", "4x6"):
        raise ValidationFailed("size must be a6 or 4x6", field="size")
    data = labelling.sscc_label_data(database(), sscc, _int_arg("count", 1, 99_999_999))
    fmt = name.rsplit(".", 1)[1]
    if fmt == "pdf":
        return Response(labels.sscc_label_pdf(data, size), mimetype=MIMETYPES["pdf"])  # type: ignore[arg-type]
    if fmt == "png":
        return Response(labels.sscc_label_png(data), mimetype=MIMETYPES["png"])
    return Response(labels.sscc_label_zpl(data), mimetype=MIMETYPES["zpl"])


@api_v1.post("/verify")
@requires(Role.LINE, Role.QA)
def verify() -> ResponseReturnValue:
    if request.mimetype in IMAGE_TYPES:
        image = request.get_data()
    elif request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            raise BadRequest("send the picture in a form field named 'image'", field="image")
        image = upload.read()
    else:
        raise UnsupportedMediaType(
            f"send image/png, image/jpeg or multipart/form-data (got '{request.mimetype or 'nothing'}')",
            field="Content-Type",
        )
    if not image:
        raise BadRequest("the image is empty", field="image")
    return jsonify(labelling.verify_image(database(), image).as_dict())
