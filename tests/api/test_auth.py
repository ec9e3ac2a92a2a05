"""Authentication and roles on every /api/v1 route, and the OpenAPI document covering the route map."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.api.openapi import document
from app.services import security


def api_routes(app: Flask) -> list[tuple[str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1") :])
        out.extend((m.lower(), path) for m in rule.methods or () if m not in {"HEAD", "OPTIONS"})
    return sorted(out)


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1).endswith("_id") else "09506000134352", path)


def test_openapi_covers_exactly_the_route_map(app: Flask) -> None:
    spec = document()
    documented = sorted((m, p) for p, ops in spec["paths"].items() for m in ops)
    assert documented == api_routes(app)
    assert spec["openapi"] == "3.1.0"


def test_health_needs_no_token(client: FlaskClient) -> None:
    answer = client.get("/api/v1/health")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok", "database": "ok"}


def test_every_other_route_needs_a_token(app: Flask, client: FlaskClient) -> None:
    for method, path in api_routes(app):
        if path == "/health":
            continue
        answer = client.open(concrete("/api/v1" + path), method=method.upper(), json={})
        assert answer.status_code == 401, (method, path)
        assert answer.mimetype == "application/problem+json"
        problem = answer.get_json()
        assert problem["status"] == 401
        assert problem["detail"] == "missing Authorization header; send 'Authorization: Bearer <token>'"


@pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer "])
def test_bad_tokens_are_401(client: FlaskClient, header: str) -> None:
    answer = client.get("/api/v1/products", headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"


def test_revoked_token_is_401(client: FlaskClient, database: Any) -> None:
    token = security.create_token(database, name="temp", role="erp")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/products", headers=headers).status_code == 200
    security.revoke_token(database, name="temp")
    answer = client.get("/api/v1/products", headers=headers)
    assert answer.status_code == 401
    assert answer.get_json()["detail"] == "unknown or revoked token"


def test_wrong_role_is_403_and_writes_nothing(
    client: FlaskClient, auth: dict[str, dict[str, str]], unchanged: Any
) -> None:
    with unchanged():
        answer = client.post(
            "/api/v1/products",
            headers=auth["regulator"],
            json={"gtin": "09506000134352", "name": "X", "company_prefix_length": 7},
        )
    assert answer.status_code == 403
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["detail"] == "role 'regulator' may not do this; needs one of: admin, erp"


def test_admin_may_call_everything(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    answer = client.post(
        "/api/v1/products",
        headers=auth["admin"],
        json={"gtin": "09506000134352", "name": "X", "company_prefix_length": 7},
    )
    assert answer.status_code == 201


def test_tokens_are_stored_hashed(database: Any) -> None:
    from sqlalchemy import select

    from app.models import ApiToken

    token = security.create_token(database, name="hashed", role="line")
    with database.read() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.name == "hashed"))
        assert row is not None
        assert row.token_hash == security.hash_token(token)
        assert token not in {row.token_hash, row.name}


def test_line_scope_must_be_a_gln_and_only_for_line_tokens(database: Any) -> None:
    from app.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="only line tokens can be scoped"):
        security.create_token(database, name="s1", role="erp", scope_gln="9506000134352")
    with pytest.raises(ValidationFailed) as err:
        security.create_token(database, name="s2", role="line", scope_gln="9506000134353")
    assert err.value.field == "scope"


def test_the_dashboard_sends_a_signed_out_visitor_to_sign_in(client: FlaskClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=/"
    login = client.get("/login")
    assert login.status_code == 200 and 'name="csrf_token"' in login.get_data(as_text=True)


def test_rest_body_limit_is_its_own(db_url: str) -> None:
    from app import create_app

    small = create_app({"database_url": db_url, "max_body_bytes": 1000, "capture_max_bytes": 5000})
    database = small.extensions["custody.db"]
    headers = {
        "Authorization": "Bearer " + security.create_token(database, name="big", role="erp"),
        "Content-Type": "application/json",
    }
    answer = small.test_client().post("/api/v1/products", data="{" + " " * 1500 + "}", headers=headers)
    assert answer.status_code == 413
    assert answer.get_json()["detail"] == "request body is larger than 1,000 bytes"
    database.engine.dispose()
