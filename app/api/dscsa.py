"""/api/v1 routes of the US DSCSA channel (being built)."""

from __future__ import annotations

from app.api.openapi import Op

# This module's operations in the OpenAPI document (the route-map test checks they match the routes).
OPERATIONS: list[Op] = []
