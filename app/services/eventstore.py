"""Storing EPCIS events once: the JSON-LD body, the hash ID and the indexed rows queries filter on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.models import EpcisEvent, EventField, EventLink, EventQuantity, LocationLink
from app.services.bulk import insert_rows
from epcis import model
from epcis.hashing import event_hash
from epcis.jsonld import to_jsonld

EPC_ROLES = (("epc_list", "epc"), ("child_epcs", "child"), ("input_epc_list", "input"), ("output_epc_list", "output"))
QUANTITY_ROLES = (
    ("quantity_list", "quantity"),
    ("child_quantity_list", "child"),
    ("input_quantity_list", "input"),
    ("output_quantity_list", "output"),
)


def canonical(epc: str) -> str:
    """The key EPCs are indexed and compared by: the canonical Digital Link when GS1, else the value."""
    return model.Epc(epc).digital_link or str(epc)


def event_json(event: model.Event) -> dict[str, Any]:
    """One event as its EPCIS 2.0 JSON-LD object, with the prefixes of its extensions in its `@context`."""
    doc = to_jsonld(model.Document(events=[event]))
    body: dict[str, Any] = doc["epcisBody"]["eventList"][0]
    extra = [c for c in doc["@context"] if isinstance(c, dict)]
    if extra:
        body = {"@context": extra, **body}
    return body


def epcs_of(event: model.Event) -> list[tuple[str, str]]:
    """(role, canonical EPC) pairs an event names, parent included."""
    out = [(role, canonical(e)) for attr, role in EPC_ROLES for e in getattr(event, attr, ())]
    parent = getattr(event, "parent_id", None)
    if parent:
        out.append(("parent", canonical(parent)))
    return out


def find(session: Session, event_id: str) -> EpcisEvent | None:
    return session.scalar(select(EpcisEvent).where(EpcisEvent.event_id == event_id))


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
    assert event.event_id is not None
    event.record_time = record_time
    err = event.error_declaration
    row = EpcisEvent(
        event_id=row_key or event.event_id,
        hash_id=hash_id or event_hash(event),
        event_type=event.TYPE,
        action=getattr(event, "action", None),
        event_time=event.event_time,
        event_time_zone_offset=event.event_time_zone_offset,
        record_time=record_time,
        biz_step=event.biz_step,
        disposition=event.disposition,
        read_point=canonical(event.read_point.id) if event.read_point else None,
        biz_location=canonical(event.biz_location.id) if event.biz_location else None,
        transformation_id=getattr(event, "transformation_id", None),
        error_declaration_time=err.declaration_time if err else None,
        error_reason=err.reason if err else None,
        capture_id=capture_id,
        captured_by=captured_by,
        body=event_json(event),
    )
    session.add(row)
    session.flush()
    pk = row.id
    insert_rows(
        session, "epcis_event_epc", ("event_pk", "role", "epc"), [(pk, role, epc) for role, epc in epcs_of(event)]
    )
    quantities = [
        {"event_pk": pk, "role": role, "epc_class": canonical(q.epc_class), "quantity": q.quantity, "uom": q.uom}
        for attr, role in QUANTITY_ROLES
        for q in getattr(event, attr, ())
    ]
    if quantities:
        session.execute(insert(EventQuantity), quantities)
    links = [
        {"event_pk": pk, "kind": "bizTransaction", "type": b.type, "value": b.value} for b in event.biz_transactions
    ]
    links += [{"event_pk": pk, "kind": "source", "type": s.type, "value": canonical(s.value)} for s in event.sources]
    links += [
        {"event_pk": pk, "kind": "destination", "type": d.type, "value": canonical(d.value)} for d in event.destinations
    ]
    if links:
        session.execute(insert(EventLink), links)
    fields = [
        {"event_pk": pk, "part": "ilmd", "name": x.name, "value": x.text} for x in getattr(event, "ilmd", None) or ()
    ]
    fields += [{"event_pk": pk, "part": "ext", "name": x.name, "value": x.text} for x in event.extensions]
    if fields:
        session.execute(insert(EventField), fields)
    return row


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
    extension prefix they use), and the bodies without their own `@context`."""
    from epcis.jsonld import EPCIS_CONTEXT

    prefixes: dict[str, Any] = {}
    for body in bodies:
        for item in body.get("@context") or []:
            if isinstance(item, dict):
                prefixes.update(item)
    context: list[Any] = [EPCIS_CONTEXT, prefixes] if prefixes else [EPCIS_CONTEXT]
    return context, [{k: v for k, v in b.items() if k != "@context"} for b in bodies]
