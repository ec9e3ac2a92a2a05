"""Regulator exports: the events of a batch, a business transaction (a shipment's despatch advice or
PO) or a time window, as EPCIS 2.0 XML, JSON-LD or EPCIS 1.2 XML, validated before they are served."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select

from app.errors import NotFound, ValidationFailed
from app.extensions import Database
from app.models import Batch, CodeState, EpcisEvent, EventEpc, EventLink
from app.services import eventstore
from epcis import model
from epcis.errors import EpcisError
from epcis.jsonld import parse_jsonld, to_jsonld
from epcis.validate import validate
from epcis.xml import to_xml

ExportFormat = Literal["xml", "jsonld", "xml-1.2"]
FORMATS: tuple[str, ...] = ("xml", "jsonld", "xml-1.2")
MAX_EVENTS = 100_000


def _bodies(
    database: Database,
    *,
    batch_id: int | None,
    biz_transaction: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[dict[str, Any]]:
    query = select(EpcisEvent.body).order_by(EpcisEvent.event_time, EpcisEvent.id)
    with database.read() as session:
        if batch_id is not None:
            if session.get(Batch, batch_id) is None:
                raise NotFound(f"no batch with id {batch_id}", field="batch_id")
            codes = select(CodeState.epc).where(CodeState.batch_id == batch_id)
            query = query.where(EpcisEvent.id.in_(select(EventEpc.event_pk).where(EventEpc.epc.in_(codes))))
        if biz_transaction is not None:
            query = query.where(
                EpcisEvent.id.in_(
                    select(EventLink.event_pk).where(
                        EventLink.kind == "bizTransaction", EventLink.value == biz_transaction
                    )
                )
            )
        if since is not None:
            query = query.where(EpcisEvent.event_time >= since)
        if until is not None:
            query = query.where(EpcisEvent.event_time < until)
        bodies = list(session.scalars(query.limit(MAX_EVENTS + 1)))
    if len(bodies) > MAX_EVENTS:
        raise ValidationFailed(f"more than {MAX_EVENTS:,} events match: narrow the window", field="until")
    return bodies


def export(
    database: Database,
    fmt: ExportFormat,
    *,
    batch_id: int | None = None,
    biz_transaction: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[bytes, str]:
    """The export document and its media type; it is schema-validated before it leaves."""
    if batch_id is None and biz_transaction is None and since is None:
        raise ValidationFailed("choose a batch_id, a biz_transaction or a time window (from, to)", field="batch_id")
    bodies = _bodies(database, batch_id=batch_id, biz_transaction=biz_transaction, since=since, until=until)
    context, events = eventstore.with_shared_context(bodies)
    now = datetime.now(UTC)
    source = {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": model.format_time(now),
        "epcisBody": {"eventList": events},
    }
    document = parse_jsonld(json.dumps(source))
    try:
        if fmt == "jsonld":
            data, media = json.dumps(to_jsonld(document)).encode(), "application/ld+json"
        else:
            data, media = to_xml(document, version="1.2" if fmt == "xml-1.2" else "2.0"), "application/xml"
    except EpcisError as exc:
        raise ValidationFailed(f"these events cannot be written as {fmt}: {exc}", field="format") from None
    issues = validate(data)
    if issues:
        raise ValidationFailed(
            f"the export failed its own schema check: {issues[0].field}: {issues[0].message}", field="format"
        )
    return data, media
