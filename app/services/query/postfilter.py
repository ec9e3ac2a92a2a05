"""Filters checked in Python on rows the SQL returned: lists inside the JSON body, typed comparisons of
extension and ILMD field text (a number, a date-time or a string), which SQL cannot do alike on both backends,
and the sensor and nested-field filters of `nested`."""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import EventField
from app.services.query.model import (
    BodyFilter,
    FieldFilter,
    Filter,
    NestedFieldFilter,
    SensorFilter,
    SensorPresent,
)
from app.services.query.nested import matches, parse_body
from epcis import cbv, model

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "GT": operator.gt,
    "GE": operator.ge,
    "LT": operator.lt,
    "LE": operator.le,
}
Fields = dict[tuple[int, str, str], list[str | None]]


def in_python(f: Filter) -> bool:
    if isinstance(f, BodyFilter | SensorFilter | SensorPresent | NestedFieldFilter):
        return True
    return isinstance(f, FieldFilter) and f.op in ("GT", "GE", "LT", "LE")


def _typed(text: str) -> Any:
    """A field's text as a number, else a date-time, else itself: how GT/GE/LT/LE compare it."""
    try:
        number = Decimal(text)
        if number.is_finite():
            return number
    except InvalidOperation:
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def field_compare(stored: str | None, op: str, wanted: str) -> bool:
    if stored is None:
        return False
    a, b = _typed(stored), _typed(wanted)
    if type(a) is not type(b):
        a, b = stored, wanted
    try:
        return _OPS[op](a, b)
    except TypeError:  # a time with an offset against one without
        return _OPS[op](stored, wanted)


def _body_values(body: dict[str, Any], path: str) -> list[str]:
    if path == "errorDeclaration.correctiveEventIDs":
        return list((body.get("errorDeclaration") or {}).get("correctiveEventIDs") or [])
    side = path.rpartition(".")[2]
    values = (body.get("persistentDisposition") or {}).get(side) or []
    return [cbv.bare("disposition", v) for v in values]


def keep(row: Any, post: Sequence[Filter], fields: Fields) -> bool:
    event: model.Event | None = None
    for f in post:
        if isinstance(f, SensorFilter | SensorPresent | NestedFieldFilter):
            event = event or parse_body(row.body)
            if not matches(event, f):
                return False
        elif isinstance(f, BodyFilter):
            if not f.values.intersection(_body_values(row.body, f.path)):
                return False
        elif isinstance(f, FieldFilter):
            texts = [t for name in f.names for t in fields.get((row.id, f.part, name), [])]
            if not any(field_compare(t, f.op, f.values[0]) for t in texts):
                return False
    return True


def load_fields(session: Session, rows: Sequence[Any], post: Sequence[Filter]) -> Fields:
    wanted = [f for f in post if isinstance(f, FieldFilter)]
    out: Fields = defaultdict(list)
    if not wanted or not rows:
        return out
    names = sorted({name for f in wanted for name in f.names})
    found = session.execute(
        select(EventField.event_pk, EventField.part, EventField.name, EventField.value).where(
            EventField.event_pk.in_([r.id for r in rows]), EventField.name.in_(names)
        )
    )
    for pk, part, name, value in found:
        out[(pk, part, name)].append(value)
    return out
