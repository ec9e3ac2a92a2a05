"""Custody service composition root: `create_app` wires config, database, blueprints and commands."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from app.config import Config
from app.schemas import DB_INT_MAX


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app from the environment, overridden by `config` (tests pass their own)."""
    from app import cli, http_errors, web
    from app.api import api_v1
    from app.api.epcis_binding import epcis_api
    from app.api.vrs import vrs
    from app.extensions import Database

    app = Flask(__name__, instance_relative_config=True, template_folder="../templates")
    app.url_map.converters["int"] = DbIntConverter  # `<int:id>` matches only ids a column can hold: 404, not 500
    settings = Config.from_env(app.instance_path)
    if config:
        settings = settings.replace(**config)
    app.config.from_mapping(settings.as_flask())
    app.extensions["custody.config"] = settings

    Database().init_app(app, settings)
    http_errors.register(app)
    app.register_blueprint(api_v1)
    app.register_blueprint(epcis_api)
    app.register_blueprint(vrs)
    web.init_app(app)
    cli.register(app)
    return app


class DbIntConverter(IntegerConverter):
    """Werkzeug's `int` converter bounded to what an integer column holds (a larger id names nothing)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(url_map, *args, **kwargs)
