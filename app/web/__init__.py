"""The logistics web UI: server-rendered pages with sign-in, CSRF and roles (being built)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the UI's blueprints, sign-in and CSRF on `app`."""
    from app.api.home import home
    from app.web import logistics

    app.register_blueprint(home)
    app.register_blueprint(logistics.bp)
