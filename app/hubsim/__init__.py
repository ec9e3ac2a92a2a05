"""EU hub simulator: a small Flask app that enforces the hub's rules over real HTTP, for tests and demos."""

from __future__ import annotations

import os

import click
from flask import Flask

from app.hubsim.server import create_hubsim_app, serve

__all__ = ["create_hubsim_app", "register_cli"]


def register_cli(app: Flask) -> None:
    """Add `flask --app wsgi hubsim` to the service's commands."""

    @app.cli.command("hubsim")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5080, show_default=True, type=int)
    @click.option("--token", default=lambda: os.environ.get("CUSTODY_HUBSIM_TOKEN"), help="bearer token callers send")
    @click.option("--storage", default=":memory:", show_default=True, help="SQLite file of the hub's data")
    @click.option("--alert-url", default=None, help="where alerts go, e.g. http://127.0.0.1:5000/api/v1/fmd/alerts")
    @click.option(
        "--alert-token",
        default=lambda: os.environ.get("CUSTODY_HUBSIM_ALERT_TOKEN"),
        help="the service token (role hub) alerts are sent with",
    )
    def hubsim(
        host: str, port: int, token: str | None, storage: str, alert_url: str | None, alert_token: str | None
    ) -> None:
        """Run the EU hub simulator."""
        hub = create_hubsim_app(token=token, storage=storage, alert_url=alert_url, alert_token=alert_token)
        serve(hub, host, port)
