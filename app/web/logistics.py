"""Logistics pages: shipments, receiving and decommissioning (being built)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("logistics", __name__)
