"""One document carrying a whole flow: each event is checked against the state the events before it left,
whether or not they are written yet; rejected events leave no trace (proceed) or nothing is kept (rollback)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.models import EventEpc
from tests.conftest import row_counts
from tests.epcis_api.flows import issue, new_case
from tests.epcis_api.test_capture import capture, commissioning, dl, document, event, event_count, packing, states

Auth = dict[str, dict[str, str]]


def index_rows(database: Any) -> list[tuple[str, str]]:
    with database.read() as session:
        return sorted((r.role, r.epc) for r in session.scalars(select(EventEpc)))


def test_commission_pack_and_ship_in_one_document(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]
) -> None:
    serials = issue(client, auth, batch, 4)
    cases = [new_case(client, auth), new_case(client, auth)]
    pallet = new_case(client, auth)
    packs = [dl(s) for s in serials]
    body = document(
        commissioning(serials, minute=1),
        packing(cases[0], packs[:2], minute=2),
        packing(cases[1], packs[2:], minute=3),
        packing(pallet, cases, minute=4),
        event("ObjectEvent", "OBSERVE", "shipping", 5, epcList=[pallet], disposition="in_transit"),
    )
    job = capture(client, auth, body)
    assert (job["success"], job["capturedCount"], job["errors"]) == (True, 5, [])
    now = states(database)
    assert {e: now[e].parent for e in [*packs, *cases, pallet]} == {
        **dict.fromkeys(packs[:2], cases[0]),
        **dict.fromkeys(packs[2:], cases[1]),
        **dict.fromkeys(cases, pallet),
        pallet: None,
    }
    assert {now[e].status for e in now} == {"shipped"}
    assert {now[e].disposition for e in now} == {"in_transit"}
    assert now[packs[0]].batch_id == batch["id"] and now[packs[0]].gtin == batch["gtin"]
    assert index_rows(database) == sorted(
        [("epc", p) for p in packs]
        + [("child", p) for p in packs]
        + [("child", c) for c in cases]
        + [("parent", c) for c in cases]
        + [("parent", pallet), ("epc", pallet)]
    )
    # The same document again is an idempotent repeat: nothing new, nothing rejected.
    again = capture(client, auth, body)
    assert (again["success"], again["capturedCount"]) == (True, 0)
    assert event_count(database) == 5


def flow(serials: list[str], cases: list[str]) -> bytes:
    """Five events; the third packs a code that the second already packed elsewhere."""
    packs = [dl(s) for s in serials]
    return document(
        commissioning(serials, minute=1),
        packing(cases[0], packs[:1], minute=2),
        packing(cases[1], packs[:2], minute=3),
        packing(cases[1], packs[1:], minute=4),
        event("AggregationEvent", "DELETE", "unpacking", 5, parentID=cases[0]),
    )


def test_proceed_keeps_the_good_events_and_later_events_see_only_them(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]
) -> None:
    serials = issue(client, auth, batch, 3)
    cases = [new_case(client, auth), new_case(client, auth)]
    packs = [dl(s) for s in serials]
    job = capture(client, auth, flow(serials, cases), behaviour="proceed")
    assert (job["success"], job["capturedCount"]) == (False, 4)
    assert [(e["eventIndex"], e["instance"], e["detail"]) for e in job["errors"]] == [
        (2, "eventList[2].childEPCs[0]", f"{packs[0]} is already packed in {cases[0]}; unpack it first")
    ]
    now = states(database)
    # The unpacking (no childEPCs: everything in the case) found the pack the second event put there.
    assert {p: now[p].parent for p in packs} == {packs[0]: None, packs[1]: cases[1], packs[2]: cases[1]}
    assert {c: now[c].status for c in cases} == dict.fromkeys(cases, "commissioned")
    assert event_count(database) == 4


def test_rollback_writes_nothing_of_a_document_with_one_bad_event(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]
) -> None:
    serials = issue(client, auth, batch, 3)
    cases = [new_case(client, auth), new_case(client, auth)]
    before = row_counts(database)
    job = capture(client, auth, flow(serials, cases))
    assert (job["success"], job["capturedCount"], [e["eventIndex"] for e in job["errors"]]) == (False, 0, [2])
    # Only the job that reports the failure is left behind.
    assert row_counts(database) == {**before, "capture_job": before["capture_job"] + 1}


@pytest.mark.parametrize("behaviour", ["rollback", "proceed"])
def test_a_code_listed_twice_and_an_eventid_reused_in_one_document(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], behaviour: str
) -> None:
    serials = issue(client, auth, batch, 3)
    twice = commissioning(serials[:2], minute=1)
    twice["epcList"].append(f"urn:epc:id:sgtin:9506000.013435.{serials[0]}")  # the first code, as an EPC URN
    job = capture(client, auth, document(twice), behaviour=behaviour)
    assert [(e["instance"], e["detail"]) for e in job["errors"]] == [
        ("eventList[0].epcList[2]", f"{dl(serials[0])} is listed twice")
    ]
    first = {**commissioning(serials[:1], minute=2), "eventID": "urn:uuid:1f0c2b7e-3d4a-4e8b-9c1d-2a3b4c5d6e7f"}
    reused = {**commissioning(serials[1:2], minute=3), "eventID": first["eventID"]}
    job = capture(client, auth, document(first, first, reused), behaviour=behaviour)
    assert [(e["eventIndex"], e["detail"]) for e in job["errors"]] == [
        (2, f"eventID {first['eventID']} is already used by a different event")
    ]
    kept = set(states(database))
    assert kept == ({dl(serials[0])} if behaviour == "proceed" else set())
    assert event_count(database) == len(kept)


def test_decommission_and_its_error_declaration_in_one_document(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]
) -> None:
    serials = issue(client, auth, batch, 2)
    removed = event(
        "ObjectEvent",
        "DELETE",
        "decommissioning",
        2,
        epcList=[dl(serials[0])],
        disposition="dispensed",
        eventID="urn:uuid:5e2d1c3b-7a6f-4b9e-8d0c-1f2e3d4c5b6a",
    )
    undo = {
        **removed,
        "errorDeclaration": {"declarationTime": datetime.now(UTC).isoformat(), "reason": "incorrect_data"},
    }
    job = capture(client, auth, document(commissioning(serials, minute=1), removed, undo, undo))
    assert (job["success"], job["capturedCount"]) == (True, 3)
    state = states(database)[dl(serials[0])]
    assert (state.status, state.decommission_reason, state.last_biz_step) == ("commissioned", None, "error_declaration")
    assert event_count(database) == 3
