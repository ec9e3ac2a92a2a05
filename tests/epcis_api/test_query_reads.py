"""What a query request reads: a token seen valid moments ago is not read again (and a revoked one is
refused at once), an EPC's events are one read, and a trace is three reads plus one per container above."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from flask.testing import FlaskClient
from sqlalchemy import event

from app.services import security
from tests.epcis_api.flows import issue, new_case
from tests.epcis_api.test_capture import capture, commissioning, dl, document, packing

Auth = dict[str, dict[str, str]]


@contextmanager
def statements(database: Any) -> Iterator[list[str]]:
    """The SQL statements run on the database inside the block."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def reads_of(sql: list[str], table: str) -> int:
    return sum(1 for s in sql if s.lstrip().upper().startswith("SELECT") and f"FROM {table}" in s)


def test_a_token_is_read_once_and_a_revoked_one_is_refused_at_once(client: FlaskClient, database: Any) -> None:
    token = security.create_token(database, name="reader", role="regulator")
    headers = {"Authorization": f"Bearer {token}"}
    with statements(database) as sql:
        assert client.get("/epcis/events", headers=headers).status_code == 200
        assert client.get("/epcis/events", headers=headers).status_code == 200
    assert reads_of(sql, "api_token") == 1
    security.revoke_token(database, name="reader")
    refused = client.get("/epcis/events", headers=headers)
    assert refused.status_code == 401
    assert refused.get_json()["detail"] == "unknown or revoked token"
    # A failure is never remembered: each attempt with a bad token is read and refused again.
    with statements(database) as sql:
        for _ in range(2):
            assert client.get("/epcis/events", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert reads_of(sql, "api_token") == 2


def test_trace_reads_do_not_grow_with_the_hierarchy(
    client: FlaskClient, auth: Auth, database: Any, batch: dict[str, Any]
) -> None:
    serials = issue(client, auth, batch, 4)
    packs = [dl(s) for s in serials]
    cases = [new_case(client, auth), new_case(client, auth)]
    pallet = new_case(client, auth)
    body = document(
        commissioning(serials, minute=1),
        packing(cases[0], packs[:2], minute=2),
        packing(cases[1], packs[2:], minute=3),
        packing(pallet, cases, minute=4),
    )
    assert capture(client, auth, body)["success"] is True
    headers = auth["qa"]
    client.get("/api/v1/trace", query_string={"code": pallet}, headers=headers)  # the token is now known
    for code, ancestors in ((pallet, 0), (cases[0], 1), (packs[0], 2)):
        with statements(database) as sql:
            answer = client.get("/api/v1/trace", query_string={"code": code}, headers=headers)
        assert answer.status_code == 200
        selects = [s for s in sql if s.lstrip().upper().startswith(("SELECT", "WITH"))]
        # state, timeline with containers, contents tree; then one read per container above
        assert len(selects) == 3 + ancestors, selects
    with statements(database) as sql:
        answer = client.get(f"/epcis/epcs/{quote(packs[0], safe='')}/events", headers=headers)
    assert answer.status_code == 200
    # One read: the events (the token is known, the EPC filter is a subquery of the same statement).
    assert len([s for s in sql if s.lstrip().upper().startswith(("SELECT", "WITH"))]) == 1
