"""Helpers shared by services: pagination and row-to-dict snapshots for answers and the audit trail."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed


def snapshot(row: Any, fields: list[str]) -> dict[str, Any]:
    """The named attributes of a model row as JSON-ready values."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(row, name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        out[name] = value
    return out


MAX_PAGE = 100_000  # beyond it an offset names nothing a listing holds (and could overflow the column type)


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @classmethod
    def of(cls, page: str | None, per_page: str | None, default: int, maximum: int) -> Page:
        try:
            number = int(page) if page is not None else 1
            size = int(per_page) if per_page is not None else default
        except ValueError:
            raise ValidationFailed("page and per_page must be integers", field="page") from None
        if not 1 <= number <= MAX_PAGE:
            raise ValidationFailed(f"page must be 1-{MAX_PAGE:,}", field="page")
        if not 1 <= size <= maximum:
            raise ValidationFailed(f"per_page must be 1-{maximum}", field="per_page")
        return cls(number, size)


def paginate(session: Session, query: Select[Any], page: Page) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.limit(page.size).offset((page.number - 1) * page.size)).all()
    return list(rows), int(total)
