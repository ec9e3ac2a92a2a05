"""Bulk writes used by capture: inserts and updates of many rows, on both backends, above and below the size
where PostgreSQL switches to COPY into a temporary table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.models import CodeState
from app.services import bulk

COLUMNS = ["epc", "kind", "gtin", "serial", "status", "last_event_id", "updated_at"]


@pytest.mark.parametrize("count", [10, bulk.COPY_UPDATE_ROWS + 1])
def test_update_rows_sets_only_the_named_columns(database: Any, count: int) -> None:
    then = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        (
            f"https://id.gs1.org/01/09506000134352/21/S{n:06d}",
            "sgtin",
            "09506000134352",
            f"S{n:06d}",
            "active",
            "e1",
            then,
        )
        for n in range(count)
    ]
    with database.write() as session:
        bulk.insert_rows(session, "code_state", COLUMNS, rows)
    shipped = [row[0] for row in rows[::2]]
    with database.write() as session:
        bulk.update_rows(
            session, "code_state", "epc", ["status", "last_event_id"], [("in_transit", "e2", epc) for epc in shipped]
        )
    with database.read() as session:
        states = {s.epc: s for s in session.scalars(select(CodeState))}
    assert len(states) == count
    for n, row in enumerate(rows):
        state = states[row[0]]
        expected = ("in_transit", "e2") if n % 2 == 0 else ("active", "e1")
        assert (state.status, state.last_event_id) == expected
        assert (state.kind, state.gtin, state.serial) == ("sgtin", "09506000134352", row[3])  # untouched
