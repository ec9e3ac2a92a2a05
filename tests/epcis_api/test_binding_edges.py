"""The EPCIS binding at its edges: hostile or extreme values get 400s (never a 500 or unbounded work), a
failing subscription cannot stop captures, pages link and end as the binding says, and answers come in the
media type asked for."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.models import CaptureJob, CaptureStatus, NamedQuery, OutboxMessage
from app.services.capture import job_view
from tests.epcis_api.test_capture import SITE, capture, commissioning, document, event
from tests.epcis_api.test_subscriptions import receiver, serials  # noqa: F401 (fixture)

Auth = dict[str, dict[str, str]]


def observe(epcs: list[str], minute: int, **fields: Any) -> dict[str, Any]:
    return event("ObjectEvent", "OBSERVE", "inspecting", minute, epcList=epcs, **fields)


def test_a_failing_stream_subscription_does_not_stop_captures(
    client: FlaskClient,
    auth: Auth,
    database: Any,
    batch: dict[str, Any],
    receiver: Any,  # noqa: F811
) -> None:
    """A stored query that fails when run (stored before today's checks, say) costs its subscriber a
    problem report; the capture and the other subscribers go on."""
    with database.write() as session:
        session.add(
            NamedQuery(
                name="broken",
                definition={},
                params={"GE_eventTime": ["9999-12-31T23:59:59-14:00"]},
                extensions={},
                created_by="test",
            )
        )
        # A damaged row: the query cannot even be read back (a server-side failure, not a parameter error).
        session.add(NamedQuery(name="damaged", definition={}, params={}, extensions="x", created_by="test"))
    client.post("/epcis/queries", headers=auth["erp"], json={"name": "all", "query": {}})
    for name in ("broken", "damaged", "all"):
        answer = client.post(
            f"/epcis/queries/{name}/subscriptions", headers=auth["erp"], json={"dest": receiver.url, "stream": True}
        )
        assert answer.status_code == 201, answer.get_json()
    issued = serials(client, auth, batch, 1)
    job = capture(client, auth, document(commissioning(issued)))
    assert job["success"] is True and job["capturedCount"] == 1
    with database.read() as session:
        messages = sorted(session.scalars(select(OutboxMessage)), key=lambda m: m.content_type)
    assert [m.content_type for m in messages] == ["application/ld+json", *["application/problem+json"] * 2]
    problems = sorted(json.loads(m.body)["type"] for m in messages[1:])
    assert problems == ["epcisException:ImplementationException", "epcisException:QueryParameterException"]


def test_a_time_utc_cannot_hold_is_refused_before_any_job(client: FlaskClient, auth: Auth) -> None:
    late = observe(["urn:epc:id:sgtin:9506000.013435.T1"], 1)
    late.update(eventTime="9999-12-31T23:59:59-14:00", eventTimeZoneOffset="-14:00")
    answer = client.post(
        "/epcis/capture", data=document(late), headers={**auth["line"], "Content-Type": "application/ld+json"}
    )
    assert answer.status_code == 400
    assert answer.get_json()["field"] == "eventList[0].eventTime"
    assert client.get("/epcis/capture", headers=auth["qa"]).get_json() == []
    for query in ("GE_eventTime=9999-12-31T23:59:59-14:00", "LT_recordTime=0001-01-01T00:00:00%2B14:00"):
        answer = client.get(f"/epcis/events?{query}", headers=auth["qa"])
        assert answer.status_code == 400 and "out of range" in answer.get_json()["detail"]


def test_a_job_that_fails_unexpectedly_ends_failed(database: Any, client: FlaskClient, auth: Auth) -> None:
    from app.services import capture as capture_service
    from app.services.security import Principal, Role
    from epcis import model

    late = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))  # year 10000 in UTC
    broken = model.Document(
        events=[model.ObjectEvent(action="OBSERVE", epc_list=[], event_time=late, event_time_zone_offset="-14:00")]
    )
    with pytest.raises(OverflowError):  # met past parse_document's check: the hash cannot convert it
        capture_service.capture(database, Principal("test", Role.ADMIN), broken)
    [job] = client.get("/epcis/capture", headers=auth["qa"]).get_json()
    assert (job["running"], job["success"]) == (False, False)
    assert job["errors"][0]["type"] == "epcisException:ImplementationException"


def test_a_running_job_without_errors_reads_success() -> None:
    job = CaptureJob(id="j", status=CaptureStatus.RUNNING, error_behaviour="rollback", event_count=1)
    job.errors, job.captured_count, job.created_at = [], 0, datetime(2026, 1, 1)
    assert (job_view(job)["running"], job_view(job)["success"]) == (True, True)


@pytest.mark.parametrize(
    "query",
    [
        "GE_quantity=1e999999",
        "GE_quantity_KGM=1e999999",
        "LT_quantity=1e-999999",
        "perPage=%C2%B2",
        "nextPageToken=AAAA.%C3%A9",
        "eventCountLimit=" + "9" * 40,
    ],
)
def test_extreme_query_values_are_refused_at_once(client: FlaskClient, auth: Auth, query: str) -> None:
    answer = client.get(f"/epcis/events?{query}", headers=auth["qa"])
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["type"] == "epcisException:QueryParameterException"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"schedule": {"second": "0/0"}}, "schedule.second"),
        ({"stream": True, "initialRecordTime": "0001-01-01T00:00:00+14:00"}, "initialRecordTime"),
    ],
)
def test_impossible_subscription_controls_are_refused(
    client: FlaskClient, auth: Auth, body: dict[str, Any], field: str
) -> None:
    client.post("/epcis/queries", headers=auth["erp"], json={"name": "all", "query": {}})
    answer = client.post(
        "/epcis/queries/all/subscriptions", headers=auth["erp"], json={"dest": "https://example.com/h", **body}
    )
    assert answer.status_code == 400
    assert (answer.get_json()["type"], answer.get_json()["field"]) == (
        "epcisException:SubscriptionControlsException",
        field,
    )


def test_router_answers_carry_the_bindings_problem_types(client: FlaskClient, auth: Auth) -> None:
    assert client.get("/epcis/nope", headers=auth["qa"]).get_json()["type"] == "epcisException:NoSuchResourceException"
    assert client.get("/api/v1/nope", headers=auth["qa"]).get_json()["type"].startswith("https://")


def test_the_next_page_link_keeps_escaped_identifiers(client: FlaskClient, auth: Auth) -> None:
    epc = "https://id.gs1.org/01/09506000134352/21/X%2F2"
    capture(client, auth, document(*(observe([epc], 10 + i) for i in range(3))))
    url = "/epcis/epcs/" + quote(epc, safe="") + "/events?perPage=1"
    seen = 0
    while url:
        answer = client.get(url, headers=auth["qa"])
        assert answer.status_code == 200, answer.get_json()
        seen += len(answer.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"])
        link = answer.headers.get("Link")
        url = link[1 : link.index(">")] if link else ""
    assert seen == 3


def test_exists_error_declaration_false_means_regardless(client: FlaskClient, auth: Auth) -> None:
    declared = observe(
        ["urn:epc:id:sgtin:9506000.013435.E1"], 5, eventID="urn:uuid:2b3c4d5e-0000-4000-8000-000000000002"
    )
    capture(client, auth, document(declared, observe(["urn:epc:id:sgtin:9506000.013435.E2"], 6)))
    capture(client, auth, document({**declared, "errorDeclaration": {"declarationTime": "2026-11-27T12:00:00Z"}}))

    def count(query: str) -> int:
        body = client.get(f"/epcis/events{query}", headers=auth["qa"]).get_json()
        return len(body["epcisBody"]["queryResults"]["resultsBody"]["eventList"])

    assert (count(""), count("?EXISTS_errorDeclaration=true"), count("?EXISTS_errorDeclaration=false")) == (3, 1, 3)


def test_answers_come_in_the_media_type_asked_for(client: FlaskClient, auth: Auth) -> None:
    capture(client, auth, document(observe(["urn:epc:id:sgtin:9506000.013435.L1"], 10)))
    expected = {
        None: "application/ld+json",
        "*/*": "application/ld+json",
        "application/json": "application/json",
        "application/ld+json": "application/ld+json",
        "application/xml": "application/xml",
        "text/html,application/xhtml+xml,*/*;q=0.8": "application/ld+json",
    }
    for accept, media in expected.items():
        headers = {**auth["qa"], **({"Accept": accept} if accept else {})}
        assert client.get("/epcis/events", headers=headers).mimetype == media, accept
    refused = client.get("/epcis/events", headers={**auth["qa"], "Accept": "text/html"})
    assert refused.status_code == 406
    assert refused.get_json()["type"] == "epcisException:NotAcceptableException"


def test_collections_page_to_their_end(client: FlaskClient, auth: Auth) -> None:
    capture(client, auth, document(observe(["urn:epc:id:sgtin:9506000.013435.P1"], 10)))
    capture(client, auth, document(observe(["urn:epc:id:sgtin:9506000.013435.P2"], 11)))
    for url, expected in (
        ("/epcis/eventTypes?perPage=2", 5),
        ("/epcis/capture?perPage=2", 2),
    ):
        members, pages = [], 0
        while url:
            answer = client.get(url, headers=auth["qa"]).get_json()
            page = answer["member"] if isinstance(answer, dict) else answer
            assert page, url  # no empty last page
            members += page
            pages += 1
            link = client.get(url, headers=auth["qa"]).headers.get("Link")
            url = link[1 : link.index(">")] if link else ""
        assert len(members) == len({json.dumps(m, sort_keys=True) for m in members}) == expected


def test_ids_and_numbers_too_large_for_a_column_are_input_errors(
    client: FlaskClient, auth: Auth, batch: dict[str, Any]
) -> None:
    huge = str(10**30)
    assert client.get(f"/api/v1/batches/{huge}", headers=auth["qa"]).status_code == 404
    assert client.get(f"/api/v1/batches/{huge}/reconciliation", headers=auth["qa"]).status_code == 404
    line = client.post(
        f"/api/v1/lines/{SITE.rsplit('/', 1)[1]}/events",
        headers=auth["line"],
        json={"operations": [{"op": "commission", "batch_id": 10**30, "serials": ["A"]}]},
    )
    assert line.status_code == 422 and line.get_json()["field"] == "operations[0].batch_id"
    sscc = client.post(
        "/api/v1/sscc",
        headers=auth["line"],
        json={"company_prefix": "9506000", "extension_digit": 0, "count": 1, "batch_id": 10**30},
    )
    assert sscc.status_code == 422 and sscc.get_json()["field"] == "batch_id"
    for url, field in (
        ("/api/v1/outbox?after=%C2%B2", "limit"),
        ("/api/v1/outbox?limit=%C2%B2", "limit"),
        ("/api/v1/fmd/alerts?limit=%C2%B2", "limit"),
        ("/api/v1/exports?batch_id=%C2%B2", "batch_id"),
    ):
        answer = client.get(url, headers=auth["admin"])
        assert answer.status_code == 422, (url, answer.get_json())
        assert answer.get_json()["field"] == field


def test_sub_resources_exist_only_for_stored_values(client: FlaskClient, auth: Auth) -> None:
    epc = "urn:epc:id:sgtin:9506000.013435.R1"
    capture(client, auth, document(observe([epc], 10, bizLocation={"id": SITE})))
    found = {
        "eventTypes/ObjectEvent",
        "eventTypes/TransformationEvent",  # a standard type, stored or not
        "epcs/" + quote("https://id.gs1.org/01/09506000134352/21/R1", safe=""),
        "epcs/" + epc,  # the same EPC in another form
        "bizSteps/inspecting",
        "bizSteps/urn:epcglobal:cbv:bizstep:inspecting",
        "bizLocations/" + quote(SITE, safe=""),
    }
    for path in found:
        answer = client.get(f"/epcis/{path}", headers=auth["qa"])
        assert answer.status_code == 200, path
        assert answer.get_json()["member"] == ["events"]
    for path in (
        "eventTypes/Bogus",
        "epcs/not-a-uri",
        "bizSteps/nonexistent",
        "epcs/urn:epc:id:sgtin:9506000.013435.NOPE",
    ):
        answer = client.get(f"/epcis/{path}", headers=auth["qa"])
        assert answer.status_code == 404, path
        assert answer.get_json()["type"] == "epcisException:NoSuchResourceException"


def test_identifier_listings_follow_the_epc_format_asked_for(client: FlaskClient, auth: Auth) -> None:
    client.post(
        "/api/v1/products",
        headers=auth["erp"],
        json={"gtin": "09506000134352", "name": "X", "company_prefix_length": 7},
    )
    capture(client, auth, document(observe(["https://id.gs1.org/01/09506000134352/21/F1"], 10)))
    links = client.get("/epcis/epcs", headers=auth["qa"]).get_json()["member"]
    urns = client.get("/epcis/epcs", headers={**auth["qa"], "GS1-EPC-Format": "Always_EPC_URN"}).get_json()["member"]
    assert (links, urns) == (["https://id.gs1.org/01/09506000134352/21/F1"], ["urn:epc:id:sgtin:9506000.013435.F1"])


def test_json_only_resources_refuse_other_media_and_discovery_is_headers_only(client: FlaskClient, auth: Auth) -> None:
    for path in ("/epcis/eventTypes", "/epcis/capture", "/epcis/"):
        assert client.get(path, headers={**auth["qa"], "Accept": "application/xml"}).status_code == 406, path
        assert client.get(path, headers={**auth["qa"], "Accept": "application/json"}).status_code == 200, path
    options = client.options("/epcis/capture", headers=auth["qa"])
    assert options.status_code == 204 and options.data == b"" and "Content-Type" not in options.headers
    assert options.headers["GS1-Capture-Error-Behaviour"] == "all"
    assert options.headers["GS1-EPCIS-Capture-Limit"] and options.headers["GS1-EPCIS-Version"] == "2.0.0"
    accepted = client.post(
        "/epcis/capture",
        data=document(observe(["urn:epc:id:sgtin:9506000.013435.O1"], 1)),
        headers={**auth["line"], "Content-Type": "application/ld+json"},
    )
    assert accepted.status_code == 202 and "Content-Type" not in accepted.headers


def test_stream_subscribers_are_sent_the_error_declaration_itself(
    client: FlaskClient, auth: Auth, database: Any
) -> None:
    event_id = "urn:uuid:2b3c4d5e-0000-4000-8000-000000000009"
    original = observe(["urn:epc:id:sgtin:9506000.013435.D1"], 5, eventID=event_id)
    capture(client, auth, document(original))
    client.post("/epcis/queries", headers=auth["erp"], json={"name": "insp", "query": {"EQ_bizStep": ["inspecting"]}})
    sub = {"dest": "https://example.com/hook", "stream": True}
    assert client.post("/epcis/queries/insp/subscriptions", headers=auth["erp"], json=sub).status_code == 201
    declared = {**original, "errorDeclaration": {"declarationTime": "2026-11-27T12:00:00Z", "reason": "incorrect_data"}}
    assert capture(client, auth, document(declared))["success"]
    with database.read() as session:
        [message] = session.scalars(select(OutboxMessage))
    [sent] = json.loads(message.body)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert sent["eventID"] == event_id and sent["errorDeclaration"]["reason"] == "incorrect_data"
    stored_key = quote(event_id + "#declaration-1", safe="")
    assert client.get(f"/epcis/events/{stored_key}", headers=auth["qa"]).status_code == 404
    both = client.get(f"/epcis/events/{quote(event_id, safe='')}", headers=auth["qa"]).get_json()
    assert len(both["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 2


def test_an_event_first_captured_already_in_error_changes_nothing(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]
) -> None:
    """A decommissioning that arrives with its error declaration is kept as a record: the pack stays
    commissioned, and no channel hears of it (the EU hub would otherwise be sent an undo of nothing)."""
    issued = serials(client, auth, batch, 1)
    capture(client, auth, document(commissioning(issued)))
    gone = event(
        "ObjectEvent",
        "DELETE",
        "decommissioning",
        9,
        epcList=[f"https://id.gs1.org/01/09506000134352/21/{issued[0]}"],
        disposition="destroyed",
        errorDeclaration={"declarationTime": "2026-11-27T12:00:00Z", "reason": "incorrect_data"},
    )
    before = client.get(
        "/api/v1/trace", query_string={"code": f"(01)09506000134352(21){issued[0]}"}, headers=auth["qa"]
    )
    assert capture(client, auth, document(gone))["success"]
    after = client.get("/api/v1/trace", query_string={"code": f"(01)09506000134352(21){issued[0]}"}, headers=auth["qa"])
    assert after.get_json()["state"] == before.get_json()["state"]
    assert after.get_json()["state"]["status"] == "commissioned"
    assert len(after.get_json()["events"]) == 2  # the record is there
    with database.read() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"epcList": ["urn:epc:id:sgtin:9506000.013435.A", "https://example.org/" + "x" * 300]},
            "eventList[0].epcList[1]",
        ),
        (
            {"quantityList": [{"epcClass": "urn:epc:class:lgtin:9506000.013435.L1", "quantity": 1e300, "uom": "KGM"}]},
            "eventList[0].quantityList[0].quantity",
        ),
        ({"bizLocation": {"id": "https://example.org/" + "y" * 300}}, "eventList[0].bizLocation.id"),
    ],
)
def test_values_the_store_cannot_hold_are_refused_before_any_job(
    client: FlaskClient, auth: Auth, fields: dict[str, Any], field: str
) -> None:
    body = {**observe(["urn:epc:id:sgtin:9506000.013435.A"], 1), **fields}
    answer = client.post(
        "/epcis/capture", data=document(body), headers={**auth["line"], "Content-Type": "application/ld+json"}
    )
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["field"] == field
    assert client.get("/epcis/capture", headers=auth["qa"]).get_json() == []


def test_queries_and_subscriptions_leave_an_audit_trail(client: FlaskClient, auth: Auth, database: Any) -> None:
    from app.models import AuditEntry

    client.post("/epcis/queries", headers=auth["regulator"], json={"name": "all", "query": {}})
    sub = {"dest": "https://example.com/hook", "stream": True, "signatureToken": "s3cret-token"}
    created = client.post("/epcis/queries/all/subscriptions", headers=auth["regulator"], json=sub).get_json()
    client.delete(f"/epcis/queries/all/subscriptions/{created['subscriptionID']}", headers=auth["logistics"])
    client.delete("/epcis/queries/all", headers=auth["logistics"])
    with database.read() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    trail = [(e.action, e.actor) for e in entries if e.entity in ("named_query", "subscription")]
    assert [action for action, _ in trail] == [
        "query.create",
        "subscription.create",
        "subscription.delete",
        "query.delete",
    ]
    assert trail[0][1] == trail[1][1] != trail[2][1] == trail[3][1]  # the regulator created, logistics deleted
    assert all("s3cret-token" not in json.dumps([e.before, e.after]) for e in entries)
    assert next(e.after for e in entries if e.action == "subscription.create")["dest"] == "https://example.com/hook"


def test_a_long_custom_disposition_of_our_pack_is_kept(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]
) -> None:
    """The state row copies the event's disposition and business step: as long as the event holds (255)."""
    issued = serials(client, auth, batch, 1)
    capture(client, auth, document(commissioning(issued)))
    custom = "https://example.org/disposition/" + "q" * 150
    seen = observe([f"https://id.gs1.org/01/09506000134352/21/{issued[0]}"], 7, disposition=custom)
    assert capture(client, auth, document(seen))["success"] is True
    trace = client.get("/api/v1/trace", query_string={"code": f"(01)09506000134352(21){issued[0]}"}, headers=auth["qa"])
    assert trace.get_json()["state"]["disposition"] == custom


def test_listing_pages_beyond_any_listing_are_refused(client: FlaskClient, auth: Auth) -> None:
    answer = client.get("/api/v1/batches?page=" + "9" * 20, headers=auth["qa"])
    assert answer.status_code == 422 and answer.get_json()["field"] == "page"
