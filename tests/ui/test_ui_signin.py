"""Sign-in, sign-out, throttling, session expiry, CSRF and role checks through the Flask test client."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.models import Batch, BatchStatus
from app.models.web import LoginAttempt

PASSWORD = "correct horse battery"


def login_form(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def post_login(client: FlaskClient, username: str, password: str, path: str = "/login") -> Any:
    return client.post(path, data={"username": username, "password": password, "csrf_token": login_form(client)})


def test_dashboard_sends_a_signed_out_visitor_to_login(client: FlaskClient) -> None:
    answer = client.get("/")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=/"
    assert client.get("/batches?status=released").headers["Location"] == "/login?next=/batches?status%3Dreleased"


def test_sign_in_goes_to_next_and_shows_the_user(client: FlaskClient, make_user: Callable[..., str]) -> None:
    name = make_user("qa")
    answer = client.post(
        "/login?next=/batches",
        data={"username": name, "password": PASSWORD, "csrf_token": login_form(client, "/login?next=/batches")},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/batches"
    page = client.get("/").get_data(as_text=True)
    assert f"{name} <small>(qa)</small>" in page
    assert 'id="scan-code"' in page


def test_next_never_leaves_the_site(client: FlaskClient, make_user: Callable[..., str]) -> None:
    name = make_user("qa")
    for target in (
        "https://evil.example/",
        "//evil.example/x",
        "javascript:alert(1)",
        "/%5Cevil.example",  # a browser reads /\evil.example as //evil.example
        "/%09/evil.example",  # and drops the tab
    ):
        client.get("/")  # fresh form
        answer = client.post(
            "/login?next=" + target,
            data={"username": name, "password": PASSWORD, "csrf_token": login_form(client)},
        )
        assert answer.headers["Location"] == "/", target
        client.post("/logout", data={"csrf_token": login_form(client, "/")})


def test_wrong_password_is_refused_beside_the_field_and_recorded(
    client: FlaskClient, make_user: Callable[..., str], database: Any
) -> None:
    name = make_user("logistics")
    answer = post_login(client, name, "not the password")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert '<p class="error" id="password-error" data-field="password">unknown username or wrong password</p>' in page
    assert client.get("/").status_code == 302
    with database.read() as s:
        assert (
            s.scalar(select(func.count()).where(LoginAttempt.username == name, LoginAttempt.succeeded.is_(False))) == 1
        )


def test_empty_fields_are_named_and_nothing_is_written(client: FlaskClient, unchanged: Any) -> None:
    with unchanged():
        answer = client.post("/login", data={"username": "", "password": "", "csrf_token": login_form(client)})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'data-field="username">enter your username</p>' in page
    assert 'data-field="password">enter your password</p>' in page


def test_throttling_locks_a_username_after_repeated_failures(
    app: Flask, client: FlaskClient, make_user: Callable[..., str]
) -> None:
    app.config["UI_LOGIN_MAX_FAILURES"] = 3
    name = make_user("qa")
    for _ in range(3):
        assert post_login(client, name, "wrong password!").status_code == 422
    answer = post_login(client, name, PASSWORD)  # even the right password now waits
    assert answer.status_code == 422
    assert "too many failed sign-ins for this user; wait 15 minutes" in answer.get_data(as_text=True)
    assert client.get("/").status_code == 302
    app.config["UI_LOGIN_WINDOW_MINUTES"] = 0  # the window passed
    assert post_login(client, name, PASSWORD).status_code == 302


def test_missing_csrf_token_is_refused_and_writes_nothing(
    client: FlaskClient, make_user: Callable[..., str], unchanged: Any
) -> None:
    name = make_user("qa")
    client.get("/login")
    with unchanged():
        answer = client.post("/login", data={"username": name, "password": PASSWORD})
        forged = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": "forged"})
    assert answer.status_code == 400 and forged.status_code == 400
    assert "The form was not sent from this site or has expired" in answer.get_data(as_text=True)
    assert answer.mimetype == "text/html"


def test_api_stays_token_authenticated_without_csrf(client: FlaskClient, auth: dict[str, dict[str, str]]) -> None:
    answer = client.post(
        "/api/v1/partners", headers=auth["erp"], json={"name": "Grosso AG", "gln": "4012345000009", "country": "DE"}
    )
    assert answer.status_code == 201, answer.get_json()


def test_idle_session_expires(app: Flask, client: FlaskClient, make_user: Callable[..., str]) -> None:
    name = make_user("qa")
    assert post_login(client, name, PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    with client.session_transaction() as sess:
        sess["seen"] = sess["seen"] - 31 * 60
    answer = client.get("/batches")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login?next=/batches"
    page = client.get("/login?next=/batches").get_data(as_text=True)
    assert "Your session expired after a period without activity; sign in again." in page
    assert client.get("/").status_code == 302


def test_sign_out_needs_the_form_token(client: FlaskClient, make_user: Callable[..., str]) -> None:
    name = make_user("qa")
    post_login(client, name, PASSWORD)
    assert client.post("/logout").status_code == 400  # no token: another site cannot sign the user out
    assert client.get("/").status_code == 200
    assert client.post("/logout", data={"csrf_token": login_form(client, "/")}).headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_switched_off_user_loses_the_session(client: FlaskClient, make_user: Callable[..., str], database: Any) -> None:
    from app.services import accounts
    from app.services.security import SYSTEM

    name = make_user("qa")
    post_login(client, name, PASSWORD)
    assert client.get("/").status_code == 200
    accounts.set_active(database, SYSTEM, name, False)
    assert client.get("/").status_code == 302
    assert post_login(client, name, PASSWORD).status_code == 422


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("logistics", "/admin", 403),
        ("qa", "/admin", 403),
        ("admin", "/admin", 200),
        ("logistics", "/audit", 403),
        ("regulator", "/audit", 200),
        ("line", "/recall", 403),
        ("qa", "/recall", 200),
        ("erp", "/monitor", 403),
        ("logistics", "/monitor", 200),
        ("regulator", "/batches", 200),
        ("line", "/masterdata/products", 200),
    ],
)
def test_roles_decide_what_each_page_offers(
    web_client: Callable[[str], FlaskClient], role: str, path: str, status: int
) -> None:
    client = web_client(role)
    answer = client.get(path)
    assert answer.status_code == status
    if status == 403:
        assert f"Your role ({role}) cannot use this page" in answer.get_data(as_text=True)


def test_nav_shows_only_what_the_role_may_open(web_client: Callable[[str], FlaskClient]) -> None:
    page = web_client("logistics").get("/").get_data(as_text=True)
    nav = page[page.index('<nav aria-label="Main">') : page.index("</nav>")]
    assert "Dashboard" in nav and "Batches" in nav and "Reports" in nav
    assert "Users &amp; tokens" not in nav and "Audit trail" not in nav and "Recall" not in nav


def test_wrong_signature_passwords_count_towards_the_lock(
    web_client: Callable[[str], FlaskClient], shipped: dict[str, Any], post_form: Callable[..., Any], database: Any
) -> None:
    web_client("qa")
    bid = shipped["batch"]["id"]
    with database.write() as s:
        s.get(Batch, bid).status = BatchStatus.RELEASED
    for n in range(5):
        wrong = post_form(f"/recall/{bid}", {"reason": "Contamination found in QC", "password": f"guess {n}"})
        assert 'data-field="password">the password does not match the signed-in user</p>' in wrong.get_data(
            as_text=True
        )
    locked = post_form(f"/recall/{bid}", {"reason": "Contamination found in QC", "password": PASSWORD})
    assert locked.status_code == 422
    assert "too many wrong passwords for this user; wait 15 minutes or ask an administrator" in locked.get_data(
        as_text=True
    )
    with database.read() as s:
        assert s.get(Batch, bid).status is not BatchStatus.RECALLED


def test_an_active_session_still_ends_twelve_hours_after_sign_in(
    client: FlaskClient, make_user: Callable[..., str]
) -> None:
    name = make_user("qa")
    assert post_login(client, name, PASSWORD).status_code == 302
    with client.session_transaction() as sess:
        sess["started"] = sess["started"] - 12 * 3600 - 60  # busy all along: `seen` is recent
    answer = client.get("/batches")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login?next=/batches"


def test_pages_cannot_be_framed_or_cached(client: FlaskClient, make_user: Callable[..., str]) -> None:
    post_login(client, make_user("qa"), PASSWORD)
    for path in ("/", "/login", "/api/v1/health"):
        answer = client.get(path)
        assert answer.headers["X-Frame-Options"] == "DENY", path
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_people_cannot_hold_the_hub_role(database: Any) -> None:
    from app.errors import ValidationFailed
    from app.services import security

    with pytest.raises(ValidationFailed) as refused:
        security.create_user(database, username="hub-person", role="hub", password=PASSWORD)
    assert refused.value.field == "role"


def test_signing_out_ends_the_session_on_the_server(
    client: FlaskClient, app: Flask, make_user: Callable[..., str]
) -> None:
    """A copy of the session cookie taken before sign-out (another tab, a stolen cookie) opens nothing after."""
    name = make_user("qa")
    post_login(client, name, PASSWORD)
    copy = app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy.set_cookie("session", cookie.value)
    assert copy.get("/batches").status_code == 200
    assert client.post("/logout", data={"csrf_token": login_form(client, "/")}).status_code == 302
    assert copy.get("/batches").status_code == 302  # to the sign-in page
    post_login(client, name, PASSWORD)
    assert client.get("/batches").status_code == 200  # a new sign-in works as before


def test_switching_a_user_off_and_on_does_not_revive_old_sessions(
    client: FlaskClient, app: Flask, database: Any, make_user: Callable[..., str]
) -> None:
    from app.services import accounts
    from app.services.security import SYSTEM

    name = make_user("qa")
    post_login(client, name, PASSWORD)
    assert client.get("/batches").status_code == 200
    accounts.set_active(database, SYSTEM, name, False)
    accounts.set_active(database, SYSTEM, name, True)
    assert client.get("/batches").status_code == 302
