"""Bulk database work on hot paths: many rows in one go, and membership tests against long key lists.

SQLAlchemy's per-row and per-parameter processing dominates at 10^5 rows, so rows go straight to the
driver (executemany on SQLite, COPY on PostgreSQL) and key lists travel as one parameter (a JSON
array on SQLite, an array on PostgreSQL) instead of one bound parameter per key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def member(session: Session, column: Any, keys: Sequence[str]) -> ColumnElement[bool]:
    """`column IN keys` as one parameter, whatever the number of keys."""
    if dialect(session) == "postgresql":
        matched: ColumnElement[bool] = column == any_(bindparam(None, value=list(keys), type_=ARRAY(String)))
        return matched
    array = bindparam(None, value=json.dumps(list(keys)), type_=String)
    values: Select[Any] = select(literal_column("value")).select_from(func.json_each(array))
    result: ColumnElement[bool] = column.in_(values)
    return result


def insert_rows(session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (tuples in `columns` order) in the session's transaction, bypassing per-row overhead."""
    if not rows:
        return
    connection = session.connection()
    names = ", ".join(columns)
    if dialect(session) == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    # Adapt only the columns that hold datetimes (judged on the first row): no per-value checks.
    stamps = [i for i, v in enumerate(rows[0]) if isinstance(v, datetime)]
    adapted = [tuple(row) for row in rows]
    if stamps:
        adapted = [tuple(_sqlite_value(v) if i in stamps else v for i, v in enumerate(row)) for row in adapted]
    connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", adapted)


def _sqlite_value(value: Any) -> Any:
    # The text form SQLAlchemy's SQLite DateTime stores (UTC, naive), so ORM reads see the same values.
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return value
