"""The trace page: a code's state, hierarchy tree and timeline of events with who and where."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.errors import AppError
from app.extensions import current_db
from app.services import places, scan, timeline
from app.services import trace as trace_service
from app.web import errors
from app.web.auth import page

bp = Blueprint("trace", __name__)
errors.install(bp)

CANONICAL_STEM = "https://id.gs1.org/"


def trace_path(key: str) -> str:
    """The page URL of a canonical key: `/trace/01/<gtin>/21/<serial>` or `/trace/00/<sscc>`."""
    return url_for("trace.show", code=key.removeprefix(CANONICAL_STEM))


@bp.app_template_filter("trace_url")
def _trace_url(key: str) -> str:
    # Tables list hundreds of codes: build the path directly (what url_for gives for this route, faster).
    return request.script_root + "/trace/" + quote(key.removeprefix(CANONICAL_STEM), safe="/:@!$&'()*+,;=")


@bp.get("/trace/<path:code>")
@page()
def show(code: str) -> ResponseReturnValue:
    # The path is the canonical Digital Link without its domain; anything else is taken as a scan.
    text = CANONICAL_STEM + code if code.startswith(("01/", "00/")) else code
    try:
        key = scan.resolve(text)
    except AppError as exc:
        return render_template("web/scan.html", code=code, error=exc.detail), 422
    if key.removeprefix(CANONICAL_STEM) != code:
        return redirect(trace_path(key))
    try:
        data = trace_service.trace(current_db(), key)
    except AppError as exc:
        if exc.status != 404:
            raise
        return render_template("web/trace.html", key=key, data=None, missing=exc.detail), 404
    # The code's own events, and those that moved it inside its containers (a shipped case), in time order.
    own = {e["eventID"] for e in data["events"]}
    inherited = [e for e in timeline.container_events(current_db(), data["ancestors"]) if e["eventID"] not in own]
    events = sorted(data["events"] + inherited, key=lambda e: e["eventTime"])
    state = data["state"] or {}
    names = places.labels(
        current_db(), [state.get("location"), state.get("owner"), *(e["bizLocation"] for e in events)]
    )
    return render_template("web/trace.html", key=key, data=data, events=events, names=names, missing=None)
