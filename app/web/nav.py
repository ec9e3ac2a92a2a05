"""The navigation bar: which pages exist and which roles see them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for

from app.models import Role
from app.web.auth import signed_in_user

ANY: tuple[Role, ...] = ()
R = Role


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: tuple[Role, ...]


NAV: tuple[NavItem, ...] = (
    NavItem("web.dashboard", "Dashboard", ANY),
    NavItem("batches.index", "Batches", ANY),
    NavItem("logistics.shipments", "Shipments", (R.LOGISTICS,)),
    NavItem("logistics.receiving", "Receiving", (R.LOGISTICS,)),
    NavItem("logistics.decommission", "Decommission", (R.LOGISTICS, R.LINE, R.QA)),
    NavItem("recall.index", "Recall", (R.QA, R.REGULATOR)),
    NavItem("monitor.index", "Reports", (R.LOGISTICS, R.QA)),
    NavItem("masterdata.index", "Master data", ANY),
    NavItem("audit.index", "Audit trail", (R.QA, R.REGULATOR)),
    NavItem("admin.index", "Users & tokens", ()),
)
ADMIN_ONLY = frozenset({"admin.index"})


def visible_nav() -> list[dict[str, object]]:
    """The nav items the signed-in user may open; pages not (yet) registered are left out."""
    user = signed_in_user()
    if user is None:
        return []
    items: list[dict[str, object]] = []
    for item in NAV:
        if item.endpoint not in current_app.view_functions:
            continue
        allowed = user.role is Role.ADMIN if item.endpoint in ADMIN_ONLY else user.allows(*item.roles)
        if allowed:
            url = url_for(item.endpoint)
            current = request.path == url or (url != "/" and request.path.startswith(url))
            items.append({"url": url, "label": item.label, "current": current})
    return items
