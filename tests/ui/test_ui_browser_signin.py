"""Browser: sign-in through the real form, the error beside the field, throttling and CSRF rejection."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

PASSWORD = "correct horse battery"


def test_sign_in_and_out_with_the_keyboard_only(browser_page: Any, make_user: Callable[..., str]) -> None:
    page = browser_page
    name = make_user("logistics")
    page.goto("/")
    assert page.url.endswith("/login?next=/")
    # The username field has focus: a station types, tabs and presses Enter.
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("#scan-code")).to_be_focused()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def test_wrong_password_shows_the_message_beside_the_field(browser_page: Any, make_user: Callable[..., str]) -> None:
    page = browser_page
    name = make_user("qa")
    page.goto("/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill("not it at all")
    page.get_by_role("button", name="Sign in").click()
    error = page.locator("#password-error")
    expect(error).to_have_text("unknown username or wrong password")
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Password").get_attribute("aria-describedby") == "password-error"


def test_throttled_after_repeated_failures(app: Flask, browser_page: Any, make_user: Callable[..., str]) -> None:
    app.config["UI_LOGIN_MAX_FAILURES"] = 2
    page = browser_page
    name = make_user("qa")
    for password in ("wrong one 1", "wrong one 2", PASSWORD):
        page.goto("/login")
        page.get_by_label("Username").fill(name)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
    assert "too many failed sign-ins for this user" in page.locator("#username-error").inner_text()
    assert page.url.endswith("/login")


def test_a_form_without_its_token_is_refused(browser_page: Any, make_user: Callable[..., str]) -> None:
    page = browser_page
    name = make_user("qa")
    page.goto("/login")
    page.locator("input[name=csrf_token]").evaluate("el => el.value = 'forged'")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Form expired")).to_be_visible()
    page.goto("/")
    assert page.url.endswith("/login?next=/")


def test_signed_in_fixture_uses_the_real_form(signed_in: Callable[[str], Any]) -> None:
    page = signed_in("admin")
    expect(page.get_by_role("link", name="Users & tokens")).to_be_visible()
    expect(page.get_by_text("(admin)")).to_be_visible()
