"""VRS responder (GS1 Lightweight Messaging Standard for Verification of Product Identifiers, DSCSA
saleable returns): does this GTIN + serial + lot + expiry match a pack we issued? Every request is logged."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from app.errors import NotFound, ValidationFailed
from app.extensions import Database
from app.models import BatchStatus, VerificationRequest
from app.services.identifiers import check_x20, parse_gln, parse_gtin
from app.services.security import Principal
from app.services.serials import lookup

DECOMMISSIONED = "decommissioned"


@dataclass(frozen=True)
class Request:
    gtin: str
    serial: str
    lot: str
    expiry: str | None
    requester_gln: str
    corr_uuid: str
    context: str | None


def parse_request(gtin: str, lot: str, serial: str, args: dict[str, str]) -> Request:
    """Check the request's parts; a malformed one is a 400 naming the part."""
    corr = args.get("corrUUID")
    try:
        corr_uuid = str(uuid.UUID(corr or ""))
    except ValueError:
        raise ValidationFailed("corrUUID must be a UUID", field="corrUUID") from None
    if not args.get("reqGLN"):
        raise ValidationFailed("reqGLN (the requester's GLN) is required", field="reqGLN")
    expiry = args.get("exp")
    if expiry is not None and (len(expiry) != 6 or not expiry.isdigit()):
        raise ValidationFailed("exp must be YYMMDD", field="exp")
    return Request(
        gtin=parse_gtin(gtin),
        serial=check_x20("21", serial, field="serial"),
        lot=check_x20("10", lot, field="lot"),
        expiry=expiry,
        requester_gln=parse_gln(args["reqGLN"], field="reqGLN"),
        corr_uuid=corr_uuid,
        context=args.get("context"),
    )


def verify(database: Database, actor: Principal, request: Request, responder_gln: str | None) -> dict[str, Any]:
    """The LMS response body; a GTIN this service does not hold answers 404 (not in the directory)."""
    try:
        answer = lookup(database, request.gtin, request.serial)
    except NotFound:
        _log(database, actor, request, False, "GTIN_not_found", None)
        raise NotFound(f"GTIN {request.gtin} is not served by this responder", field="gtin") from None
    verified, reason, info = True, None, None
    if not answer["issued"]:
        verified, reason = False, "No_match_GTIN_Serial"
    else:
        wrong = [
            name
            for name, ok in (
                ("Lot", answer["lot"] == request.lot),
                ("Expiry", request.expiry is None or answer["expiry"] == request.expiry),
            )
            if not ok
        ]
        if wrong:
            verified, reason = False, "No_match_GTIN_Serial_" + "_".join(wrong)
        elif answer["status"] in ("voided", DECOMMISSIONED):
            verified, reason, info = False, "No_reason_provided", answer["status"]
        elif answer.get("batch_status") == BatchStatus.RECALLED.value:
            info = "recalled"
        elif _expired(answer["expiry"]):
            info = "expired"
    _log(database, actor, request, verified, reason, info)
    data: dict[str, Any] = {"verified": verified}
    if reason:
        data["verificationFailureReason"] = reason
    if info:
        data["additionalInfo"] = info
    body: dict[str, Any] = {
        "verificationTimestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "corrUUID": request.corr_uuid,
        "data": data,
    }
    if responder_gln:
        body["responderGLN"] = responder_gln
    return body


def _expired(expiry: str) -> bool:
    from epcis.gs1 import parse_yymmdd

    return parse_yymmdd(expiry, allow_day_zero=True).date < date.today()


def _log(
    database: Database, actor: Principal, request: Request, verified: bool, reason: str | None, info: str | None
) -> None:
    with database.write() as session:
        session.add(
            VerificationRequest(
                corr_uuid=request.corr_uuid,
                requester_gln=request.requester_gln,
                principal=actor.name,
                context=request.context,
                gtin=request.gtin,
                serial=request.serial,
                lot=request.lot,
                expiry=request.expiry,
                verified=verified,
                failure_reason=reason,
                additional_info=info,
            )
        )
