"""The EU hub simulator's HTTP face: messages in (`POST /v1/messages`), what the hub holds out, national
system scans that raise alerts, and the push of each alert to the marketing authorisation holder."""

from __future__ import annotations

import hmac
from typing import Any

import requests
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from app.hubsim.store import Clock, HubRejection, HubStore
from app.services import fmd_format as fmt

MESSAGE_ID_HEADER = "Custody-Message-Id"
MAX_BODY = 256 * 1024 * 1024
PUSH_TIMEOUT = 10.0


def _problem(exc: HubRejection) -> ResponseReturnValue:
    return jsonify(exc.answer()), exc.status


def create_hubsim_app(
    *,
    token: str | None = None,
    storage: str = ":memory:",
    clock: Clock | None = None,
    alert_url: str | None = None,
    alert_token: str | None = None,
) -> Flask:
    """The simulator. `token`: the bearer token callers must send (None: no check, for demos);
    `storage`: SQLite path or ":memory:"; `clock`: "now" for the 10-day undo window; `alert_url` and
    `alert_token`: where raised alerts are POSTed (the service's `/api/v1/fmd/alerts`) and with what token."""
    app = Flask("hubsim")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    store = HubStore(storage, clock)
    app.extensions["hubsim.store"] = store

    @app.errorhandler(HubRejection)
    def rejected(exc: HubRejection) -> ResponseReturnValue:
        return _problem(exc)

    @app.before_request
    def authenticate() -> ResponseReturnValue | None:
        if token is None or request.path == "/v1/health":
            return None
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return _problem(HubRejection(401, "UNAUTHENTICATED", "send Authorization: Bearer <hub token>"))
        return None

    @app.get("/v1/health")
    def health() -> ResponseReturnValue:
        return jsonify({"status": "ok"})

    @app.post("/v1/messages")
    def receive() -> ResponseReturnValue:
        message_id = request.headers.get(MESSAGE_ID_HEADER, "").strip()
        if not message_id or len(message_id) > 100:
            raise HubRejection(400, "MISSING_MESSAGE_ID", f"send the {MESSAGE_ID_HEADER} header", MESSAGE_ID_HEADER)
        if request.mimetype not in ("application/xml", "text/xml"):
            raise HubRejection(415, "INVALID_FORMAT", "send the message as application/xml", "Content-Type")
        reply = store.receive(message_id, request.get_data())
        response = jsonify(reply.answer)
        if reply.repeat:
            response.headers["Hub-Repeat"] = "true"
        return response

    @app.get("/v1/products/<code>")
    def product(code: str) -> ResponseReturnValue:
        return _found(store.product(code), f"no product {code}")

    @app.get("/v1/products/<code>/batches/<path:batch>")
    def batch(code: str, batch: str) -> ResponseReturnValue:
        return _found(store.batch(code, batch), f"no batch {batch}")

    @app.get("/v1/products/<code>/packs/<path:serial>")
    def pack(code: str, serial: str) -> ResponseReturnValue:
        return _found(store.pack(code, serial), f"no pack {serial}")

    @app.get("/v1/alerts")
    def alerts() -> ResponseReturnValue:
        return jsonify({"items": store.alerts()})

    @app.post("/v1/national/scans")
    def scan() -> ResponseReturnValue:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise HubRejection(400, "INVALID_FORMAT", "send a JSON object", "body")
        values: dict[str, str] = {}
        for name in ("market", "productCode", "serial", "batch", "expiry"):
            value = data.get(name)
            if not isinstance(value, str) or not value:
                raise HubRejection(422, "MISSING_FIELD", f"{name} is required", name)
            values[name] = value
        operation = data.get("operation", "verify")
        if operation != "verify" and operation not in fmt.PACK_STATUSES:
            allowed = ", ".join(("verify", *fmt.PACK_STATUSES))
            raise HubRejection(422, "INVALID_OPERATION", f"operation must be one of {allowed}", "operation")
        outcome = store.national(
            values["market"], values["productCode"], values["serial"], values["batch"], values["expiry"], operation
        )
        if outcome["alertId"] is not None:
            outcome["alertDelivered"] = _push(store, outcome["alertId"], alert_url, alert_token)
        return jsonify(outcome)

    return app


def _found(value: dict[str, Any] | None, detail: str) -> ResponseReturnValue:
    if value is None:
        return jsonify({"result": "rejected", "code": "NOT_FOUND", "detail": detail, "field": None}), 404
    return jsonify(value)


def _push(store: HubStore, alert_id: str, url: str | None, token: str | None) -> bool:
    """POST the alert to the holder's endpoint; the outcome is kept beside the alert."""
    if url is None:
        store.mark_alert(alert_id, False, "no alert endpoint configured")
        return False
    body = fmt.build(store.alert(alert_id), created=store.clock())
    headers = {"Content-Type": fmt.CONTENT_TYPE}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        answer = requests.post(url, data=body, headers=headers, timeout=PUSH_TIMEOUT)
    except requests.RequestException as exc:
        store.mark_alert(alert_id, False, f"{type(exc).__name__}: {exc}"[:500])
        return False
    ok = 200 <= answer.status_code < 300
    store.mark_alert(alert_id, ok, None if ok else f"HTTP {answer.status_code}: {answer.text[:300]}")
    return ok


def serve(app: Flask, host: str, port: int) -> None:
    """Run the simulator until interrupted (threaded, so an alert push can call back into this process)."""
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True)
