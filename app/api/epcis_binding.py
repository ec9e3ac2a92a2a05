"""The standard EPCIS 2.0 REST binding under /epcis: discovery, capture, events and capture jobs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from app.api.support import database, principal, requires, settings
from app.errors import (
    CaptureLimitExceeded,
    NotAcceptable,
    NotFound,
    QueryParameterError,
    UnsupportedMediaType,
    ValidationFailed,
)
from app.models import Role
from app.schemas import whole_number
from app.services import capture, epcformat, eventstore

epcis_api = Blueprint("epcis_api", __name__, url_prefix="/epcis")

CAPTURE_TYPES = {"application/json", "application/ld+json", "application/xml", "text/xml"}
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
    "GS1-CBV-XML-Format": "No_Preference",
}


@epcis_api.after_request
def _gs1_headers(response: Response) -> Response:
    for name, value in VERSION_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.rstrip("/").endswith(("/capture", "/events")) and request.method in ("OPTIONS", "POST"):
        limits = _limits()
        response.headers["GS1-EPCIS-Capture-Limit"] = str(limits.max_events)
        response.headers["GS1-EPCIS-Capture-File-Size-Limit"] = str(limits.max_bytes)
        response.headers["GS1-Capture-Error-Behaviour"] = "all"  # the binding's word for "rollback and proceed"
    if request.method == "OPTIONS" and response.status_code == 200:
        response.status_code = 204  # discovery: headers only
        response.set_data(b"")
    if response.status_code in (201, 202, 204) and not response.content_length:
        response.headers.pop("Content-Type", None)  # an empty answer has no media type
    return response


def _limits() -> capture.CaptureLimits:
    cfg = settings()
    return capture.CaptureLimits(max_events=cfg.capture_max_events, max_bytes=cfg.capture_max_bytes)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON-only resource's answer; 406 when `Accept` excludes JSON."""
    if request.headers.get("Accept", "").strip() and request.accept_mimetypes.best_match(["application/json"]) is None:
        raise NotAcceptable("this resource is answered as application/json only", field="Accept")
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def _body() -> bytes:
    limit = _limits().max_bytes
    if request.content_length is not None and request.content_length > limit:
        raise CaptureLimitExceeded(f"document of {request.content_length:,} bytes exceeds the limit of {limit:,}")
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
    doc = capture.parse_document(_body(), _limits())
    job = capture.capture(database(), principal(), doc, behaviour)  # type: ignore[arg-type]
    return Response(status=202, headers={"Location": f"/epcis/capture/{job['captureID']}"})


@epcis_api.get("/capture")
@requires()
def list_capture_jobs() -> ResponseReturnValue:
    per_page = _per_page()
    jobs = capture.list_jobs(database(), request.args.get("nextPageToken"), per_page + 1)
    headers = {}
    if len(jobs) > per_page:  # one more than a page: there is a next page
        jobs = jobs[:per_page]
        token = quote(jobs[-1]["captureID"], safe="")
        headers["Link"] = f'<{request.path}?perPage={per_page}&nextPageToken={token}>; rel="next"'
    return _json(jobs, headers=headers)


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
    doc = capture.parse_document(data, _limits())
    event_id = capture.capture_event(database(), principal(), doc)
    return Response(status=201, headers={"Location": f"/epcis/events/{quote(event_id, safe='')}"})


def answer_type() -> str:
    """The media type of an events answer: JSON-LD unless `Accept` asks for JSON or XML; 406 when it
    accepts none of them."""
    if not request.headers.get("Accept", "").strip():
        return "application/ld+json"
    best = request.accept_mimetypes.best_match(
        ["application/ld+json", "application/json", "application/xml", "text/xml"]
    )
    if best is None:
        raise NotAcceptable("answers come as application/json, application/ld+json or application/xml", field="Accept")
    return best


def wants_xml() -> bool:
    return answer_type() in ("application/xml", "text/xml")


# -- queries ---------------------------------------------------------------------------------------------

IMPLICIT = {
    "eventTypes": "eventType",
    "epcs": "MATCH_anyEPC",
    "bizSteps": "EQ_bizStep",
    "bizLocations": "EQ_bizLocation",
    "readPoints": "EQ_readPoint",
    "dispositions": "EQ_disposition",
}
EVENT_TYPES = ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"]


def _extensions_header() -> dict[str, str]:
    raw = request.headers.get("GS1-Extensions", "")
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        prefix, sep, uri = part.partition("=")
        if not sep or not prefix or not uri:
            raise ValidationFailed(f"GS1-Extensions entry '{part}' is not prefix=namespaceURI", field="GS1-Extensions")
        out[prefix.strip()] = uri.strip()
    return out


def _query_document(events: list[dict[str, Any]]) -> dict[str, Any]:
    context, bodies = eventstore.with_shared_context(events)
    return {
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": bodies}}},
    }


def _epc_format() -> str:
    fmt = request.headers.get("GS1-EPC-Format", "Always_GS1_Digital_Link")  # the binding's default
    if fmt not in epcformat.FORMATS:
        raise ValidationFailed(f"GS1-EPC-Format must be one of {', '.join(epcformat.FORMATS)}", field="GS1-EPC-Format")
    return fmt


def _cbv_xml_format() -> str:
    fmt = request.headers.get("GS1-CBV-XML-Format", "No_Preference")
    if fmt not in epcformat.CBV_FORMATS:
        raise ValidationFailed(
            f"GS1-CBV-XML-Format must be one of {', '.join(epcformat.CBV_FORMATS)}", field="GS1-CBV-XML-Format"
        )
    return fmt


def _answer_events(events: list[dict[str, Any]], headers: dict[str, str] | None = None) -> Response:
    fmt = _epc_format()
    cbv_format = _cbv_xml_format()
    prefixes: list[str] = []
    if fmt == "Always_EPC_URN":
        with database().read() as session:
            prefixes = epcformat.known_prefixes(session)
    convert = epcformat.translator(fmt, prefixes)
    if convert is not None:
        events = [epcformat.translate(e, convert) for e in events]
    headers = {**(headers or {}), "GS1-EPC-Format": fmt}
    document = _query_document(events)
    if wants_xml():
        from epcis import parse, to_xml

        xml = epcformat.cbv_xml(to_xml(parse(json.dumps(document))), cbv_format)
        headers["GS1-CBV-XML-Format"] = cbv_format
        return Response(xml, mimetype="application/xml", headers=headers)
    return Response(json.dumps(document), mimetype=answer_type(), headers=headers)


def _run(implicit: dict[str, list[str]] | None = None) -> Response:
    from app.services.query import parse_query, run_query

    key = settings().secret_key.encode()
    wants_xml()  # 406 before any work
    query = parse_query(request.args, implicit=implicit, extensions=_extensions_header(), token_key=key)
    with database().lookup() as session:
        page = run_query(session, query, token_key=key)
    headers = {}
    if page.next_page_token:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "nextPageToken"]
        args.append(("nextPageToken", page.next_page_token))
        query_string = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in args)
        headers["Link"] = f'<{_raw_path()}?{query_string}>; rel="next"'
    return _answer_events(page.events, headers)


def _raw_path() -> str:
    """The request's path as sent, %-escapes kept (`request.path` is decoded: an EPC with %2F in it would
    come back as another path)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return str(raw).partition("?")[0]
    return request.script_root + quote(request.environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=")


@epcis_api.get("/events")
@requires()
def query_events() -> ResponseReturnValue:
    return _run()


@epcis_api.get("/events/<path:event_id>")
@requires()
def get_event(event_id: str) -> ResponseReturnValue:
    from app.services.query import event_with_error_declarations

    events = None
    if eventstore.DECLARATION not in event_id:  # a declaration's storage key is not an eventID
        with database().read() as session:
            events = event_with_error_declarations(session, event_id)
    if not events:
        raise NotFound(f"no event with eventID {event_id}", field="eventID")
    return _answer_events(events)


@epcis_api.get("/<any(eventTypes, epcs, bizSteps, bizLocations, readPoints, dispositions):kind>")
@requires()
def list_values(kind: str) -> ResponseReturnValue:
    from app.services.query import distinct_values

    per_page = _per_page()
    after = request.args.get("nextPageToken")
    with database().read() as session:
        values = distinct_values(session, kind, after, per_page + 1)
    if kind == "eventTypes":  # the standard types are always there, stored or not, on whichever page they fall
        values = sorted(set(values) | {t for t in EVENT_TYPES if after is None or t > after})[: per_page + 1]
    headers = {}
    if len(values) > per_page:
        values = values[:per_page]
        headers["Link"] = f'<{request.path}?perPage={per_page}&nextPageToken={quote(values[-1], safe="")}>; rel="next"'
    members = values
    if kind in ("epcs", "bizLocations", "readPoints"):  # identifiers in the GS1-EPC-Format asked for
        fmt = _epc_format()
        with database().read() as session:
            convert = epcformat.translator(fmt, epcformat.known_prefixes(session) if fmt == "Always_EPC_URN" else [])
        members = [convert(v) for v in values] if convert is not None else values
        headers["GS1-EPC-Format"] = fmt
    return _json(
        {
            "@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            "type": "Collection",
            "member": members,
        },
        headers=headers,
    )


def _per_page() -> int:
    raw = request.args.get("perPage", "30")
    number = whole_number(raw)
    if number is None or number < 1:
        raise QueryParameterError("perPage must be a positive integer", field="perPage")
    return min(number, 1000)


@epcis_api.get("/<any(eventTypes, epcs, bizSteps, bizLocations, readPoints, dispositions):kind>/<path:value>")
@requires()
def resource(kind: str, value: str) -> ResponseReturnValue:
    from app.services.query import has_value

    if value.endswith("/events"):
        return _run({IMPLICIT[kind]: [value[: -len("/events")]]})
    with database().read() as session:
        known = (kind == "eventTypes" and value in EVENT_TYPES) or has_value(session, kind, value)
    if not known:
        raise NotFound(f"no {kind[:-1]} {value!r} is stored here", field=kind)
    return _json({"type": "Collection", "member": ["events"]})


from app.api import epcis_queries  # noqa: E402,F401  (registers /epcis/queries routes)
