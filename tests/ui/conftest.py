"""Web UI fixtures: the app served on 127.0.0.1, a Playwright page on Debian's Chromium, signed-in users.

Browser tests run on SQLite only (the PostgreSQL variants are deselected: they are slow and the same pages are
checked on both backends through the Flask test client). A screenshot of each browser test's last page is saved
under `test-artifacts/ui/` (git-ignored; `UI_ARTIFACTS` moves it).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from app.services import security

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("UI_ARTIFACTS", ROOT / "test-artifacts" / "ui"))
PASSWORD = "correct horse battery"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    """Debian's chromium (or another system Chrome); Playwright cannot download its own browsers here."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run on SQLite only: drop their PostgreSQL variants."""
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        uses_browser = "browser_page" in getattr(item, "fixturenames", ())
        on_pg = callspec is not None and callspec.params.get("db_url") == "postgresql"
        (dropped if uses_browser and on_pg else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app served by werkzeug on 127.0.0.1 (any free port) in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="ui-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def ui_browser() -> Iterator[Any]:
    """One headless Chromium for the session (Debian's; skipped with the reason when none is installed)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("browser tests skipped: no chromium found (install Debian's 'chromium' package)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
    except Exception as exc:  # a broken install: say so instead of failing every test
        playwright.stop()
        pytest.skip(f"browser tests skipped: chromium at {executable} does not start ({exc})")
    yield launched
    launched.close()
    playwright.stop()


@pytest.fixture
def browser_page(ui_browser: Any, live_server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh Playwright page (tablet-sized viewport) on the live server; its last state is screenshotted."""
    context = ui_browser.new_context(base_url=live_server, viewport={"width": 1180, "height": 820})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def make_user(database: Any) -> Callable[..., str]:
    """Create a web UI user: make_user("qa") -> its username (password `PASSWORD`)."""
    counter = iter(range(1, 10_000))

    def create(role: str, username: str | None = None, password: str = PASSWORD) -> str:
        name = username or f"{role}-{next(counter)}"
        security.create_user(database, username=name, role=role, password=password)
        return name

    return create


@pytest.fixture
def signed_in(browser_page: Any, make_user: Callable[..., str]) -> Callable[[str], Any]:
    """signed_in("qa") creates a qa user, signs it in through the real /login form and returns the page."""

    def sign_in(role: str) -> Any:
        username = make_user(role)
        browser_page.goto("/login")
        browser_page.get_by_label("Username").fill(username)
        browser_page.get_by_label("Password").fill(PASSWORD)
        browser_page.get_by_role("button", name="Sign in").click()
        browser_page.wait_for_url(lambda url: "/login" not in url)
        return browser_page

    return sign_in


# --- Flask test client helpers (fast, both backends) ---------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


@pytest.fixture
def web_client(client: FlaskClient, make_user: Callable[..., str]) -> Callable[[str], FlaskClient]:
    """web_client("qa"): the Flask test client signed in as a new user of that role through /login."""

    def sign_in(role: str) -> FlaskClient:
        username = make_user(role)
        form = client.get("/login").get_data(as_text=True)
        answer = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_token(form)}
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return client

    return sign_in


@pytest.fixture
def post_form(client: FlaskClient) -> Callable[..., Any]:
    """post_form(page_url, data, url=None): GET the page for its CSRF token, then POST `data` with it."""

    def post(page_url: str, data: dict[str, Any], *, url: str | None = None) -> Any:
        html = client.get(page_url).get_data(as_text=True)
        return client.post(url or page_url, data={**data, "csrf_token": csrf_token(html)})

    return post


# --- data: a batch whose packs were commissioned, packed and shipped to a partner ---------------------------------

PARTNER_GLN = "4012345000009"


@pytest.fixture
def shipped(client: FlaskClient, auth: dict[str, dict[str, str]], batch: dict[str, Any]) -> dict[str, Any]:
    """Batch `batch` with 4 packs in one case shipped to partner Grosso AG and 2 packs still at the site."""
    from tests.epcis_api.flows import commission_pack_ship, issue
    from tests.epcis_api.test_capture import capture, commissioning, document

    partner = client.post(
        "/api/v1/partners", headers=auth["erp"], json={"name": "Grosso AG", "gln": PARTNER_GLN, "country": "DE"}
    )
    assert partner.status_code == 201, partner.get_json()
    flow = commission_pack_ship(
        client,
        auth,
        batch,
        4,
        destinationList=[{"type": "owning_party", "destination": f"https://id.gs1.org/417/{PARTNER_GLN}"}],
    )
    home = issue(client, auth, batch, 2)
    capture(client, auth, document(commissioning(home, minute=4)))
    return {"batch": batch, "serials": flow["serials"], "case": flow["case"], "home": home}


DOCS = ROOT / "docs"


@pytest.fixture
def snapshot() -> Callable[[Any, str], None]:
    """snapshot(page, "trace"): save the page as `ui-trace.png` in the artifacts (and in docs/ when
    `UI_DOCS_SCREENSHOTS=1`, to refresh the README's pictures)."""

    def save(page: Any, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"ui-{name}.png"), full_page=True)
        if os.environ.get("UI_DOCS_SCREENSHOTS") == "1":
            page.screenshot(path=str(DOCS / f"ui-{name}.png"), full_page=False)

    return save
