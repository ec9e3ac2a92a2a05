"""The landing page: what is running and how to start using it (no data, so no sign-in needed)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from app.api.support import database

home = Blueprint("home", __name__)


@home.get("/")
def index() -> ResponseReturnValue:
    return render_template("index.html", database=database().engine.dialect.name)
