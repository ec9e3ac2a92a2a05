"""EPCIS 2.0 push: when goods ship to a partner with an EPCIS 2.0 repository, the events of exactly the
shipped hierarchy (commissioning, packing, shipping) are captured into it through the outbox."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import EpcisEvent, EventEpc, PartnerChannel, TradingPartner
from app.services import eventstore, outbox, state
from app.services.bulk import member
from epcis import model

CHANNEL = "epcis2"
_PARTY = re.compile(r"https://id\.gs1\.org/(?:417|414)/(\d{13})")


def _partner_channel(session: Session, event: model.Event) -> PartnerChannel | None:
    for dest in event.destinations:
        match = _PARTY.match(eventstore.canonical(dest.value))
        if match is None:
            continue
        channel = session.scalar(
            select(PartnerChannel)
            .join(TradingPartner, TradingPartner.id == PartnerChannel.partner_id)
            .where(
                TradingPartner.gln == match.group(1), PartnerChannel.channel == CHANNEL, PartnerChannel.active.is_(True)
            )
        )
        if channel is not None:
            return channel
    return None


def on_captured(session: Session, events: list[model.Event]) -> int:
    """Queue one push per shipping event bound for a partner with an EPCIS 2.0 channel; returns how many."""
    queued = 0
    for event in events:
        if event.biz_step != "shipping" or not event.destinations:
            continue
        channel = _partner_channel(session, event)
        if channel is None:
            continue
        shipped = [eventstore.canonical(e) for e in getattr(event, "epc_list", [])]
        codes = shipped + state.descendants(session, shipped)
        bodies = list(
            session.scalars(
                select(EpcisEvent.body)
                .where(EpcisEvent.id.in_(select(EventEpc.event_pk).where(member(session, EventEpc.epc, codes))))
                .order_by(EpcisEvent.event_time, EpcisEvent.id)
            )
        )
        outbox.enqueue(
            session,
            channel=CHANNEL,
            destination=channel.endpoint,
            body=_document(bodies),
            content_type="application/ld+json",
            partner_channel_id=channel.id,
            reference=f"{CHANNEL}:{event.event_id}",  # per channel: another channel's refusal does not hold it back
            dedupe_key=f"{CHANNEL}:{channel.id}:{event.event_id}",
        )
        queued += 1
    return queued


def _document(bodies: list[dict[str, Any]]) -> bytes:
    context, events = eventstore.with_shared_context(bodies)
    events = [{k: v for k, v in e.items() if k != "recordTime"} for e in events]  # the receiver records its own
    return json.dumps(
        {
            "@context": context,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": events[-1]["eventTime"] if events else "1970-01-01T00:00:00Z",
            "epcisBody": {"eventList": events},
        }
    ).encode()
