"""EU hub simulator: a small Flask app that enforces the hub's rules over real HTTP (being built)."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Add `flask --app wsgi hubsim` to the service's commands."""
