"""API tokens and users: creation (audited), hashing, and resolving a bearer token to a principal."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import Conflict, Forbidden, Unauthenticated, ValidationFailed
from app.extensions import Database
from app.models import ApiToken, Role, User
from app.models.base import utcnow
from app.services import audit

TOKEN_PREFIX = "cst_"


@dataclass(frozen=True)
class Principal:
    """The caller of a request: a token (or user) name, its role and optional line scope."""

    name: str
    role: Role
    scope_gln: str | None = None

    def allows(self, *roles: Role) -> bool:
        return self.role is Role.ADMIN or self.role in roles

    def require(self, *roles: Role) -> None:
        if not self.allows(*roles):
            wanted = ", ".join(r.value for r in (Role.ADMIN, *roles))
            raise Forbidden(f"role '{self.role.value}' may not do this; needs one of: {wanted}")


SYSTEM = Principal("system", Role.ADMIN)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationFailed(f"unknown role '{value}'; expected one of: {allowed}", field="role") from None


def create_token(
    database: Database, *, name: str, role: str, scope_gln: str | None = None, actor: Principal = SYSTEM
) -> str:
    """Create a token and return its clear value (shown once; only the hash is kept)."""
    parsed_role = parse_role(role)
    if scope_gln is not None:
        from app.services.identifiers import parse_gln

        scope_gln = parse_gln(scope_gln, field="scope")
        if parsed_role is not Role.LINE:
            raise ValidationFailed("only line tokens can be scoped to a line location", field="scope")
    if not name.strip():
        raise ValidationFailed("token name must not be empty", field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with database.write() as session:
        if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise Conflict(f"a token named '{name}' already exists", field="name")
        row = ApiToken(name=name, token_hash=hash_token(token), role=parsed_role, scope_gln=scope_gln)
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=actor.name,
            action="token.create",
            entity="api_token",
            entity_id=row.id,
            after={"name": name, "role": parsed_role.value, "scope_gln": scope_gln},
        )
    return token


def revoke_token(database: Database, *, name: str, actor: Principal = SYSTEM) -> None:
    with database.write() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None)))
        if row is None:
            raise ValidationFailed(f"no active token named '{name}'", field="name")
        row.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor.name,
            action="token.revoke",
            entity="api_token",
            entity_id=row.id,
            before={"name": name, "active": True},
            after={"name": name, "active": False},
        )


def authenticate(database: Database, header: str | None) -> Principal:
    """Resolve an `Authorization: Bearer` header; 401 when missing, malformed, unknown or revoked."""
    if not header:
        raise Unauthenticated("missing Authorization header; send 'Authorization: Bearer <token>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization header must be 'Bearer <token>'")
    with database.engine.connect() as connection:  # one indexed read; no ORM unit of work needed
        row = connection.execute(
            select(ApiToken.name, ApiToken.role, ApiToken.scope_gln, ApiToken.revoked_at).where(
                ApiToken.token_hash == hash_token(token.strip())
            )
        ).first()
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("unknown or revoked token")
    return Principal(f"token:{row.name}", Role(row.role), row.scope_gln)


MIN_PASSWORD = 10


def create_user(database: Database, *, username: str, role: str, password: str, actor: Principal = SYSTEM) -> int:
    parsed_role = parse_role(role)
    if parsed_role is Role.HUB:
        raise ValidationFailed("the hub role is for the EU hub's token, not for people: create a token", field="role")
    if not username or len(username) > 64 or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise ValidationFailed("username must be 1-64 letters, digits, '.', '-' or '_'", field="username")
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(f"password must have at least {MIN_PASSWORD} characters", field="password")
    with database.write() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"user '{username}' already exists", field="username")
        user = User(username=username, role=parsed_role, password_hash=generate_password_hash(password))
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor=actor.name,
            action="user.create",
            entity="app_user",
            entity_id=user.id,
            after={"username": username, "role": parsed_role.value},
        )
        return user.id


def check_password(database: Database, username: str, password: str) -> Principal | None:
    with database.read() as session:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        # An unknown name costs the same hash as a known one: the answer's time does not tell which exist.
        known = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password)
        if user is None or not known or user.role is Role.HUB:
            return None
        return Principal(f"user:{user.username}", user.role)


@cache
def _dummy_hash() -> str:
    """A hash to check unknown names against, made on first use (not at start-up: scrypt takes 0.16 s)."""
    return generate_password_hash("not a password of anyone")
