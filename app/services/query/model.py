"""The parsed form of a SimpleEventQuery: one filter object per constraint, plus ordering and paging."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.services.query.epcmatch import EpcMatcher


@dataclass(frozen=True)
class ColumnIn:
    """An `EpcisEvent` column whose value is one of `values`."""

    column: str
    values: frozenset[str]


@dataclass(frozen=True)
class TimeBound:
    """`column >= value` (op GE) or `column < value` (op LT)."""

    column: str
    op: str
    value: datetime


@dataclass(frozen=True)
class Present:
    """An `EpcisEvent` column is set."""

    column: str


@dataclass(frozen=True)
class Within:
    """A location column equal to one of `exact` or starting with one of `prefixes` (descendants)."""

    column: str
    exact: frozenset[str]
    prefixes: frozenset[str]


@dataclass(frozen=True)
class EpcFilter:
    """An EPC (table `epc`) or EPC class (table `class`) in one of `roles` that `matcher` accepts."""

    table: str
    roles: tuple[str, ...]
    matcher: EpcMatcher


@dataclass(frozen=True)
class QuantityCondition:
    """`quantity op value`, the value given in `uom` (None: a quantity without a unit)."""

    op: str
    value: Decimal
    uom: str | None


@dataclass(frozen=True)
class QuantityFilter:
    """Some one quantity element of the event satisfies every condition."""

    conditions: tuple[QuantityCondition, ...]


@dataclass(frozen=True)
class LinkFilter:
    """A business transaction, source or destination of the given type with one of `values`."""

    kind: str
    type: str
    values: frozenset[str]


@dataclass(frozen=True)
class FieldFilter:
    """A top-level ILMD (`part` ilmd) or extension (`part` ext) field named one of `names` (Clark).

    op EQ: its text is one of `values`; GT/GE/LT/LE: it compares so with `values[0]`; EXISTS: it is
    present (or absent when `present` is false).
    """

    part: str
    names: frozenset[str]
    op: str
    values: tuple[str, ...] = ()
    present: bool = True


@dataclass(frozen=True)
class BodyFilter:
    """A list inside the JSON body (`persistentDisposition.set`/`.unset`, `correctiveEventIDs`) holds one
    of `values`. No index rows exist for these, so they are checked in Python after the SQL filters."""

    path: str
    values: frozenset[str]


@dataclass(frozen=True)
class SensorCondition:
    """One condition on a sensor report attribute (`type`, `deviceID`, `time`, `value`, ...).

    op EQ: the attribute is one of `values`; GT/GE/LT/LE: it compares so with `values[0]`. A
    measurement (`value`, `minValue`, ...) is compared in `uom`, converted from the report's unit.
    """

    attribute: str
    op: str
    values: tuple[Any, ...]
    uom: str | None = None


@dataclass(frozen=True)
class SensorFilter:
    """Some one sensor report, read with its element's sensorMetadata, satisfies every condition."""

    conditions: tuple[SensorCondition, ...]


@dataclass(frozen=True)
class SensorPresent:
    """The event has (or, with `present` false, has no) sensorElementList."""

    present: bool = True


@dataclass(frozen=True)
class NestedFieldFilter:
    """An extension field named one of `names` (Clark) inside `scope`: `ext` (the event's own extensions),
    `ilmd`, `errorDeclaration`, `sensorElement`, `sensorMetadata`, `sensorReport`, `readPoint` or
    `bizLocation`; at the scope's top level, or with `inner` nested at any depth below it.

    op EQ: its text is one of `values`; GT/GE/LT/LE: it compares so with `values[0]`; EXISTS: it is
    present (or absent when `present` is false).
    """

    scope: str
    inner: bool
    names: frozenset[str]
    op: str
    values: tuple[str, ...] = ()
    present: bool = True


Filter = (
    ColumnIn
    | TimeBound
    | Present
    | Within
    | EpcFilter
    | QuantityFilter
    | LinkFilter
    | FieldFilter
    | BodyFilter
    | SensorFilter
    | SensorPresent
    | NestedFieldFilter
)


@dataclass(frozen=True)
class PageKey:
    """Where the next page starts: after (order value in epoch microseconds, row id); `delivered` counts
    the events already returned (for eventCountLimit)."""

    order_value: int
    row_id: int
    delivered: int


@dataclass(frozen=True)
class Query:
    """A validated SimpleEventQuery."""

    filters: tuple[Filter, ...] = ()
    order_by: str = "eventTime"
    descending: bool = True
    event_count_limit: int | None = None
    max_event_count: int | None = None
    per_page: int = 30
    # Digest of the filters and ordering: a page token is only valid for the query that issued it.
    signature: str = ""
    after: PageKey | None = None


@dataclass
class QueryPage:
    """One page of results: the stored JSON-LD event bodies, and the token of the next page if any."""

    events: list[dict[str, Any]] = field(default_factory=list)
    next_page_token: str | None = None
