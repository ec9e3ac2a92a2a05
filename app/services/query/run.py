"""Running a `Query`: one `select()` on `EpcisEvent` with EXISTS subqueries on the index tables, keyset pages.

Filters without a SQL form (`postfilter`) run on the rows the SQL returns, scanning on in batches until
the page is full, so paging stays exact. The page token holds the (order value, id) of the last event.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.errors import QueryTooLarge
from app.models import EpcisEvent, EventEpc, EventField, EventLink, EventQuantity
from app.services.query.epcmatch import EpcMatcher
from app.services.query.model import (
    ColumnIn,
    EpcFilter,
    FieldFilter,
    Filter,
    LinkFilter,
    NestedFieldFilter,
    PageKey,
    Present,
    QuantityCondition,
    QuantityFilter,
    Query,
    QueryPage,
    SensorFilter,
    SensorPresent,
    TimeBound,
    Within,
)
from app.services.query.postfilter import in_python, keep, load_fields
from app.services.query.tokens import DEFAULT_TOKEN_KEY, encode
from app.services.query.units import UNITS, comparable, convert, threshold
from epcis.model import format_time

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ORDER_COLUMNS = {"eventTime": EpcisEvent.event_time, "recordTime": EpcisEvent.record_time}
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": operator.eq,
    "GT": operator.gt,
    "GE": operator.ge,
    "LT": operator.lt,
    "LE": operator.le,
}
# Rows examined per SQL round trip when Python filters may drop some.
_SCAN_BATCH = 200


def _compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    result: ColumnElement[bool] = _OPS[op](column, value)  # type: ignore[assignment]
    return result


def _epc_match(column: InstrumentedAttribute[str], match: EpcMatcher) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if match.exact:
        parts.append(column.in_(sorted(match.exact)))
    parts += [column.startswith(prefix, autoescape=True) for prefix in sorted(match.prefixes)]
    parts += [column.like(like) for like in sorted(match.likes)]
    return or_(*parts) if parts else false()


def _quantity_condition(condition: QuantityCondition) -> ColumnElement[bool]:
    if condition.uom is None:
        op, value = threshold(condition.op, Fraction(condition.value))
        return and_(EventQuantity.uom.is_(None), _compare(EventQuantity.quantity, op, value))
    parts = []
    for unit in comparable(condition.uom):
        if unit in UNITS:
            op, value = threshold(condition.op, convert(condition.value, condition.uom, unit))
        else:
            op, value = threshold(condition.op, Fraction(condition.value))
        parts.append(and_(EventQuantity.uom == unit, _compare(EventQuantity.quantity, op, value)))
    return or_(*parts)


def _field_exists(f: FieldFilter, *extra: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        EventField.event_pk == EpcisEvent.id, EventField.part == f.part, EventField.name.in_(sorted(f.names)), *extra
    )


def _clause(f: Filter) -> ColumnElement[bool] | None:
    """The SQL condition of a filter (None for a filter that is only checked in Python)."""
    match f:
        case ColumnIn(column, values):
            return getattr(EpcisEvent, column).in_(sorted(values))
        case TimeBound(column, op, value):
            return _compare(getattr(EpcisEvent, column), op, value)
        case Present(column):
            return getattr(EpcisEvent, column).is_not(None)
        case Within(column, exact, prefixes):
            col = getattr(EpcisEvent, column)
            return or_(col.in_(sorted(exact)), *(col.startswith(p, autoescape=True) for p in sorted(prefixes)))
        # `id IN (indexed subquery)` rather than a correlated EXISTS: the planner then starts from the
        # EPC index instead of scanning events in time order (SQLite would otherwise test every event).
        case EpcFilter("epc", roles, match):
            return EpcisEvent.id.in_(
                select(EventEpc.event_pk).where(EventEpc.role.in_(roles), _epc_match(EventEpc.epc, match))
            )
        case EpcFilter(_, roles, match):
            return EpcisEvent.id.in_(
                select(EventQuantity.event_pk).where(
                    EventQuantity.role.in_(roles), _epc_match(EventQuantity.epc_class, match)
                )
            )
        case QuantityFilter(conditions):
            return exists().where(
                EventQuantity.event_pk == EpcisEvent.id, *(_quantity_condition(c) for c in conditions)
            )
        case LinkFilter(kind, kind_type, values):
            return EpcisEvent.id.in_(
                select(EventLink.event_pk).where(
                    EventLink.kind == kind, EventLink.type == kind_type, EventLink.value.in_(sorted(values))
                )
            )
        case FieldFilter(op="EQ"):
            return _field_exists(f, EventField.value.in_(f.values))
        case FieldFilter(op="EXISTS", present=present):
            return _field_exists(f) if present else ~_field_exists(f)
        case FieldFilter():
            # The comparison itself runs in Python (see `_typed`); SQL narrows to events having the field.
            return _field_exists(f)
        case SensorFilter() | SensorPresent(present=True):
            # Checked in Python (`nested`); SQL skips the events whose stored body has no sensor data.
            return cast(EpcisEvent.body, Text).contains('"sensorElementList"', autoescape=True)
        case NestedFieldFilter(scope="errorDeclaration") if f.op != "EXISTS" or f.present:
            # Checked in Python (`nested`); only error declarations can have such a field.
            return EpcisEvent.error_declaration_time.is_not(None)
    return None


def _micros(value: datetime) -> int:
    delta = value - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _after(query: Query, key: PageKey) -> ColumnElement[bool]:
    return _past(query.order_by, query.descending, EPOCH + timedelta(microseconds=key.order_value), key.row_id)


def _past(order_by: str, descending: bool, at: Any, row_id: Any) -> ColumnElement[bool]:
    """Rows after the one at (`at`, `row_id`) in the order (values, or bound parameters of a prebuilt statement)."""
    column = _ORDER_COLUMNS[order_by]
    if descending:
        return or_(column < at, and_(column == at, EpcisEvent.id < row_id))
    return or_(column > at, and_(column == at, EpcisEvent.id > row_id))


# The columns an answer needs: plain rows, no ORM identity map or change tracking per event.
_ANSWER_COLUMNS = (EpcisEvent.id, EpcisEvent.event_time, EpcisEvent.record_time, EpcisEvent.body)
StoredRow = Row[Any]


def _ordered(query: Query, conditions: Sequence[ColumnElement[bool]]) -> Select[Any]:
    return _ordered_by(query.order_by, query.descending, conditions)


def _ordered_by(order_by: str, descending: bool, conditions: Sequence[ColumnElement[bool]]) -> Select[Any]:
    column = _ORDER_COLUMNS[order_by]
    order = (column.desc(), EpcisEvent.id.desc()) if descending else (column.asc(), EpcisEvent.id.asc())
    return select(*_ANSWER_COLUMNS).where(*conditions).order_by(*order)


def _key(query: Query, row: StoredRow | EpcisEvent, delivered: int) -> PageKey:
    value = row.event_time if query.order_by == "eventTime" else row.record_time
    return PageKey(order_value=_micros(value), row_id=row.id, delivered=delivered)


def _fetch(
    session: Session,
    query: Query,
    conditions: list[ColumnElement[bool]],
    post: Sequence[Filter],
    after: PageKey | None,
    count: int,
) -> list[StoredRow]:
    """Up to `count` matching rows in query order, starting after `after`."""
    base = _ordered(query, conditions)
    if not post:
        stmt = base.where(_after(query, after)) if after else base
        return list(session.execute(stmt.limit(count)))
    kept: list[StoredRow] = []
    while len(kept) < count:
        stmt = base.where(_after(query, after)) if after else base
        batch = list(session.execute(stmt.limit(max(_SCAN_BATCH, count))))
        fields = load_fields(session, batch, post)
        kept += [row for row in batch if keep(row, post, fields)]
        if len(batch) < max(_SCAN_BATCH, count):
            break
        after = _key(query, batch[-1], 0)
    return kept[:count]


# Longer EPC lists take the general way (one expanding IN), so the statement caches hold no huge statements.
_PREBUILT_EPCS = 32


def _named_epcs(query: Query) -> EpcFilter | None:
    """The filter of a query that only asks for the events naming given EPCs (`/epcs/{epc}/events`, `MATCH_epc`)."""
    if len(query.filters) != 1 or query.max_event_count is not None:
        return None
    f = query.filters[0]
    if not isinstance(f, EpcFilter) or f.table != "epc" or not f.roles:
        return None
    match = f.matcher
    if match.prefixes or match.likes or not 0 < len(match.exact) <= _PREBUILT_EPCS:
        return None
    return f


@lru_cache(maxsize=256)
def _epc_events(order_by: str, descending: bool, paged: bool, roles: int, epcs: int) -> Select[Any]:
    """The statement of a `_named_epcs` query, built once per order and number of values: a request only binds
    its values, so neither the statement nor its cache key is made again (the SQL is what `_clause` and
    `_fetch` write, with one parameter per value as SQLAlchemy expands an IN list)."""
    named = EpcisEvent.id.in_(
        select(EventEpc.event_pk).where(
            EventEpc.role.in_([bindparam(f"role{i}") for i in range(roles)]),
            EventEpc.epc.in_([bindparam(f"epc{i}") for i in range(epcs)]),
        )
    )
    conditions = [named, _past(order_by, descending, bindparam("at"), bindparam("row_id"))] if paged else [named]
    return _ordered_by(order_by, descending, conditions).limit(bindparam("count", type_=Integer))


def _fetch_named(session: Session, query: Query, f: EpcFilter, after: PageKey | None, count: int) -> list[StoredRow]:
    """`_fetch` for a `_named_epcs` query."""
    epcs = sorted(f.matcher.exact)
    params: dict[str, Any] = {f"role{i}": role for i, role in enumerate(f.roles)}
    params.update((f"epc{i}", epc) for i, epc in enumerate(epcs))
    params["count"] = count
    if after is not None:
        params["at"] = EPOCH + timedelta(microseconds=after.order_value)
        params["row_id"] = after.row_id
    stmt = _epc_events(query.order_by, query.descending, after is not None, len(f.roles), len(epcs))
    return list(session.connection().execute(stmt, params))  # Core: plain rows without the ORM's per-call work


def event_body(row: StoredRow | EpcisEvent) -> dict[str, Any]:
    """The stored JSON-LD of an event, with its recordTime."""
    body = dict(row.body)
    body.setdefault("recordTime", format_time(row.record_time))
    return body


def _check_size(session: Session, query: Query, conditions: list[ColumnElement[bool]], post: Sequence[Filter]) -> None:
    most = query.max_event_count
    if most is None:
        return
    if post:
        matched = len(_fetch(session, query, conditions, post, None, most + 1))
    else:
        ids = select(EpcisEvent.id).where(*conditions).limit(most + 1).subquery()
        matched = session.scalar(select(func.count()).select_from(ids)) or 0
    if matched > most:
        raise QueryTooLarge(f"the query matches more than {most} events (maxEventCount={most})", field="maxEventCount")


def run_query(session: Session, query: Query, *, token_key: bytes = DEFAULT_TOKEN_KEY) -> QueryPage:
    """One page of the events matching `query`, in its order, with the token of the next page."""
    query = _with_hierarchy(session, query)
    named = _named_epcs(query)
    conditions = [] if named else [c for f in query.filters if (c := _clause(f)) is not None]
    post = [f for f in query.filters if in_python(f)]
    _check_size(session, query, conditions, post)  # a `named` query has no maxEventCount: nothing to check
    delivered = query.after.delivered if query.after else 0
    want = query.per_page
    if query.event_count_limit is not None:
        want = min(want, query.event_count_limit - delivered)
    if want <= 0:
        return QueryPage()
    if named:
        rows = _fetch_named(session, query, named, query.after, want + 1)
    else:
        rows = _fetch(session, query, conditions, post, query.after, want + 1)
    more = len(rows) > want
    rows = rows[:want]
    delivered += len(rows)
    if query.event_count_limit is not None and delivered >= query.event_count_limit:
        more = False
    token = encode(token_key, query.signature, _key(query, rows[-1], delivered)) if more else None
    return QueryPage(events=[event_body(row) for row in rows], next_page_token=token)


def _with_hierarchy(session: Session, query: Query) -> Query:
    """`WD_` filters reach the descendants the captured master data names, beside the `/254/` rule."""
    from dataclasses import replace

    from app.services.eventstore import descendants

    filters = []
    for f in query.filters:
        if isinstance(f, Within):
            below = descendants(session, set(f.exact))
            if below:
                f = Within(f.column, f.exact | below, f.prefixes)
        filters.append(f)
    return replace(query, filters=tuple(filters))
