"""Errors on web pages: HTML that says what went wrong and what to do, never problem+json."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from app.errors import AppError

NEXT_STEPS: dict[int, str] = {
    403: "Your account cannot do this. Ask an administrator if your work needs it.",
    404: "Check the number or code, or find the record from the lists in the menu.",
    409: "Nothing was changed. Reload the page to see the current state, then try again.",
    422: "Nothing was changed. Go back, correct what the message names and send it again.",
}


def error_page(exc: AppError) -> ResponseReturnValue:
    return render_template(
        "web/error.html",
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        next_step=NEXT_STEPS.get(exc.status),
    ), exc.status


def install(bp: Blueprint) -> None:
    """Answer the service errors a page does not handle itself with the HTML error page (call at import)."""
    bp.register_error_handler(AppError, error_page)
