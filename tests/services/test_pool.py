"""The connection pool and the read-only lookup sessions: connections the server closed are replaced without
an error, no transaction outlives a request, and a lookup session refuses writes."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, text

from app.models import Product

Auth = dict[str, dict[str, str]]


def _terminate_pooled(database: Any) -> int:
    """Close the pool's connections from the server side, as a restart would, from a connection of its own;
    returns once those backends have gone (`pg_terminate_backend` only signals them)."""
    url = database.engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as own:
        pids = [
            pid
            for (pid,) in own.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]
        own.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])
        deadline = time.monotonic() + 10
        while own.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]).fetchone() != (0,):
            assert time.monotonic() < deadline, "terminated backends did not exit"
            time.sleep(0.02)
    return len(pids)


def test_connections_the_server_closed_are_replaced(client: FlaskClient, auth: Auth, database: Any) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("a server-side disconnect needs PostgreSQL")
    urls = ["/epcis/events?perPage=5", "/api/v1/trace?code=(01)09506000134352(21)NOPE", "/api/v1/batches"]
    for url in urls:  # warm the pool: idle connections wait in it
        assert client.get(url, headers=auth["qa"]).status_code in (200, 404)
    assert _terminate_pooled(database) >= 1
    answers = [client.get(url, headers=auth["qa"]).status_code for url in urls for _ in range(3)]
    assert answers == [200, 200, 200, 404, 404, 404, 200, 200, 200]
    created = client.post(
        "/api/v1/batches",
        headers=auth["erp"],
        json={"gtin": "09506000134352", "lot": "AFTER-KILL", "expiry": "2027-12-31", "quantity": 1},
    )
    assert created.status_code in (201, 422)  # reached the database and answered (422: no such product here)
    with database.engine.connect() as conn:
        stuck = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'idle in transaction'"
            )
        ).scalar_one()
    assert stuck == 0


def test_a_lookup_session_only_reads(database: Any) -> None:
    with database.lookup() as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1
        with pytest.raises(RuntimeError, match=r"Database.lookup\(\) sessions only read"):
            session.execute(insert(Product).values(gtin="09506000134352", name="x"))
        with pytest.raises(RuntimeError, match=r"Database.lookup\(\) sessions only read"):
            session.execute(text("DELETE FROM product"))
