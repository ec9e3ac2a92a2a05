"""Storing EPCIS events once: the JSON-LD body, the hash ID and the indexed rows queries filter on."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from itertools import repeat
from operator import itemgetter
from typing import Any
from urllib.parse import quote

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.models import EpcisEvent, EventEpc, EventField, EventLink, EventQuantity, LocationLink
from app.services.bulk import insert_rows, member
from epcis import gs1, model
from epcis.hashing import event_hash
from epcis.jsonld import to_jsonld

EPC_ROLES = (("epc_list", "epc"), ("child_epcs", "child"), ("input_epc_list", "input"), ("output_epc_list", "output"))
QUANTITY_ROLES = (
    ("quantity_list", "quantity"),
    ("child_quantity_list", "child"),
    ("input_quantity_list", "input"),
    ("output_quantity_list", "output"),
)


# Already canonical: a GTIN-14 with an alphanumeric serial, or an SSCC, on id.gs1.org (the form this service
# issues). Parsing such a value gives it back unchanged, so the parse is skipped on this hot path.
_CANONICAL = re.compile(r"https://id\.gs1\.org/(?:01/\d{14}/21/[A-Za-z0-9]{1,20}|00/\d{18})\Z")


def canonical(epc: str) -> str:
    """The key EPCs are indexed and compared by: the canonical Digital Link when GS1, else the value."""
    if _CANONICAL.match(epc):
        return str(epc)  # a plain str: sorts, hashes and binds faster than the model's `Epc` subclass
    return parsed_key(epc) or str(epc)


def gs1_key(epc: str) -> str | None:
    """The canonical Digital Link of a GS1 identifier in any EPC URN or Digital Link form, else None.

    A serial with %-escapes (or a link with qualifiers the hash rules' form leaves out) is decoded and
    spelled again by `sgtin_key`, so that every form of one item has one key.
    """
    if _CANONICAL.match(epc):
        return str(epc)
    return parsed_key(epc)


def parsed_key(epc: str) -> str | None:
    """`gs1_key` worked out by parsing, without the shortcut for links already canonical."""
    link = model.Epc(epc).digital_link
    if link is not None and "%" not in link:
        return link
    try:
        data = gs1.parse(link or epc) if (link or epc).startswith(("http://", "https://")) else None
    except gs1.Gs1Error:
        data = None
    if data is not None and "01" in data and "21" in data:
        return sgtin_key(data["01"], data["21"])
    return link


# The characters a serial keeps as they are in a key (besides letters, digits, "_", "." and "-", which
# `quote` always keeps): those the canonical links of `epcis.epc` keep that are also plain in a URI path.
# Every other character is %-escaped with upper-case hex.
_SERIAL_KEEPS = "';="


def sgtin_key(gtin: str, serial: str) -> str:
    """The key of the serialised item (01) `gtin` (14 digits) (21) `serial`."""
    return f"https://id.gs1.org/01/{gtin}/21/{quote(serial, safe=_SERIAL_KEEPS)}"


# What the indexed columns hold (the event body itself is unbounded JSON). A value beyond it is refused with
# its field before anything is written: PostgreSQL would otherwise fail the insert, SQLite store it whole.
# The lengths are the columns' own.
QUANTITY_LIMIT = Decimal(10) ** 18  # Numeric(24, 6)
_QUANTITY_FIELDS = (
    ("quantity_list", "quantityList"),
    ("child_quantity_list", "childQuantityList"),
    ("input_quantity_list", "inputQuantityList"),
    ("output_quantity_list", "outputQuantityList"),
)
_EPC_FIELDS = (
    ("epc_list", "epcList"),
    ("child_epcs", "childEPCs"),
    ("input_epc_list", "inputEPCList"),
    ("output_epc_list", "outputEPCList"),
)


def _length(column: Any) -> int:
    return int(column.type.length)


def storage_problem(event: model.Event) -> tuple[str, str] | None:
    """The first value of `event` its indexed rows cannot hold, as (field, detail); None when all fit.

    Also a time the schema allows but UTC cannot hold (9999-12-31T23:00:00-14:00 is in year 10000).
    """
    declared = event.error_declaration
    texts: list[tuple[str, Any, Any]] = [
        ("eventID", event.event_id, EpcisEvent.event_id),
        ("bizStep", event.biz_step, EpcisEvent.biz_step),
        ("disposition", event.disposition, EpcisEvent.disposition),
        ("readPoint.id", event.read_point.id if event.read_point else None, EpcisEvent.read_point),
        ("bizLocation.id", event.biz_location.id if event.biz_location else None, EpcisEvent.biz_location),
        ("parentID", getattr(event, "parent_id", None), EventEpc.epc),
        ("transformationID", getattr(event, "transformation_id", None), EpcisEvent.transformation_id),
        ("errorDeclaration.reason", declared.reason if declared else None, EpcisEvent.error_reason),
    ]
    epc_limit = _length(EventEpc.epc)
    for attr, name in _EPC_FIELDS:
        values = getattr(event, attr, None) or ()
        if values and max(map(len, values)) > epc_limit:
            i = next(i for i, v in enumerate(values) if len(v) > epc_limit)
            texts.append((f"{name}[{i}]", values[i], EventEpc.epc))
    links: tuple[tuple[str, Sequence[Any]], ...] = (
        ("bizTransactionList", event.biz_transactions),
        ("sourceList", event.sources),
        ("destinationList", event.destinations),
    )
    for kind, items in links:
        for i, item in enumerate(items):
            texts += [(f"{kind}[{i}]", item.value, EventLink.value), (f"{kind}[{i}].type", item.type, EventLink.type)]
    fields = [*(getattr(event, "ilmd", None) or ()), *event.extensions]
    texts += [(f"field {x.name[:40]}", x.name, EventField.name) for x in fields]
    for field, value, column in texts:
        if value is not None and len(value) > _length(column):
            return field, f"{len(value):,} characters; at most {_length(column)} are kept here"
    for attr, name in _QUANTITY_FIELDS:
        for i, q in enumerate(getattr(event, attr, None) or ()):
            if len(q.epc_class) > _length(EventQuantity.epc_class):
                return (
                    f"{name}[{i}].epcClass",
                    f"{len(q.epc_class):,} characters; at most {_length(EventQuantity.epc_class)}",
                )
            if q.quantity is not None and not (q.quantity.is_finite() and abs(q.quantity) < QUANTITY_LIMIT):
                return f"{name}[{i}].quantity", f"{q.quantity} is out of range (below 10^18)"
            if q.uom is not None and len(q.uom) > _length(EventQuantity.uom):
                return (
                    f"{name}[{i}].uom",
                    f"{q.uom!r} is not a unit code (at most {_length(EventQuantity.uom)} characters)",
                )
    times = (
        ("eventTime", event.event_time),
        ("recordTime", event.record_time),
        ("errorDeclaration.declarationTime", declared.declaration_time if declared else None),
    )
    for name, value in times:
        if value is not None and value.year in (1, 9999):  # only the first and last year can overflow
            try:
                value.astimezone(UTC)
            except OverflowError:
                return name, f"{value.isoformat()} is out of range (years 1 to 9999 in UTC)"
    return None


def event_json(event: model.Event) -> dict[str, Any]:
    """One event as its EPCIS 2.0 JSON-LD object, with the prefixes of its extensions in its `@context`."""
    doc = to_jsonld(model.Document(events=[event]))
    body: dict[str, Any] = doc["epcisBody"]["eventList"][0]
    extra = [c for c in doc["@context"] if isinstance(c, dict)]
    if extra:
        body = {"@context": extra, **body}
    return body


def find(session: Session, event_id: str) -> EpcisEvent | None:
    return session.scalar(select(EpcisEvent).where(EpcisEvent.event_id == event_id))


def hashes(session: Session, keys: Sequence[str]) -> dict[str, str]:
    """The hash IDs of those of the stored events (by key) that exist."""
    out: dict[str, str] = {}
    keys = list(dict.fromkeys(keys))
    for i in range(0, len(keys), CHUNK):
        query = select(EpcisEvent.event_id, EpcisEvent.hash_id).where(
            member(session, EpcisEvent.event_id, keys[i : i + CHUNK])
        )
        out.update({key: digest for key, digest in session.execute(query)})
    return out


EVENT_COLUMNS = (
    "event_id",
    "hash_id",
    "event_type",
    "action",
    "event_time",
    "event_time_zone_offset",
    "record_time",
    "biz_step",
    "disposition",
    "read_point",
    "biz_location",
    "transformation_id",
    "error_declaration_time",
    "error_reason",
    "capture_id",
    "captured_by",
    "body",
)
CHUNK = 50_000


def _event_row(
    event: model.Event,
    *,
    record_time: datetime,
    captured_by: str,
    capture_id: str | None,
    hash_id: str | None,
    row_key: str | None,
    canon: Callable[[str], str],
) -> dict[str, Any]:
    assert event.event_id is not None
    event.record_time = record_time
    err = event.error_declaration
    return {
        "event_id": row_key or event.event_id,
        "hash_id": hash_id or event_hash(event),
        "event_type": event.TYPE,
        "action": getattr(event, "action", None),
        "event_time": event.event_time,
        "event_time_zone_offset": event.event_time_zone_offset,
        "record_time": record_time,
        "biz_step": event.biz_step,
        "disposition": event.disposition,
        "read_point": canon(event.read_point.id) if event.read_point else None,
        "biz_location": canon(event.biz_location.id) if event.biz_location else None,
        "transformation_id": getattr(event, "transformation_id", None),
        "error_declaration_time": err.declaration_time if err else None,
        "error_reason": err.reason if err else None,
        "capture_id": capture_id,
        "captured_by": captured_by,
        "body": event_json(event),
    }


def store(
    session: Session,
    event: model.Event,
    *,
    record_time: datetime,
    captured_by: str,
    capture_id: str | None,
    hash_id: str | None = None,
    row_key: str | None = None,
) -> EpcisEvent:
    """Insert one event and its index rows (the caller has set `event.event_id`).

    `row_key` stores an error declaration, which repeats the eventID of the event it declares in
    error, under a key of its own (the body keeps the original eventID).
    """
    values = _event_row(
        event,
        record_time=record_time,
        captured_by=captured_by,
        capture_id=capture_id,
        hash_id=hash_id,
        row_key=row_key,
        canon=canonical,
    )
    row = EpcisEvent(**values)
    session.add(row)
    session.flush()
    _insert_index(session, [(row.id, event)], canonical, _canonicals(canonical))
    return row


def _canonicals(canon: Callable[[str], str]) -> Callable[[Sequence[str]], list[str]]:
    return lambda epcs: [canon(e) for e in epcs]


def _epc_rows(
    events: list[tuple[int, model.Event]], canon: Callable[[str], str], canons: Callable[[Sequence[str]], list[str]]
) -> list[tuple[str, str, int]]:
    """(epc, role, event pk) of every EPC the events name, parents included, sorted (the index's key order).

    Rows are gathered in (role, pk) order, then stably sorted on the EPC alone: the same order as sorting
    the whole tuples, at the cost of comparing plain strings.
    """
    by_role: dict[str, list[tuple[str, str, int]]] = {}
    ordered = sorted(events, key=itemgetter(0))
    for attr, role in EPC_ROLES:
        rows = by_role.setdefault(role, [])
        for pk, event in ordered:
            keys = canons(getattr(event, attr, ()))
            if keys:
                rows += zip(keys, repeat(role), repeat(pk))
    by_role["parent"] = [(canon(p), "parent", pk) for pk, event in ordered if (p := getattr(event, "parent_id", None))]
    out = [row for role in sorted(by_role) for row in by_role[role]]
    out.sort(key=itemgetter(0))
    return out


def _insert_index(
    session: Session,
    events: list[tuple[int, model.Event]],
    canon: Callable[[str], str],
    canons: Callable[[Sequence[str]], list[str]],
) -> None:
    """The indexed rows of stored events (by primary key): EPCs, quantities, links, ILMD and extension fields."""
    epcs = _epc_rows(events, canon, canons)
    insert_rows(session, "epcis_event_epc", ("epc", "role", "event_pk"), epcs)
    quantities = [
        {"event_pk": pk, "role": role, "epc_class": canon(q.epc_class), "quantity": q.quantity, "uom": q.uom}
        for pk, event in events
        for attr, role in QUANTITY_ROLES
        for q in getattr(event, attr, ())
    ]
    if quantities:
        session.execute(insert(EventQuantity), quantities)
    links: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    for pk, event in events:
        links += [
            {"event_pk": pk, "kind": "bizTransaction", "type": b.type, "value": b.value} for b in event.biz_transactions
        ]
        links += [{"event_pk": pk, "kind": "source", "type": s.type, "value": canon(s.value)} for s in event.sources]
        links += [
            {"event_pk": pk, "kind": "destination", "type": d.type, "value": canon(d.value)} for d in event.destinations
        ]
        fields += [
            {"event_pk": pk, "part": "ilmd", "name": x.name, "value": x.text}
            for x in getattr(event, "ilmd", None) or ()
        ]
        fields += [{"event_pk": pk, "part": "ext", "name": x.name, "value": x.text} for x in event.extensions]
    if links:
        session.execute(insert(EventLink), links)
    if fields:
        session.execute(insert(EventField), fields)


class Pending:
    """Events a capture has accepted, written with their index rows in one go by `flush`.

    `hash_of` answers for every event added, written or not, so repeats within a document are seen.
    """

    def __init__(
        self, canon: Callable[[str], str] = canonical, canons: Callable[[Sequence[str]], list[str]] | None = None
    ) -> None:
        self.canon = canon
        self.canons = canons or _canonicals(canon)
        self._hashes: dict[str, str] = {}
        self._rows: list[dict[str, Any]] = []
        self._events: list[model.Event] = []

    def hash_of(self, key: str) -> str | None:
        return self._hashes.get(key)

    def add(
        self,
        event: model.Event,
        *,
        record_time: datetime,
        captured_by: str,
        capture_id: str | None,
        hash_id: str,
        row_key: str | None = None,
    ) -> None:
        row = _event_row(
            event,
            record_time=record_time,
            captured_by=captured_by,
            capture_id=capture_id,
            hash_id=hash_id,
            row_key=row_key,
            canon=self.canon,
        )
        self._hashes[row["event_id"]] = hash_id
        self._rows.append(row)
        self._events.append(event)

    def flush(self, session: Session) -> None:
        """Insert the events added since the last flush, then their index rows."""
        if not self._rows:
            return
        rows = [tuple(json.dumps(r[c]) if c == "body" else r[c] for c in EVENT_COLUMNS) for r in self._rows]
        insert_rows(session, "epcis_event", EVENT_COLUMNS, rows)
        keys = [r["event_id"] for r in self._rows]
        pks: dict[str, int] = {}
        for i in range(0, len(keys), CHUNK):
            query = select(EpcisEvent.event_id, EpcisEvent.id).where(
                member(session, EpcisEvent.event_id, keys[i : i + CHUNK])
            )
            pks.update({key: pk for key, pk in session.execute(query)})
        _insert_index(session, [(pks[k], e) for k, e in zip(keys, self._events, strict=True)], self.canon, self.canons)
        self._rows, self._events = [], []


def declarations(session: Session, event_id: str) -> list[EpcisEvent]:
    """Error declarations stored for `event_id` (keys `<eventID>#declaration-<n>`)."""
    return list(
        session.scalars(
            select(EpcisEvent).where(EpcisEvent.event_id.startswith(event_id + DECLARATION, autoescape=True))
        )
    )


DECLARATION = "#declaration-"


LOCATION_VOCABULARIES = frozenset({"urn:epcglobal:epcis:vtype:BusinessLocation", "urn:epcglobal:epcis:vtype:ReadPoint"})


def store_hierarchy(session: Session, document: model.Document) -> int:
    """Keep the location hierarchy (`children`) of a captured header's master data; returns new links."""
    header = document.header
    if header is None:
        return 0
    links = {
        (canonical(element.id), canonical(child))
        for vocabulary in header.master_data
        if vocabulary.type in LOCATION_VOCABULARIES
        for element in vocabulary.elements
        for child in element.children
    }
    if not links:
        return 0
    parents = sorted({p for p, _ in links})
    rows = session.execute(select(LocationLink.parent, LocationLink.child).where(LocationLink.parent.in_(parents)))
    known = {(p, c) for p, c in rows}
    new = sorted(links - known)
    if new:
        session.execute(insert(LocationLink), [{"parent": p, "child": c} for p, c in new])
    return len(new)


def descendants(session: Session, roots: set[str]) -> set[str]:
    """Every location below `roots` in the stored master-data hierarchy."""
    found: set[str] = set()
    frontier = set(roots)
    while frontier:
        children = set(session.scalars(select(LocationLink.child).where(LocationLink.parent.in_(sorted(frontier)))))
        frontier = children - found - roots
        found |= frontier
    return found


def with_shared_context(bodies: list[dict[str, Any]]) -> tuple[list[Any], list[dict[str, Any]]]:
    """The `@context` of a document holding these stored event bodies (the EPCIS context plus every
    extension prefix they use), and the bodies without their own `@context`. Events captured apart may use
    one prefix for different namespaces (generated `ext1`, say): such a prefix is renamed in the later
    event's keys, so every field keeps its namespace."""
    from epcis.jsonld import EPCIS_CONTEXT

    prefixes: dict[str, Any] = {}
    out: list[dict[str, Any]] = []
    for body in bodies:
        renames: dict[str, str] = {}
        for item in body.get("@context") or []:
            if not isinstance(item, dict):
                continue
            for prefix, namespace in item.items():
                known = prefixes.get(prefix)
                if known is None:
                    prefixes[prefix] = namespace
                elif known != namespace:
                    same = next((p for p, ns in prefixes.items() if ns == namespace), None)
                    if same is None:
                        same = next(f"{prefix}_{n}" for n in range(2, 10_000) if f"{prefix}_{n}" not in prefixes)
                        prefixes[same] = namespace
                    renames[prefix] = same
        event = {k: v for k, v in body.items() if k != "@context"}
        out.append(_renamed(event, renames) if renames else event)
    context: list[Any] = [EPCIS_CONTEXT, prefixes] if prefixes else [EPCIS_CONTEXT]
    return context, out


def _renamed(value: Any, renames: dict[str, str]) -> Any:
    """`value` with every key `old:name` written `new:name` (extension fields, at any depth)."""
    if isinstance(value, list):
        return [_renamed(v, renames) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        prefix, colon, rest = key.partition(":")
        if colon and prefix in renames:
            key = f"{renames[prefix]}:{rest}"
        out[key] = _renamed(item, renames)
    return out
