"""EPCIS 2.0 named queries and webhook subscriptions: definitions, cron-like schedules, and the
notifications they put in the outbox (one signed EPCISQueryDocument per subscription and batch).

Stream subscriptions are evaluated by `on_captured`, inside the capture transaction, over the events just
stored. Scheduled ones are run by `run_due_schedules` (the worker) over a record-time window
`[minRecordTime, now - SAFETY_LAG)`; the window's end becomes the next `minRecordTime` in the same
transaction, so consecutive windows neither overlap nor leave gaps. The lag exists because an event's
recordTime is taken when its capture starts, not when it commits: an event becomes visible to a scheduled
run only once it is SAFETY_LAG old, which covers captures that commit within that time.

Schedules are evaluated in UTC. A field holds numbers, ranges (`1-5` or `[1-5]`), `*` and steps (`0/30`,
`*/15`), comma-separated; `dayOfWeek` runs 1 (Monday) to 7 (Sunday). An omitted field less significant than
the most significant given one takes its smallest value (`{"hour": "1", "minute": "5"}` fires daily at
01:05:00); omitted more significant fields match everything. dayOfMonth and dayOfWeek must both match.

Every notification is signed when the subscription has a `signatureToken`: header
`GS1-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with the token's UTF-8 bytes>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.errors import (
    Conflict,
    NotFound,
    QueryParameterError,
    QueryTooLarge,
    SubscriptionControlsError,
    ValidationFailed,
    epcis_type,
)
from app.extensions import Database
from app.models import NamedQuery, OutboxMessage, Subscription
from app.models.base import utcnow
from app.services import audit, outbox
from app.services.query import MAX_PER_PAGE, QueryPage, parse_query, run_query

log = logging.getLogger(__name__)

CHANNEL = "epcis-subscription"
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SAFETY_LAG = timedelta(seconds=60)
EVENT_ID_CHUNK = 500
SIGNATURE_HEADER = "GS1-Signature"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,127}\Z")
_NOT_STORED = ("nextPageToken",)


# -- named queries ---------------------------------------------------------------------------------------


def _values(name: str, value: Any) -> list[str]:
    """One JSON query member as REST parameter values."""
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if value is None:
        return [""]
    if isinstance(value, int | float | str):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        return [str(v) for v in value]
    raise ValidationFailed(
        f"query.{name}: must be a string, a number, a boolean or a list of strings", field=f"query.{name}"
    )


def _prefixes(context: Any) -> dict[str, str]:
    """Extension prefixes declared in the query's `@context` (its object members whose value is a string)."""
    items = context if isinstance(context, list) else [context]
    return {k: v for item in items if isinstance(item, dict) for k, v in item.items() if isinstance(v, str)}


def query_params(definition: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The JSON query object as REST parameters (name -> values) and the extension prefixes it declares."""
    params: dict[str, list[str]] = {}
    extensions: dict[str, str] = {}
    for name, value in definition.items():
        if name == "@context":
            extensions = _prefixes(value)
        elif name in _NOT_STORED:
            raise QueryParameterError(f"{name} cannot be part of a named query", field=name)
        else:
            params[name] = _values(name, value)
    return params, extensions


def _query_view(query: NamedQuery) -> dict[str, Any]:
    return {"name": query.name, "query": query.definition}


def _named(session: Session, name: str) -> NamedQuery:
    query = session.scalar(select(NamedQuery).where(NamedQuery.name == name))
    if query is None:
        raise NotFound(f"no named query {name!r}", field="queryName")
    return query


def create_query(database: Database, actor: str, name: str, definition: Mapping[str, Any]) -> dict[str, Any]:
    """Store a named query after validating it as SimpleEventQuery parameters; 409 when the name is taken."""
    if not _NAME.match(name):
        raise ValidationFailed(
            "name must be 1 to 128 letters, digits, '.', '_', '~' or '-', starting with a letter or digit",
            field="name",
        )
    params, extensions = query_params(definition)
    parse_query(params, extensions=extensions)
    with database.write() as session:
        if session.scalar(select(NamedQuery.id).where(NamedQuery.name == name)) is not None:
            raise Conflict(f"a named query {name!r} already exists", field="name")
        query = NamedQuery(
            name=name, definition=dict(definition), params=params, extensions=extensions, created_by=actor
        )
        session.add(query)
        session.flush()
        audit.record(
            session, actor=actor, action="query.create", entity="named_query", entity_id=name, after=dict(definition)
        )
        return _query_view(query)


def list_queries(database: Database, after: str | None, limit: int) -> list[dict[str, Any]]:
    """Named queries in name order, starting after the name `after`."""
    with database.read() as session:
        stmt = select(NamedQuery).order_by(NamedQuery.name).limit(limit)
        if after:
            stmt = stmt.where(NamedQuery.name > after)
        return [_query_view(q) for q in session.scalars(stmt)]


def get_query(database: Database, name: str) -> dict[str, Any]:
    with database.read() as session:
        return _query_view(_named(session, name))


def delete_query(database: Database, actor: str, name: str) -> None:
    """Remove a named query and end its subscriptions; their undelivered notifications are cancelled."""
    with database.write() as session:
        query = _named(session, name)
        audit.record(
            session, actor=actor, action="query.delete", entity="named_query", entity_id=name, before=query.definition
        )
        for sub_id in session.scalars(select(Subscription.id).where(Subscription.query_pk == query.id)).all():
            outbox.cancel_pending(session, _reference(sub_id))
        session.execute(delete(Subscription).where(Subscription.query_pk == query.id))
        session.delete(query)


def run_named(database: Database, name: str, paging: Mapping[str, list[str]], *, token_key: bytes) -> QueryPage:
    """One page of a named query's results; `paging` may hold only perPage and nextPageToken."""
    for key in paging:
        if key not in ("perPage", "nextPageToken"):
            raise QueryParameterError(
                f"query parameter {key!r} is not accepted on a named query (only perPage and nextPageToken)",
                field=key,
            )
    with database.read() as session:
        query = _named(session, name)
        parsed = parse_query({**query.params, **paging}, extensions=query.extensions, token_key=token_key)
        return run_query(session, parsed, token_key=token_key)


# -- schedules -------------------------------------------------------------------------------------------

_FIELDS: tuple[tuple[str, int, int], ...] = (
    ("month", 1, 12),
    ("dayOfMonth", 1, 31),
    ("dayOfWeek", 1, 7),
    ("hour", 0, 23),
    ("minute", 0, 59),
    ("second", 0, 59),
)
_RANK = {"month": 0, "dayOfMonth": 1, "dayOfWeek": 1, "hour": 2, "minute": 3, "second": 4}
_ELEMENT = re.compile(r"(?:(\*)|\[?(\d{1,2})(?:-(\d{1,2}))?\]?)(?:/(\d{1,2}))?\Z")
_HORIZON = timedelta(days=366 * 5)


@dataclass(frozen=True)
class Schedule:
    """The UTC times a scheduled subscription fires at: allowed values per field."""

    month: frozenset[int]
    dayOfMonth: frozenset[int]
    dayOfWeek: frozenset[int]
    hour: frozenset[int]
    minute: frozenset[int]
    second: frozenset[int]

    def next_after(self, moment: datetime) -> datetime | None:
        """The first firing time strictly after `moment` (whole seconds); None when none within 5 years."""
        current = moment.replace(microsecond=0) + timedelta(seconds=1)
        end = current + _HORIZON
        while current < end:
            if current.month not in self.month:
                first = current.replace(day=1, hour=0, minute=0, second=0)
                current = (first + timedelta(days=32)).replace(day=1)
            elif current.day not in self.dayOfMonth or current.isoweekday() not in self.dayOfWeek:
                current = current.replace(hour=0, minute=0, second=0) + timedelta(days=1)
            elif current.hour not in self.hour:
                current = current.replace(minute=0, second=0) + timedelta(hours=1)
            elif current.minute not in self.minute:
                current = current.replace(second=0) + timedelta(minutes=1)
            elif current.second not in self.second:
                current += timedelta(seconds=1)
            else:
                return current
        return None


def _field_values(name: str, text: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for element in text.replace(" ", "").split(","):
        m = _ELEMENT.match(element)
        if m is None:
            raise SubscriptionControlsError(
                f"schedule.{name}: {element!r} is not a number, a range such as [1-5], * or a step such as 0/30",
                field=f"schedule.{name}",
            )
        star, first, last, step = m.groups()
        start = low if star else int(first)
        stop = high if star or (step and not last) else int(last or first)
        if not low <= start <= stop <= high:
            raise SubscriptionControlsError(
                f"schedule.{name}: {element!r} is outside {low}-{high} or a descending range",
                field=f"schedule.{name}",
            )
        if step is not None and int(step) < 1:
            raise SubscriptionControlsError(f"schedule.{name}: {element!r} has a step of 0", field=f"schedule.{name}")
        values.update(range(start, stop + 1, int(step) if step else 1))
    return frozenset(values)


def parse_schedule(raw: Mapping[str, Any]) -> Schedule:
    """Validate a subscription's `schedule` object (see the module docstring for the rules)."""
    unknown = sorted(set(raw) - set(_RANK))
    if unknown:
        raise SubscriptionControlsError(
            f"schedule.{unknown[0]}: unknown schedule field", field=f"schedule.{unknown[0]}"
        )
    given = {k: str(v) for k, v in raw.items() if v is not None and str(v).strip() != ""}
    if not given:
        raise SubscriptionControlsError("schedule: give at least one of " + ", ".join(_RANK), field="schedule")
    top = min(_RANK[k] for k in given)
    sets: dict[str, frozenset[int]] = {}
    for name, low, high in _FIELDS:
        if name in given:
            sets[name] = _field_values(name, given[name], low, high)
        elif _RANK[name] > top and not (name == "dayOfMonth" and "dayOfWeek" in given) and name != "dayOfWeek":
            sets[name] = frozenset({low})
        else:
            sets[name] = frozenset(range(low, high + 1))
    return Schedule(**sets)


# -- subscriptions ---------------------------------------------------------------------------------------


def _reference(subscription_id: str) -> str:
    return f"subscription:{subscription_id}"


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _subscription_view(session: Session, sub: Subscription, query_name: str) -> dict[str, Any]:
    view: dict[str, Any] = {
        "subscriptionID": sub.id,
        "queryName": query_name,
        "dest": sub.dest,
        "createdAt": _iso(sub.created_at),
        "initialRecordTime": _iso(sub.initial_record_time),
        "minRecordTime": _iso(sub.min_record_time),
        "reportIfEmpty": sub.report_if_empty,
        "epcFormat": "Always_GS1_Digital_Link",
    }
    if sub.stream:
        view["stream"] = True
    else:
        view["schedule"] = sub.schedule
    notified = session.scalar(
        select(func.max(OutboxMessage.delivered_at)).where(OutboxMessage.reference == _reference(sub.id))
    )
    if notified is not None:
        view["lastNotifiedAt"] = _iso(notified)
    return view


def _check_dest(dest: str) -> None:
    parts = urlsplit(dest)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(f"dest: {dest!r} is not an http or https URL", field="dest")


def subscribe(
    database: Database,
    actor: str,
    query_name: str,
    *,
    dest: str,
    signature_token: str | None = None,
    stream: bool | None = None,
    schedule: Mapping[str, Any] | None = None,
    report_if_empty: bool = False,
    initial_record_time: datetime | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Create a webhook subscription: `stream=True` or a `schedule`, never both.

    A stream subscription with an `initial_record_time` in the past is first sent the matching events
    recorded since then, in the same transaction.
    """
    _check_dest(dest)
    if stream and schedule is not None:
        raise SubscriptionControlsError("give either stream: true or a schedule, not both", field="stream")
    if not stream and schedule is None:
        raise SubscriptionControlsError("give stream: true or a schedule", field="schedule")
    now = now or utcnow()
    next_run = None
    if schedule is not None:
        next_run = parse_schedule(schedule).next_after(now)
        if next_run is None:
            raise SubscriptionControlsError(
                "schedule: it never fires (no such date within five years)", field="schedule"
            )
    initial = initial_record_time or now
    try:
        initial.astimezone(UTC)
    except (OverflowError, ValueError):
        raise SubscriptionControlsError(
            f"initialRecordTime {initial.isoformat()} is out of range", field="initialRecordTime"
        ) from None
    with database.write() as session:
        query = _named(session, query_name)
        sub = Subscription(
            id=str(uuid.uuid4()),
            query_pk=query.id,
            dest=dest,
            signature_token=signature_token,
            stream=bool(stream),
            schedule={k: str(v) for k, v in schedule.items()} if schedule is not None else None,
            report_if_empty=report_if_empty,
            initial_record_time=initial,
            min_record_time=initial,
            next_run_at=next_run,
            created_by=actor,
            created_at=now,
        )
        session.add(sub)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="subscription.create",
            entity="subscription",
            entity_id=sub.id,
            after=_trail(sub),
        )
        if stream and initial < now:
            _notify(session, sub, query, {"GE_recordTime": [initial.isoformat()], "LT_recordTime": [now.isoformat()]})
        return _subscription_view(session, sub, query.name)


def _owned(session: Session, query_name: str, subscription_id: str) -> tuple[Subscription, NamedQuery]:
    query = _named(session, query_name)
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.query_pk != query.id:
        raise NotFound(f"no subscription {subscription_id} on named query {query_name!r}", field="subscriptionID")
    return sub, query


def list_subscriptions(database: Database, query_name: str, after: str | None, limit: int) -> list[dict[str, Any]]:
    """A named query's subscriptions in id order, starting after the id `after`."""
    with database.read() as session:
        query = _named(session, query_name)
        stmt = select(Subscription).where(Subscription.query_pk == query.id).order_by(Subscription.id).limit(limit)
        if after:
            stmt = stmt.where(Subscription.id > after)
        return [_subscription_view(session, s, query.name) for s in session.scalars(stmt)]


def get_subscription(database: Database, query_name: str, subscription_id: str) -> dict[str, Any]:
    with database.read() as session:
        sub, query = _owned(session, query_name, subscription_id)
        return _subscription_view(session, sub, query.name)


def _trail(sub: Subscription) -> dict[str, Any]:
    """A subscription as the audit trail keeps it: who is sent what, where and when; not its secret."""
    return {
        "query_pk": sub.query_pk,
        "dest": sub.dest,
        "stream": sub.stream,
        "schedule": sub.schedule,
        "initialRecordTime": _iso(sub.initial_record_time),
        "signed": sub.signature_token is not None,
    }


def unsubscribe(database: Database, actor: str, query_name: str, subscription_id: str) -> None:
    """End a subscription; its undelivered notifications are cancelled."""
    with database.write() as session:
        sub, _query = _owned(session, query_name, subscription_id)
        audit.record(
            session,
            actor=actor,
            action="subscription.delete",
            entity="subscription",
            entity_id=sub.id,
            before=_trail(sub),
        )
        outbox.cancel_pending(session, _reference(sub.id))
        session.delete(sub)


# -- notifications ---------------------------------------------------------------------------------------


def signature(token: str, body: bytes) -> str:
    """The `GS1-Signature` value of a notification body."""
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def notification(events: Sequence[dict[str, Any]], query_name: str, subscription_id: str) -> dict[str, Any]:
    """An EPCISQueryDocument (JSON-LD) carrying `events` for one subscription."""
    merged: dict[str, Any] = {}
    bodies = []
    for event in events:
        own = event.get("@context")
        for item in own if isinstance(own, list) else [own]:
            if isinstance(item, dict):
                merged.update(item)
        bodies.append({k: v for k, v in event.items() if k != "@context"})
    return {
        "@context": [CONTEXT, merged] if merged else [CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": _iso(utcnow()),
        "epcisBody": {
            "queryResults": {
                "queryName": query_name,
                "subscriptionID": subscription_id,
                "resultsBody": {"eventList": bodies},
            }
        },
    }


def _enqueue(
    session: Session, sub: Subscription, body: bytes, content_type: str, dedupe_key: str | None, now: datetime | None
) -> None:
    headers = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
    if sub.signature_token:
        headers[SIGNATURE_HEADER] = signature(sub.signature_token, body)
    outbox.enqueue(
        session,
        channel=CHANNEL,
        destination=sub.dest,
        body=body,
        content_type=content_type,
        headers=headers,
        reference=_reference(sub.id),
        dedupe_key=dedupe_key,
        now=now,
    )


def _pages(session: Session, query: NamedQuery, implicit: dict[str, list[str]]) -> Iterator[list[dict[str, Any]]]:
    params: dict[str, list[str]] = {**query.params, "perPage": [str(MAX_PER_PAGE)]}
    token: str | None = None
    while True:
        paged = {**params, "nextPageToken": [token]} if token else params
        page = run_query(session, parse_query(paged, implicit=implicit, extensions=query.extensions))
        yield page.events
        token = page.next_page_token
        if not token:
            return


class Notified(NamedTuple):
    sent: int  # messages enqueued
    failed: bool  # the query failed: its problem was sent instead of results


def _notify(
    session: Session,
    sub: Subscription,
    query: NamedQuery,
    implicit: dict[str, list[str]],
    *,
    report_if_empty: bool = False,
    dedupe: str | None = None,
    now: datetime | None = None,
) -> Notified:
    """Enqueue this subscription's results under `implicit` filters, one message per page (or the problem
    when its query fails)."""
    sent = 0
    try:
        # A savepoint per subscription: whatever its query does, the capture or the other subscriptions'
        # deliveries around it go on, and none of its own pages is left half sent.
        with session.begin_nested():
            for index, events in enumerate(_pages(session, query, implicit)):
                if events or (report_if_empty and index == 0):
                    body = json.dumps(notification(events, query.name, sub.id), separators=(",", ":")).encode()
                    key = f"{_reference(sub.id)}:{dedupe}:{index}" if dedupe else None
                    _enqueue(session, sub, body, "application/ld+json", key, now)
                    sent += 1
        return Notified(sent, failed=False)
    except (QueryTooLarge, QueryParameterError) as exc:
        # The binding reports server-side errors to the callback in the problem format of 4xx/5xx answers.
        problem = {"type": epcis_type(exc), "title": exc.title, "status": exc.status, "detail": exc.detail}
    except Exception:
        log.exception("subscription %s: its query failed", sub.id)
        problem = {
            "type": "epcisException:ImplementationException",
            "title": "The subscription's query failed",
            "status": 500,
            "detail": "the query of this subscription failed on the server; its results were not sent",
        }
    key = f"{_reference(sub.id)}:{dedupe}:error" if dedupe else None
    body = json.dumps({**problem, "subscriptionID": sub.id}).encode()
    _enqueue(session, sub, body, "application/problem+json", key, now)
    return Notified(1, failed=True)


def on_captured(session: Session, event_ids: Sequence[str]) -> int:
    """Evaluate every stream subscription over the events just stored, in the capture's transaction.

    Call it after the events are flushed and before the commit; returns the number of messages enqueued.
    """
    if not event_ids:
        return 0
    rows = session.execute(
        select(Subscription, NamedQuery)
        .join(NamedQuery, NamedQuery.id == Subscription.query_pk)
        .where(Subscription.stream.is_(True))
        .order_by(Subscription.id)
    ).all()
    sent = 0
    for sub, query in rows:
        for start in range(0, len(event_ids), EVENT_ID_CHUNK):
            notified = _notify(session, sub, query, {"EQ_eventID": list(event_ids[start : start + EVENT_ID_CHUNK])})
            sent += notified.sent
            if notified.failed:
                break  # the query fails alike for the other chunks: one problem report per capture
    return sent


def run_due_schedules(
    database: Database, *, now: datetime | None = None, safety_lag: timedelta = SAFETY_LAG, limit: int = 100
) -> int:
    """Run the scheduled subscriptions due at `now`: enqueue their results and advance their marks."""
    now = now or utcnow()
    cutoff = now - safety_lag
    with database.write() as session:
        stmt = (
            select(Subscription, NamedQuery)
            .join(NamedQuery, NamedQuery.id == Subscription.query_pk)
            .where(Subscription.next_run_at <= now)
            .order_by(Subscription.next_run_at, Subscription.id)
            .limit(limit)
        )
        if not database.is_sqlite:  # concurrent workers each take different subscriptions
            stmt = stmt.with_for_update(skip_locked=True, of=Subscription)
        rows = session.execute(stmt).all()
        for sub, query in rows:
            start = sub.min_record_time
            window = {"GE_recordTime": [start.isoformat()], "LT_recordTime": [max(start, cutoff).isoformat()]}
            _notify(session, sub, query, window, report_if_empty=sub.report_if_empty, dedupe=_iso(cutoff), now=now)
            sub.min_record_time = max(start, cutoff)
            schedule = parse_schedule(sub.schedule or {})
            sub.next_run_at = schedule.next_after(now)
        return len(rows)
