"""The standard EPCIS 2.0 REST binding under /epcis: discovery, capture, events and capture jobs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from app.api.support import database, principal, requires
from app.errors import NotAcceptable, UnsupportedMediaType, ValidationFailed
from app.models import Role
from app.services import capture

epcis_api = Blueprint("epcis_api", __name__, url_prefix="/epcis")

CAPTURE_TYPES = {"application/json", "application/ld+json", "application/xml", "text/xml"}
LIMITS = capture.CaptureLimits()
WRITERS = (Role.ERP, Role.LINE, Role.LOGISTICS)
RESOURCES = [
    "events",
    "eventTypes",
    "epcs",
    "bizSteps",
    "bizLocations",
    "readPoints",
    "dispositions",
    "capture",
    "queries",
]
VERSION_HEADERS = {
    "GS1-EPCIS-Version": "2.0.0",
    "GS1-EPCIS-Min": "2.0.0",
    "GS1-EPCIS-Max": "2.0.0",
    "GS1-CBV-Version": "2.0.0",
    "GS1-CBV-Min": "2.0.0",
    "GS1-CBV-Max": "2.0.0",
    "GS1-Vendor-Version": "custody-0.1",
    "GS1-EPC-Format": "Always_GS1_Digital_Link",
}


@epcis_api.after_request
def _gs1_headers(response: Response) -> Response:
    for name, value in VERSION_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.rstrip("/").endswith("/capture") and request.method == "OPTIONS":
        response.headers["GS1-EPCIS-Capture-Limit"] = str(LIMITS.max_events)
        response.headers["GS1-EPCIS-Capture-File-Size-Limit"] = str(LIMITS.max_bytes)
        response.headers["GS1-Capture-Error-Behaviour"] = "rollback, proceed"
    return response


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def _body() -> bytes:
    if request.mimetype not in CAPTURE_TYPES:
        raise UnsupportedMediaType(
            f"send EPCIS as application/json, application/ld+json or application/xml (got "
            f"'{request.mimetype or 'nothing'}')",
            field="Content-Type",
        )
    return request.get_data()


@epcis_api.get("/")
@requires()
def discovery() -> ResponseReturnValue:
    return _json(
        {
            "@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            "type": "Collection",
            "member": RESOURCES,
        }
    )


@epcis_api.post("/capture")
@requires(*WRITERS)
def capture_document() -> ResponseReturnValue:
    behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").lower()
    if behaviour not in ("rollback", "proceed"):
        raise ValidationFailed(
            "GS1-Capture-Error-Behaviour must be rollback or proceed", field="GS1-Capture-Error-Behaviour"
        )
    doc = capture.parse_document(_body(), LIMITS)
    job = capture.capture(database(), principal(), doc, behaviour)  # type: ignore[arg-type]
    return Response(status=202, headers={"Location": f"/epcis/capture/{job['captureID']}"})


@epcis_api.get("/capture")
@requires()
def list_capture_jobs() -> ResponseReturnValue:
    return _json(capture.list_jobs(database(), request.args.get("nextPageToken"), 100))


@epcis_api.get("/capture/<capture_id>")
@requires()
def capture_job(capture_id: str) -> ResponseReturnValue:
    return _json(capture.get_job(database(), capture_id))


@epcis_api.post("/events")
@requires(*WRITERS)
def capture_single_event() -> ResponseReturnValue:
    data = _body()
    if request.mimetype in ("application/json", "application/ld+json"):
        try:
            event = json.loads(data)
        except ValueError:
            raise ValidationFailed("the body is not valid JSON", field="body") from None
        if not isinstance(event, dict):
            raise ValidationFailed("the body must be one EPCIS event object", field="body")
        context = event.pop("@context", None)
        wrapper = {
            "@context": [
                "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                *(
                    [c for c in context if isinstance(c, dict)]
                    if isinstance(context, list)
                    else [context]
                    if isinstance(context, dict)
                    else []
                ),
            ],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "epcisBody": {"eventList": [event]},
        }
        data = json.dumps(wrapper).encode()
    doc = capture.parse_document(data, LIMITS)
    event_id = capture.capture_event(database(), principal(), doc)
    return Response(status=201, headers={"Location": f"/epcis/events/{quote(event_id, safe='')}"})


def wants_xml() -> bool:
    best = request.accept_mimetypes.best_match(
        ["application/json", "application/ld+json", "application/xml", "text/xml"], default="application/json"
    )
    if best is None:
        raise NotAcceptable("answers come as application/json, application/ld+json or application/xml", field="Accept")
    return best in ("application/xml", "text/xml")
