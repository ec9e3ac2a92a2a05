"""View helpers: authentication, JSON bodies into pydantic models, pagination answers."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import current_app, g, request
from pydantic import BaseModel, ValidationError
from sqlalchemy import event

from app.config import Config
from app.errors import BadRequest, Forbidden, UnsupportedMediaType
from app.extensions import Database, current_db
from app.http_errors import pydantic_errors
from app.models import ApiToken, Role
from app.services.common import Page
from app.services.security import Principal, authenticate

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=BaseModel)


def settings() -> Config:
    config: Config = current_app.extensions["custody.config"]
    return config


def database() -> Database:
    return current_db()


def principal() -> Principal:
    who: Principal = g.principal
    return who


# A token seen valid is trusted this long without another read. Revoking it in this process forgets every
# cached token at once; another process (a second worker, the CLI) is heard within these seconds.
TOKEN_CACHE_SECONDS = 5.0
TOKEN_CACHE_SIZE = 10_000
_tokens: dict[tuple[int, str], tuple[float, Principal]] = {}


@event.listens_for(ApiToken.revoked_at, "set")
def _forget_tokens(*_: Any) -> None:
    _tokens.clear()


def _principal(db: Database, header: str | None) -> Principal:
    """`authenticate`, answered from memory for a token that was valid moments ago (never for a failure)."""
    if not header:
        return authenticate(db, header)
    key = (id(db), hashlib.sha256(header.encode()).hexdigest())
    now = time.monotonic()
    hit = _tokens.get(key)
    if hit is not None and now - hit[0] < TOKEN_CACHE_SECONDS:
        return hit[1]
    who = authenticate(db, header)
    if len(_tokens) >= TOKEN_CACHE_SIZE:
        _tokens.clear()
    _tokens[key] = (now, who)
    return who


def requires(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Authenticate the bearer token (401) and check its role (403); no roles means any role but `hub`, whose
    tokens only post hub alerts."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            who = _principal(current_db(), request.headers.get("Authorization"))
            if roles:
                who.require(*roles)
            elif who.role is Role.HUB:
                raise Forbidden("a hub token may only post hub alerts (POST /api/v1/fmd/alerts)")
            g.principal = who
            return view(*args, **kwargs)

        wrapper.__dict__["required_roles"] = roles
        return wrapper

    return decorate


def body(model: type[M]) -> M:
    """The request's JSON body validated as `model`: 415 for another media type, 400 for bad JSON."""
    if not request.is_json:
        raise UnsupportedMediaType(
            f"send the body as application/json (got '{request.mimetype or 'nothing'}')", field="Content-Type"
        )
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("the body is not valid JSON", field="body")
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object", field="body")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise pydantic_errors(exc) from None


def page() -> Page:
    cfg = settings()
    return Page.of(request.args.get("page"), request.args.get("per_page"), cfg.page_size, cfg.max_page_size)


def listing(items: list[dict[str, Any]], total: int, pg: Page) -> dict[str, Any]:
    return {"items": items, "page": pg.number, "per_page": pg.size, "total": total}
