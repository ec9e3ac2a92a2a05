"""Listing UI users and API tokens for administrators, and switching a user off or on (audited)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.errors import NotFound, ValidationFailed
from app.extensions import Database
from app.models import ApiToken, User
from app.services import audit
from app.services.security import Principal


def users(database: Database) -> list[dict[str, Any]]:
    with database.read() as s:
        return [
            {"id": u.id, "username": u.username, "role": u.role.value, "active": u.active, "created_at": u.created_at}
            for u in s.scalars(select(User).order_by(User.username))
        ]


def tokens(database: Database) -> list[dict[str, Any]]:
    """Tokens by name (never their hash), active ones first."""
    with database.read() as s:
        rows = s.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.name))
        return [
            {
                "name": t.name,
                "role": t.role.value,
                "scope_gln": t.scope_gln,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in rows
        ]


def set_active(database: Database, actor: Principal, username: str, active: bool) -> None:
    """Switch a user off (they cannot sign in; open sessions end at their next request) or back on."""
    if actor.name == f"user:{username}" and not active:
        raise ValidationFailed("you cannot switch off your own account", field="username")
    with database.write() as s:
        user = s.scalar(select(User).where(User.username == username).with_for_update())
        if user is None:
            raise NotFound(f"no user '{username}'", field="username")
        if user.active == active:
            return
        audit.record(
            s,
            actor=actor.name,
            action="user.activate" if active else "user.deactivate",
            entity="app_user",
            entity_id=user.id,
            before={"active": user.active},
            after={"active": active},
        )
        user.active = active
        user.session_epoch += 1  # switched off or on: sessions from before end either way
