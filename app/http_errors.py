"""The one mapping from errors to HTTP answers: RFC 9457 problem+json for the API."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from app.errors import AppError, FieldError, ValidationFailed, epcis_type
from app.labels.errors import LabelError

log = logging.getLogger(__name__)
PROBLEM_BASE = "https://custody.dev/problems/"


def problem(
    status: int, slug: str, title: str, detail: str, errors: list[FieldError] | None = None, **extra: Any
) -> Response:
    body: dict[str, Any] = {
        "type": extra.pop("type", None) or PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["field"] = errors[0].field
        body["errors"] = [{"field": e.field, "detail": e.detail} for e in errors]
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def pydantic_errors(exc: ValidationError, prefix: str = "") -> ValidationFailed:
    """Pydantic's list of errors as one 422 naming each field by a dotted path (`serial_scheme.length`)."""
    errors = []
    for err in exc.errors(include_url=False):
        path = prefix
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        errors.append(FieldError(path or "body", message))
    return ValidationFailed(f"{errors[0].field}: {errors[0].detail}", errors=errors)


def register(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(exc: AppError) -> Response:
        # The EPCIS REST binding names its own problem types (epcisException:...).
        if request.path.startswith("/epcis"):
            status = 400 if exc.status == 422 else exc.status  # the binding answers invalid input with 400
            return problem(status, exc.slug, exc.title, exc.detail, exc.errors, type=epcis_type(exc))
        return problem(exc.status, exc.slug, exc.title, exc.detail, exc.errors)

    @app.errorhandler(LabelError)
    def _label_error(exc: LabelError) -> Response:
        # Data a code or label cannot carry (too long for GS1-128, say): the caller's to correct, never a 500.
        mapped = ValidationFailed(str(exc), field=exc.field or "label")
        return problem(mapped.status, mapped.slug, mapped.title, mapped.detail, mapped.errors)

    @app.errorhandler(ValidationError)
    def _pydantic(exc: ValidationError) -> Response:
        mapped = pydantic_errors(exc)
        return problem(mapped.status, mapped.slug, mapped.title, mapped.detail, mapped.errors)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        slug = (exc.name or "error").lower().replace(" ", "-")
        detail = exc.description or exc.name
        if status == 413:
            detail = f"request body is larger than {request.max_content_length:,} bytes"
        return problem(status, slug, exc.name or "Error", detail, type=_epcis_http_type(status))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(
            500,
            "internal-error",
            "Internal error",
            "the service failed to handle this request; it has been logged",
            type=_epcis_http_type(500),
        )


# Under /epcis, the binding's problem types for the answers the router and the server give on their own.
_EPCIS_HTTP_TYPES = {
    404: "NoSuchResourceException",
    406: "NotAcceptableException",
    413: "CaptureLimitExceededException",
    414: "URITooLongException",
    415: "UnsupportedMediaTypeException",
    500: "ImplementationException",
}


def _epcis_http_type(status: int) -> str | None:
    name = _EPCIS_HTTP_TYPES.get(status)
    if name is None or not request.path.startswith("/epcis"):
        return None
    return "epcisException:" + name
