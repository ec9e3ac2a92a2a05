"""The service's one error tree. Services raise these; `http_errors` maps them to responses once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One offending input field: a dotted path (`serial_scheme.length`, `serials[3]`) and why."""

    field: str
    detail: str


class AppError(Exception):
    """Base of every expected failure; `status`, `slug` and `title` drive the problem document."""

    status = 500
    slug = "internal-error"
    title = "Internal error"

    def __init__(self, detail: str, *, field: str | None = None, errors: list[FieldError] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors or [])
        if field is not None and not any(e.field == field for e in self.errors):
            self.errors.insert(0, FieldError(field, detail))

    @property
    def field(self) -> str | None:
        return self.errors[0].field if self.errors else None


class BadRequest(AppError):
    status = 400
    slug = "bad-request"
    title = "Bad request"


class ValidationFailed(AppError):
    status = 422
    slug = "validation-error"
    title = "Invalid input"


class Unauthenticated(AppError):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class Forbidden(AppError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(AppError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(AppError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class InvalidTransition(Conflict):
    slug = "invalid-transition"
    title = "Status change not allowed"


class CapacityExceeded(Conflict):
    slug = "capacity-exceeded"
    title = "Capacity exceeded"


class IdempotencyConflict(Conflict):
    slug = "idempotency-key-reused"
    title = "Idempotency key reused with another request"


class UnsupportedMediaType(AppError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class NotAcceptable(AppError):
    status = 406
    slug = "not-acceptable"
    title = "Not acceptable"


class QueryParameterError(BadRequest):
    slug = "query-parameter"
    title = "Invalid query parameter"


class SubscriptionControlsError(ValidationFailed):
    slug = "subscription-controls"
    title = "Invalid subscription controls"


class QueryTooLarge(AppError):
    status = 413
    slug = "query-too-large"
    title = "Query result too large"


class CaptureLimitExceeded(AppError):
    status = 413
    slug = "capture-limit-exceeded"
    title = "Capture limit exceeded"


# The EPCIS 2.0 REST binding names its problem types `epcisException:<Name>`.
EPCIS_TYPES: dict[type[AppError], str] = {
    SubscriptionControlsError: "SubscriptionControlsException",
    QueryParameterError: "QueryParameterException",
    QueryTooLarge: "QueryTooLargeException",
    CaptureLimitExceeded: "CaptureLimitExceededException",
    ValidationFailed: "ValidationException",
    BadRequest: "ValidationException",
    Unauthenticated: "SecurityException",
    Forbidden: "SecurityException",
    NotFound: "NoSuchResourceException",
    Conflict: "ResourceAlreadyExistsException",
    UnsupportedMediaType: "UnsupportedMediaTypeException",
    NotAcceptable: "NotAcceptableException",
}


def epcis_type(exc: AppError) -> str:
    """The `epcisException:` problem type of an error (its nearest mapped class)."""
    for cls in type(exc).__mro__:
        if cls in EPCIS_TYPES:
            return "epcisException:" + EPCIS_TYPES[cls]
    return "epcisException:ImplementationException"
