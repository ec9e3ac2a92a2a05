"""The web UI: server-rendered pages with sign-in (Flask-Login), CSRF on every form (Flask-WTF) and roles."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from flask import Flask, Response, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect

csrf = CSRFProtect()

DEFAULTS: dict[str, Any] = {
    "UI_SESSION_MINUTES": float(os.environ.get("CUSTODY_UI_SESSION_MINUTES", "30")),
    "UI_LOGIN_MAX_FAILURES": int(os.environ.get("CUSTODY_UI_LOGIN_MAX_FAILURES", "5")),
    "UI_LOGIN_WINDOW_MINUTES": float(os.environ.get("CUSTODY_UI_LOGIN_WINDOW_MINUTES", "15")),
}
# Flask and Flask-WTF have their own defaults for these, so they are set, not defaulted.
SESSION: dict[str, Any] = {
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),  # absolute limit; idle expiry is UI_SESSION_MINUTES
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, which expires on its own
}


def init_app(app: Flask) -> None:
    """Register the UI's blueprints, sign-in and CSRF on `app`."""
    from app.api import api_v1
    from app.api.epcis_binding import epcis_api
    from app.api.vrs import vrs
    from app.web import admin, audit, batches, logistics, masterdata, monitor, recall, trace, views
    from app.web.auth import expire_idle_session, login_manager
    from app.web.nav import visible_nav

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.update(SESSION)
    login_manager.init_app(app)
    csrf.init_app(app)
    for token_authenticated in (api_v1, epcis_api, vrs):
        csrf.exempt(token_authenticated)

    for module in (views, batches, trace, recall, monitor, masterdata, audit, admin, logistics):
        app.register_blueprint(module.bp)

    app.before_request(expire_idle_session)
    app.after_request(_security_headers)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> ResponseReturnValue:
        detail = "The form was not sent from this site or has expired. Reload the page and send it again."
        return render_template("web/error.html", status=400, title="Form expired", detail=detail), 400

    @app.context_processor
    def _layout() -> dict[str, Any]:
        return {"nav": visible_nav}


# On every answer: pages cannot be framed (no clickjacking of the recall or decommission forms), types are
# not sniffed, and other sites are not told our URLs. Pages of the UI are not cached: they show live state
# and, once, new tokens.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
