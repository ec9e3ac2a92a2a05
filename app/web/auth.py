"""Sign-in for the web UI: the session user, the `page` role guard, throttling and electronic signatures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import ParamSpec, cast
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import func, select

from app.errors import ValidationFailed
from app.extensions import current_db
from app.models import Role, User
from app.models.base import utcnow
from app.models.web import LoginAttempt
from app.schemas import whole_number
from app.services import security
from app.services.security import Principal

P = ParamSpec("P")

MIN_REASON = 5
login_manager = LoginManager()
login_manager.login_view = "web.login"
login_manager.login_message = "Sign in to see this page."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@dataclass(frozen=True)
class SessionUser:
    """The signed-in person as Flask-Login sees it: loaded from `app_user` on each request."""

    id: int
    username: str
    role: Role
    epoch: int = 0
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return f"{self.id}:{self.epoch}"  # the session's sign-in count: it ends when the user's count moves on

    def allows(self, *roles: Role) -> bool:
        return self.role is Role.ADMIN or not roles or self.role in roles


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    number, _, epoch = user_id.partition(":")
    if whole_number(number) is None or whole_number(epoch) is None:
        return None
    with current_db().read() as s:
        user = s.get(User, int(number))
        if user is None or not user.active or user.session_epoch != int(epoch):
            return None
        return SessionUser(user.id, user.username, user.role, user.session_epoch)


def signed_in_user() -> SessionUser | None:
    """The signed-in user of this request, or None."""
    user = current_user._get_current_object()  # the proxy's target, typed for mypy
    return user if isinstance(user, SessionUser) else None


def current_principal() -> Principal:
    """The signed-in user as the principal services expect (`user:<name>`, role)."""
    user = signed_in_user()
    if user is None:
        raise RuntimeError("current_principal() needs a signed-in user; guard the view with @page()")
    return Principal(f"user:{user.username}", user.role)


def page(*roles: Role) -> Callable[[Callable[P, ResponseReturnValue]], Callable[P, ResponseReturnValue]]:
    """Guard a page: signed-out visitors go to `/login?next=...`; a role not in `roles` gets a 403 page.

    Admin passes every check; no roles means any signed-in user.
    """

    def decorate(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            user = signed_in_user()
            if user is None:
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            if not user.allows(*roles):
                wanted = ", ".join(r.value for r in (Role.ADMIN, *roles))
                return render_template(
                    "web/error.html",
                    status=403,
                    title="Not allowed",
                    detail=f"Your role ({user.role.value}) cannot use this page; it needs one of: {wanted}.",
                    next_step="Ask an administrator to change your role if your work needs this page.",
                ), 403
            return view(*args, **kwargs)

        wrapper.__dict__["required_roles"] = roles
        return wrapper

    return decorate


def safe_next(target: str | None) -> str:
    """A same-site path to return to after sign-in; anything else goes to the dashboard."""
    # Browsers read `\` as `/` (so `/\evil.example` is another site) and drop tabs and newlines inside URLs.
    if target and "\\" not in target and not any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("web.dashboard")


# --- throttling -----------------------------------------------------------------------------------------------


def throttle_limits() -> tuple[int, timedelta]:
    """(failed attempts allowed, window) for one username; from `UI_LOGIN_MAX_FAILURES`, `UI_LOGIN_WINDOW_MINUTES`."""
    cfg = current_app.config
    return int(cfg["UI_LOGIN_MAX_FAILURES"]), timedelta(minutes=float(cfg["UI_LOGIN_WINDOW_MINUTES"]))


def _recent_failures(username: str) -> int:
    _, window = throttle_limits()
    since = utcnow() - window
    with current_db().read() as s:
        last_success = s.scalar(
            select(func.max(LoginAttempt.at)).where(
                LoginAttempt.username == username, LoginAttempt.succeeded.is_(True), LoginAttempt.at >= since
            )
        )
        start = max(since, last_success) if last_success else since
        return int(
            s.scalar(
                select(func.count()).where(
                    LoginAttempt.username == username, LoginAttempt.succeeded.is_(False), LoginAttempt.at > start
                )
            )
            or 0
        )


def _note_attempt(username: str, succeeded: bool) -> None:
    with current_db().write() as s:
        s.add(LoginAttempt(username=username[:64], remote_addr=(request.remote_addr or "")[:64], succeeded=succeeded))


def sign_in(username: str, password: str) -> SessionUser:
    """Check the password (throttled per username) and start the session; raises `ValidationFailed`."""
    username = username.strip()
    limit, window = throttle_limits()
    if _recent_failures(username) >= limit:
        minutes = int(window.total_seconds() // 60)
        raise ValidationFailed(
            f"too many failed sign-ins for this user; wait {minutes} minutes or ask an administrator",
            field="username",
        )
    principal = security.check_password(current_db(), username, password)
    _note_attempt(username, principal is not None)
    if principal is None:
        raise ValidationFailed("unknown username or wrong password", field="password")
    with current_db().read() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        session_user = SessionUser(user.id, user.username, user.role, user.session_epoch)
    session.clear()
    session.permanent = True
    login_user(session_user)
    session["seen"] = session["started"] = utcnow().timestamp()
    return session_user


def sign_out(*, everywhere: bool = True) -> None:
    """End this session; `everywhere` (a sign-out by the user) also ends every copy of it on the server."""
    user = signed_in_user()
    if everywhere and user is not None:
        with current_db().write() as s:
            row = s.get(User, user.id)
            if row is not None:
                row.session_epoch += 1
    logout_user()
    session.clear()


def expire_idle_session() -> ResponseReturnValue | None:
    """Sign out a session idle longer than `UI_SESSION_MINUTES` (before each request)."""
    if "_user_id" not in session:
        return None
    now = utcnow().timestamp()
    seen = cast(float, session.get("seen", 0.0))
    started = cast(float, session.get("started", 0.0))
    idle = now - seen > float(current_app.config["UI_SESSION_MINUTES"]) * 60
    # The absolute limit counts from sign-in: the cookie's own lifetime restarts with every request.
    if idle or now - started > current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds():
        sign_out(everywhere=False)  # this session alone ran idle
        session["expired"] = True
        if request.blueprint in {"api_v1", "epcis_api", "vrs"}:
            return None
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    session["seen"] = now
    return None


# --- electronic signature (21 CFR Part 11) ---------------------------------------------------------------------


def check_signature(password: str, reason: str) -> str:
    """Re-check the signed-in user's password and the reason; return the text for the audit trail.

    Raises `ValidationFailed` naming `password` or `reason`. A wrong password is recorded as a failed sign-in
    (it is the only write of a refused signature) and counts towards the sign-in throttle.
    """
    user = signed_in_user()
    if user is None:
        raise RuntimeError("check_signature() needs a signed-in user; guard the view with @page()")
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise ValidationFailed(f"give a reason of at least {MIN_REASON} characters", field="reason")
    # Wrong signature passwords count with failed sign-ins (Part 11: attempts are detected and limited).
    limit, window = throttle_limits()
    if _recent_failures(user.username) >= limit:
        minutes = int(window.total_seconds() // 60)
        raise ValidationFailed(
            f"too many wrong passwords for this user; wait {minutes} minutes or ask an administrator",
            field="password",
        )
    if not password or security.check_password(current_db(), user.username, password) is None:
        _note_attempt(user.username, False)
        raise ValidationFailed("the password does not match the signed-in user", field="password")
    return f"signed by {user.username}: {reason}"
