"""One JSON-LD context for stored events captured apart: prefixes that clash are renamed, never merged."""

from __future__ import annotations

import json
from typing import Any

from app.services.eventstore import with_shared_context
from epcis import parse

CBVMDA = "urn:epcglobal:cbv:mda:"
USHC = "http://epcis.gs1us.org/hc/ns"


def _event(context: dict[str, str], fields: dict[str, Any], time: str) -> dict[str, Any]:
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", context],
        "type": "ObjectEvent",
        "eventTime": time,
        "eventTimeZoneOffset": "+00:00",
        "epcList": ["https://id.gs1.org/01/09506000134352/21/A1"],
        "action": "OBSERVE",
        **fields,
    }


def test_a_prefix_bound_to_two_namespaces_is_split_and_every_field_keeps_its_namespace() -> None:
    first = _event({"ext1": CBVMDA}, {"ext1:lotNumber": "L1"}, "2026-01-01T00:00:00Z")
    second = _event(
        {"ext1": USHC, "ext2": CBVMDA}, {"ext1:dropShipment": "false", "ext2:lotNumber": "L2"}, "2026-01-02T00:00:00Z"
    )
    third = _event({"ext1": CBVMDA}, {"ext1:lotNumber": "L3"}, "2026-01-03T00:00:00Z")
    context, events = with_shared_context([first, second, third])
    assert context[1] == {"ext1": CBVMDA, "ext1_2": USHC, "ext2": CBVMDA}
    assert events[1]["ext1_2:dropShipment"] == "false" and "ext1:dropShipment" not in events[1]
    assert events[2]["ext1:lotNumber"] == "L3"
    doc = parse(
        json.dumps(
            {
                "@context": context,
                "type": "EPCISDocument",
                "schemaVersion": "2.0",
                "creationDate": "2026-01-03T00:00:00Z",
                "epcisBody": {"eventList": events},
            }
        )
    )
    fields = [{x.name: x.text for x in e.extensions} for e in doc.events]
    assert fields == [
        {f"{{{CBVMDA}}}lotNumber": "L1"},
        {f"{{{USHC}}}dropShipment": "false", f"{{{CBVMDA}}}lotNumber": "L2"},
        {f"{{{CBVMDA}}}lotNumber": "L3"},
    ]


def test_bodies_without_clashes_pass_through_unchanged() -> None:
    body = _event({"ext1": CBVMDA}, {"ext1:lotNumber": "L1"}, "2026-01-01T00:00:00Z")
    context, events = with_shared_context([body, body])
    assert context[1] == {"ext1": CBVMDA}
    assert events == [{k: v for k, v in body.items() if k != "@context"}] * 2
