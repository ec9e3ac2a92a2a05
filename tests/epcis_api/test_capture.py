"""EPCIS capture with the pharma rules: commissioning, packing, shipping, decommissioning, rollback and
proceed, idempotent repeats, and the live state of every code."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.models import CodeState, EpcisEvent
from epcis import parse, to_xml
from tests.conftest import GTIN

Auth = dict[str, dict[str, str]]
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SITE = "https://id.gs1.org/414/9506000000008"


def dl(serial: str) -> str:
    return f"https://id.gs1.org/01/{GTIN}/21/{serial}"


def sscc_dl(sscc: str) -> str:
    return f"https://id.gs1.org/00/{sscc}"


def document(*events: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "@context": [CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-27T10:00:00Z",
            "epcisBody": {"eventList": list(events)},
        }
    ).encode()


def event(kind: str, action: str | None, biz_step: str, minute: int, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": kind,
        "eventTime": f"2026-11-27T10:{minute:02d}:00.000+01:00",
        "eventTimeZoneOffset": "+01:00",
        "bizStep": biz_step,
        "bizLocation": {"id": SITE},
        **fields,
    }
    if action:
        body["action"] = action
    return body


def commissioning(serials: list[str], lot: str = "LOT-001", expiry: str = "2027-12-31", minute: int = 1) -> dict:
    return event(
        "ObjectEvent",
        "ADD",
        "commissioning",
        minute,
        epcList=[dl(s) for s in serials],
        disposition="active",
        ilmd={"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": expiry},
    )


def packing(parent: str, children: list[str], minute: int = 2) -> dict:
    return event("AggregationEvent", "ADD", "packing", minute, parentID=parent, childEPCs=children)


def capture(
    client: FlaskClient, auth: Auth, body: bytes, behaviour: str | None = None, role: str = "line"
) -> dict[str, Any]:
    headers = {**auth[role], "Content-Type": "application/ld+json"}
    if behaviour:
        headers["GS1-Capture-Error-Behaviour"] = behaviour
    answer = client.post("/epcis/capture", data=body, headers=headers)
    assert answer.status_code == 202, answer.get_json()
    location = answer.headers["Location"]
    assert location.startswith("/epcis/capture/")
    job = client.get(location, headers=auth["qa"]).get_json()
    assert job["running"] is False
    return dict(job)


def event_count(database: Any) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(EpcisEvent)) or 0)


def states(database: Any) -> dict[str, CodeState]:
    with database.read() as session:
        return {s.epc: s for s in session.scalars(select(CodeState))}


@pytest.fixture
def issued(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> list[str]:
    answer = client.post(f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": 6})
    return [s["serial"] for s in answer.get_json()["serials"]]


@pytest.fixture
def sscc(client: FlaskClient, auth: Auth) -> list[str]:
    answer = client.post(
        "/api/v1/sscc", headers=auth["line"], json={"company_prefix": "9506000", "extension_digit": 1, "count": 2}
    )
    return [sscc_dl(s) for s in answer.get_json()["sscc"]]


def test_packaging_flow_and_live_state(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], issued: list[str], sscc: list[str]
) -> None:
    job = capture(client, auth, document(commissioning(issued[:3])))
    assert job["success"] is True and job["errors"] == [] and job["capturedCount"] == 1
    job = capture(client, auth, document(packing(sscc[0], [dl(s) for s in issued[:3]])))
    assert job["success"] is True, job
    now = states(database)
    assert {e: now[dl(e)].parent for e in issued[:3]} == dict.fromkeys(issued[:3], sscc[0])
    assert now[dl(issued[0])].batch_id == batch["id"] and now[dl(issued[0])].status == "commissioned"
    shipping = event(
        "ObjectEvent",
        "OBSERVE",
        "shipping",
        3,
        epcList=[sscc[0]],
        disposition="in_transit",
        destinationList=[{"type": "owning_party", "destination": "https://id.gs1.org/417/4012345000009"}],
    )
    assert capture(client, auth, document(shipping))["success"] is True
    now = states(database)
    assert {now[e].status for e in [sscc[0], *(dl(s) for s in issued[:3])]} == {"shipped"}
    assert event_count(database) == 3


@pytest.mark.parametrize(
    ("make", "detail"),
    [
        (lambda s: commissioning([s[0]], lot="OTHER"), "no batch with lot OTHER for GTIN 09506000134352"),
        (
            lambda s: commissioning([s[0]], expiry="2027-11-30"),
            "ILMD expiry 2027-11-30 does not match batch 1 expiry 2027-12-31",
        ),
        (lambda s: commissioning(["NOTISSUED234"]), "serial NOTISSUED234 was not issued to batch 1 (lot LOT-001)"),
    ],
)
def test_commissioning_rules(
    client: FlaskClient, auth: Auth, database: Any, issued: list[str], make: Any, detail: str
) -> None:
    job = capture(client, auth, document(make(issued)))
    assert job["success"] is False
    assert [e["detail"] for e in job["errors"]] == [detail]
    assert job["errors"][0]["eventIndex"] == 0
    assert job["errors"][0]["type"] == "epcisException:ValidationException"
    assert event_count(database) == 0 and states(database) == {}


def test_a_voided_serial_is_never_commissioned(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], issued: list[str]
) -> None:
    returned = client.post(
        f"/api/v1/batches/{batch['id']}/serials/return", headers=auth["line"], json={"serials": [issued[1]]}
    )
    assert returned.status_code == 200, returned.get_json()
    job = capture(client, auth, document(commissioning([issued[0], issued[1]])))
    assert [(e["detail"], e["instance"]) for e in job["errors"]] == [
        (f"serial {issued[1]} was voided and can never be commissioned", "eventList[0].epcList[1]")
    ]
    assert event_count(database) == 0 and states(database) == {}


@pytest.mark.parametrize(("path", "status"), [(["closed"], "closed"), (["closed", "released"], "released")])
def test_packs_are_commissioned_only_while_the_batch_is_in_production(
    client: FlaskClient,
    auth: Auth,
    database: Any,
    batch: dict[str, Any],
    issued: list[str],
    path: list[str],
    status: str,
) -> None:
    for step in path:
        moved = client.post(f"/api/v1/batches/{batch['id']}/status", headers=auth["qa"], json={"status": step})
        assert moved.status_code == 200, moved.get_json()
    job = capture(client, auth, document(commissioning(issued[:2])))
    assert [(e["detail"], e["instance"]) for e in job["errors"]] == [
        (
            f"batch {batch['id']} (lot LOT-001) is {status}: packs are commissioned only while it is in production",
            "eventList[0].ilmd.lotNumber",
        )
    ]
    assert event_count(database) == 0 and states(database) == {}
    if status == "closed":  # QA reopens a closed batch for rework; then packing goes on
        reopened = client.post(
            f"/api/v1/batches/{batch['id']}/status", headers=auth["qa"], json={"status": "in_production"}
        )
        assert reopened.status_code == 200, reopened.get_json()
        assert capture(client, auth, document(commissioning(issued[:2])))["success"] is True


def test_never_commission_twice_and_repeat_is_idempotent(
    client: FlaskClient, auth: Auth, database: Any, issued: list[str]
) -> None:
    body = document(commissioning(issued[:2]))
    assert capture(client, auth, body)["success"] is True
    again = capture(client, auth, body)
    assert again["success"] is True and again["capturedCount"] == 0
    assert event_count(database) == 1
    other = capture(client, auth, document(commissioning(issued[1:3], minute=5)))
    assert other["success"] is False
    assert other["errors"][0]["detail"].startswith(f"{dl(issued[1])} is already commissioned")
    assert other["errors"][0]["instance"] == "eventList[0].epcList[0]"


def test_rollback_stores_nothing_proceed_stores_the_good(
    client: FlaskClient, auth: Auth, database: Any, issued: list[str], sscc: list[str]
) -> None:
    good, bad = commissioning(issued[:2]), packing(sscc[0], [dl(issued[4])])
    rolled = capture(client, auth, document(good, bad))
    assert rolled["success"] is False and rolled["captureErrorBehaviour"] == "rollback"
    assert rolled["errors"][0]["eventIndex"] == 1
    assert event_count(database) == 0 and states(database) == {}
    proceeded = capture(client, auth, document(good, bad), behaviour="proceed")
    assert proceeded["success"] is False and proceeded["capturedCount"] == 1
    assert [e["eventIndex"] for e in proceeded["errors"]] == [1]
    assert event_count(database) == 1 and set(states(database)) == {dl(issued[0]), dl(issued[1])}


def test_packing_rules(client: FlaskClient, auth: Auth, database: Any, issued: list[str], sscc: list[str]) -> None:
    capture(client, auth, document(commissioning(issued[:3])))
    capture(client, auth, document(packing(sscc[0], [dl(issued[0])])))
    job = capture(client, auth, document(packing(sscc[1], [dl(issued[0])], minute=4)))
    assert job["errors"][0]["detail"] == f"{dl(issued[0])} is already packed in {sscc[0]}; unpack it first"
    unpack = event("AggregationEvent", "DELETE", "unpacking", 5, parentID=sscc[0], childEPCs=[dl(issued[0])])
    assert capture(client, auth, document(unpack))["success"] is True
    assert capture(client, auth, document(packing(sscc[1], [dl(issued[0])], minute=6)))["success"] is True
    assert states(database)[dl(issued[0])].parent == sscc[1]
    stranger = capture(client, auth, document(packing(sscc[1], [dl(issued[5])], minute=7)))
    assert stranger["errors"][0]["detail"] == f"{dl(issued[5])} was never commissioned"
    loose = event("ObjectEvent", "OBSERVE", "shipping", 8, epcList=[dl(issued[0])])
    assert capture(client, auth, document(loose))["errors"][0]["detail"] == (
        f"{dl(issued[0])} is packed in {sscc[1]}; ship its parent or unpack it first"
    )


def test_decommission_needs_a_reason(client: FlaskClient, auth: Auth, database: Any, issued: list[str]) -> None:
    capture(client, auth, document(commissioning(issued[:2])))
    bare = event("ObjectEvent", "DELETE", "decommissioning", 3, epcList=[dl(issued[0])])
    assert capture(client, auth, document(bare))["errors"][0]["detail"].startswith("decommissioning needs a reason")
    destroyed = event("ObjectEvent", "DELETE", "decommissioning", 4, epcList=[dl(issued[0])], disposition="destroyed")
    assert capture(client, auth, document(destroyed))["success"] is True
    state = states(database)[dl(issued[0])]
    assert (state.status, state.decommission_reason) == ("decommissioned", "destroyed")
    ship = event("ObjectEvent", "OBSERVE", "shipping", 5, epcList=[dl(issued[0])])
    assert (
        capture(client, auth, document(ship))["errors"][0]["detail"] == f"{dl(issued[0])} is decommissioned (destroyed)"
    )


def test_single_event_endpoint(client: FlaskClient, auth: Auth, database: Any, issued: list[str]) -> None:
    body = {**commissioning(issued[:1]), "eventID": "urn:uuid:6b9b1d5e-0c64-4c43-9d5b-5f3c1e0a9a11"}
    headers = {**auth["line"], "Content-Type": "application/json"}
    created = client.post("/epcis/events", data=json.dumps(body), headers=headers)
    assert created.status_code == 201
    assert created.headers["Location"] == "/epcis/events/urn%3Auuid%3A6b9b1d5e-0c64-4c43-9d5b-5f3c1e0a9a11"
    again = client.post("/epcis/events", data=json.dumps(body), headers=headers)
    assert again.status_code == 409
    assert again.get_json()["type"] == "epcisException:ResourceAlreadyExistsException"
    assert event_count(database) == 1


def test_invalid_documents_and_roles(client: FlaskClient, auth: Auth, database: Any, issued: list[str]) -> None:
    broken = json.loads(document(commissioning(issued[:1])))
    broken["epcisBody"]["eventList"][0]["eventTimeZoneOffset"] = "+25:00"
    answer = client.post(
        "/epcis/capture", data=json.dumps(broken), headers={**auth["line"], "Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    problem = answer.get_json()
    assert problem["type"] == "epcisException:ValidationException"
    assert problem["field"] == "eventList[0].eventTimeZoneOffset"
    xml = to_xml(parse(json.dumps(broken)))
    answer = client.post("/epcis/capture", data=xml, headers={**auth["line"], "Content-Type": "application/xml"})
    assert answer.status_code == 400
    # XML findings name the node by its XPath.
    assert answer.get_json()["field"] == "/epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent/eventTimeZoneOffset"
    denied = client.post(
        "/epcis/capture",
        data=document(commissioning(issued[:1])),
        headers={**auth["regulator"], "Content-Type": "application/json"},
    )
    assert denied.status_code == 403
    assert denied.get_json()["type"] == "epcisException:SecurityException"
    assert (
        client.post("/epcis/capture", data=b"x", headers={**auth["line"], "Content-Type": "text/plain"}).get_json()[
            "type"
        ]
        == "epcisException:UnsupportedMediaTypeException"
    )
    assert event_count(database) == 0
    options = client.options("/epcis/capture", headers=auth["line"])
    assert options.headers["GS1-EPCIS-Capture-Limit"] == "100000"
    assert options.headers["GS1-EPCIS-Version"] == "2.0.0"


def test_partner_codes_pass_through_and_foreign_containers_are_refused(
    client: FlaskClient, auth: Auth, database: Any, issued: list[str]
) -> None:
    foreign = "https://id.gs1.org/01/04012345000009/21/P1"
    partner = event("ObjectEvent", "OBSERVE", "shipping", 1, epcList=[foreign])
    assert capture(client, auth, document(partner))["success"] is True
    assert states(database) == {}
    capture(client, auth, document(commissioning(issued[:1], minute=2)))
    stranger = "https://id.gs1.org/00/340123450000000009"
    job = capture(client, auth, document(packing(stranger, [dl(issued[0])], minute=3)))
    assert job["errors"][0]["detail"] == f"parent {stranger} is not an SSCC allocated here"
    mixed = event("ObjectEvent", "OBSERVE", "shipping", 4, epcList=[foreign, dl(issued[1])])
    assert capture(client, auth, document(mixed))["errors"][0]["instance"] == "eventList[0].epcList[1]"


def test_undo_is_refused_after_ten_days(client: FlaskClient, auth: Auth, database: Any, issued: list[str]) -> None:
    capture(client, auth, document(commissioning(issued[:1])))
    old = event(
        "ObjectEvent",
        "DELETE",
        "decommissioning",
        2,
        epcList=[dl(issued[0])],
        disposition="dispensed",
        eventID="urn:uuid:0d7a3c4e-95b2-4e38-9d53-4b1f0f0c1a01",
    )
    now = datetime.now(UTC)
    when = now - timedelta(days=11)
    old["eventTime"] = when.isoformat()
    assert capture(client, auth, document(old))["success"] is True

    def undo_of(decommissioning: dict[str, Any], declared: datetime) -> dict[str, Any]:
        return {
            **decommissioning,
            "errorDeclaration": {"declarationTime": declared.isoformat(), "reason": "incorrect_data"},
        }

    too_old = f"{dl(issued[0])}: the decommissioning of {when.date()} is more than 10 days old"
    assert capture(client, auth, document(undo_of(old, now)))["errors"][0]["detail"] == too_old
    # Dated inside the window but captured after it: the server's clock decides, not the document's.
    late = capture(client, auth, document(undo_of(old, when + timedelta(days=2))))
    assert late["errors"][0]["detail"] == too_old
    future = now + timedelta(hours=1)
    ahead = capture(client, auth, document(undo_of(old, future)))
    assert ahead["errors"][0]["detail"] == f"declarationTime {future.isoformat()} is in the future"
    assert states(database)[dl(issued[0])].status == "decommissioned"

    recent = {**old, "eventTime": (now - timedelta(days=2)).isoformat(), "epcList": [dl(issued[1])]}
    recent["eventID"] = "urn:uuid:0d7a3c4e-95b2-4e38-9d53-4b1f0f0c1a02"
    commissioned = commissioning(issued[1:2])
    commissioned["eventTime"] = (now - timedelta(days=3)).isoformat()
    assert capture(client, auth, document(commissioned))["success"] is True
    assert capture(client, auth, document(recent))["success"] is True
    assert capture(client, auth, document(undo_of(recent, now)))["success"] is True
    assert states(database)[dl(issued[1])].status == "commissioned"


def test_capture_jobs_page_by_link(client: FlaskClient, auth: Auth, issued: list[str]) -> None:
    ids = {capture(client, auth, document(commissioning([s], minute=i)))["captureID"] for i, s in enumerate(issued[:3])}
    seen: list[str] = []
    url: str | None = "/epcis/capture?perPage=2"
    while url:
        answer = client.get(url, headers=auth["qa"])
        seen += [job["captureID"] for job in answer.get_json()]
        link = answer.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
    assert sorted(seen) == seen and set(seen) == ids


def test_undo_follows_the_eu_status_rules(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any], issued: list[str]
) -> None:
    """A locked pack may be unlocked at any time; no pack of a recalled batch comes back (EU FMD Art. 13)."""
    now = datetime.now(UTC)
    commissioned = commissioning(issued[:2])
    commissioned["eventTime"] = (now - timedelta(days=20)).isoformat()
    assert capture(client, auth, document(commissioned))["success"] is True

    def decommission(serial: str, disposition: str, days_ago: int, n: int) -> dict[str, Any]:
        body = event("ObjectEvent", "DELETE", "decommissioning", 2, epcList=[dl(serial)], disposition=disposition)
        body.update(
            eventTime=(now - timedelta(days=days_ago)).isoformat(),
            eventID=f"urn:uuid:0d7a3c4e-95b2-4e38-9d53-4b1f0f0c1b0{n}",
        )
        return body

    def with_reasons(*events: dict[str, Any]) -> bytes:
        doc = json.loads(document(*events))
        doc["@context"].append({"custody": "https://custody.dev/epcis/"})  # the reason's namespace
        return json.dumps(doc).encode()

    def undo(body: dict[str, Any]) -> dict[str, Any]:
        return capture(client, auth, with_reasons({**body, "errorDeclaration": {"declarationTime": now.isoformat()}}))

    locked = decommission(issued[0], "inactive", 15, 1)
    locked["custody:decommissionReason"] = "locked"
    sample = decommission(issued[1], "inactive", 2, 2)
    sample["custody:decommissionReason"] = "sample"
    assert capture(client, auth, with_reasons(locked, sample))["success"] is True
    assert undo(locked)["success"] is True  # 15 days on, still
    assert states(database)[dl(issued[0])].status == "commissioned"
    for status in ("closed", "released"):
        client.post(f"/api/v1/batches/{batch['id']}/status", headers=auth["qa"], json={"status": status})
    recalled = client.post(
        f"/api/v1/batches/{batch['id']}/status", headers=auth["qa"], json={"status": "recalled", "reason": "test"}
    )
    assert recalled.status_code == 200, recalled.get_json()
    refused = undo(sample)
    assert refused["success"] is False and "is recalled" in refused["errors"][0]["detail"]
    assert states(database)[dl(issued[1])].status == "decommissioned"
