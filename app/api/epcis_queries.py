"""Named queries and webhook subscriptions of the EPCIS 2.0 REST binding (`/epcis/queries`)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import Response, request
from flask.typing import ResponseReturnValue
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.api.epcis_binding import _answer_events, _per_page, epcis_api, wants_xml
from app.api.support import body, database, principal, requires, settings
from app.errors import AppError
from app.models import Role
from app.services import subscriptions

__all__ = ["epcis_api"]

# Regulators subscribe to what concerns them too; the line only captures.
SUBSCRIBERS = (Role.ADMIN, Role.ERP, Role.LOGISTICS, Role.QA, Role.REGULATOR)


class WebSocketUnsupported(AppError):
    status = 501
    slug = "not-implemented"
    title = "Not implemented"


class NamedQueryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    query: dict[str, Any]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    dest: str = Field(min_length=1, max_length=2048)
    signature_token: str | None = Field(default=None, alias="signatureToken", min_length=1, max_length=255)
    stream: bool | None = None
    schedule: dict[str, str | int] | None = None
    report_if_empty: bool = Field(default=False, alias="reportIfEmpty")
    initial_record_time: AwareDatetime | None = Field(default=None, alias="initialRecordTime")


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json", headers=headers)


def _listing(items: list[dict[str, Any]], per_page: int, key: str) -> Response:
    """A JSON array page; a `Link: rel="next"` header when more may follow (the token is the last key)."""
    headers = {}
    if len(items) > per_page:
        items = items[:per_page]
        token = quote(str(items[-1][key]), safe="")
        headers["Link"] = f'<{request.path}?perPage={per_page}&nextPageToken={token}>; rel="next"'
    return _json(items, headers=headers)


def _query_path(name: str) -> str:
    return f"/epcis/queries/{quote(name, safe='')}"


@epcis_api.post("/queries")
@requires(*SUBSCRIBERS)
def create_named_query() -> ResponseReturnValue:
    data = body(NamedQueryIn)
    created = subscriptions.create_query(database(), principal().name, data.name, data.query)
    return _json(created, 201, {"Location": _query_path(data.name)})


@epcis_api.get("/queries")
@requires()
def list_named_queries() -> ResponseReturnValue:
    per_page = _per_page()
    items = subscriptions.list_queries(database(), request.args.get("nextPageToken"), per_page + 1)
    return _listing(items, per_page, "name")


@epcis_api.get("/queries/<name>")
@requires()
def get_named_query(name: str) -> ResponseReturnValue:
    return _json(subscriptions.get_query(database(), name))


@epcis_api.delete("/queries/<name>")
@requires(*SUBSCRIBERS)
def delete_named_query(name: str) -> ResponseReturnValue:
    subscriptions.delete_query(database(), principal().name, name)
    return Response(status=204)


@epcis_api.get("/queries/<name>/events")
@requires()
def named_query_events(name: str) -> ResponseReturnValue:
    if request.headers.get("Upgrade", "").lower() == "websocket":
        raise WebSocketUnsupported(
            "WebSocket subscriptions are not offered; subscribe with a webhook (POST .../subscriptions)",
            field="Upgrade",
        )
    wants_xml()  # 406 before any work
    key = settings().secret_key.encode()
    paging = {k: request.args.getlist(k) for k in request.args}
    page = subscriptions.run_named(database(), name, paging, token_key=key)
    headers = {}
    if page.next_page_token:
        per_page = f"perPage={quote(request.args['perPage'], safe='')}&" if "perPage" in request.args else ""
        headers["Link"] = f'<{request.path}?{per_page}nextPageToken={quote(page.next_page_token, safe="")}>; rel="next"'
    return _answer_events(page.events, headers)


@epcis_api.post("/queries/<name>/subscriptions")
@requires(*SUBSCRIBERS)
def create_subscription(name: str) -> ResponseReturnValue:
    data = body(SubscriptionIn)
    created = subscriptions.subscribe(
        database(),
        principal().name,
        name,
        dest=data.dest,
        signature_token=data.signature_token,
        stream=data.stream,
        schedule=data.schedule,
        report_if_empty=data.report_if_empty,
        initial_record_time=data.initial_record_time,
    )
    location = f"{_query_path(name)}/subscriptions/{created['subscriptionID']}"
    return _json(created, 201, {"Location": location})


@epcis_api.get("/queries/<name>/subscriptions")
@requires()
def list_query_subscriptions(name: str) -> ResponseReturnValue:
    per_page = _per_page()
    items = subscriptions.list_subscriptions(database(), name, request.args.get("nextPageToken"), per_page + 1)
    return _listing(items, per_page, "subscriptionID")


@epcis_api.get("/queries/<name>/subscriptions/<subscription_id>")
@requires()
def get_query_subscription(name: str, subscription_id: str) -> ResponseReturnValue:
    return _json(subscriptions.get_subscription(database(), name, subscription_id))


@epcis_api.delete("/queries/<name>/subscriptions/<subscription_id>")
@requires(*SUBSCRIBERS)
def delete_subscription(name: str, subscription_id: str) -> ResponseReturnValue:
    subscriptions.unsubscribe(database(), principal().name, name, subscription_id)
    return Response(status=204)
