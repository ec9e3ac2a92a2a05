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
    _sqlite_cache(connection, len(rows))
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", _sqlite_rows(rows))


# Above this many rows, PostgreSQL updates go through COPY into a temporary table and one UPDATE ... FROM.
COPY_UPDATE_ROWS = 2_000


def update_rows(session: Session, table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Set `columns` of the rows whose `key` is given: `rows` are tuples of the new values, then the key."""
    if not rows:
        return
    connection = session.connection()
    if dialect(session) == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            if len(rows) < COPY_UPDATE_ROWS:
                sets = ", ".join(f"{c} = %s" for c in columns)
                cursor.executemany(f"UPDATE {table} SET {sets} WHERE {key} = %s", [tuple(r) for r in rows])
                return
            names = ", ".join([*columns, key])
            # Only the columns set and the key: LIKE would copy NOT NULL constraints of columns left empty here.
            cursor.execute(
                f"CREATE TEMPORARY TABLE bulk_update ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA"
            )
            with cursor.copy(f"COPY bulk_update ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            sets = ", ".join(f"{c} = u.{c}" for c in columns)
            cursor.execute(f"UPDATE {table} AS t SET {sets} FROM bulk_update AS u WHERE t.{key} = u.{key}")
            cursor.execute("DROP TABLE bulk_update")
        return
    sets = ", ".join(f"{c} = ?" for c in columns)
    connection.exec_driver_sql(f"UPDATE {table} SET {sets} WHERE {key} = ?", _sqlite_rows(rows))


# Page cache (KiB) of a SQLite connection that inserts this many rows or more in one go. With the default
# 2 MiB, the index pages of a large insert are spilled to the write-ahead log and read back again and again
# (the insert turns superlinear); a larger cache keeps them in memory until the commit. Durability unchanged.
SQLITE_CACHE_KIB, SQLITE_CACHE_ROWS = 65_536, 10_000


def _sqlite_cache(connection: Any, rows: int) -> None:
    if rows < SQLITE_CACHE_ROWS:
        return
    cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    if cache is None or cache >= 0 or cache > -SQLITE_CACHE_KIB:
        connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")


def _sqlite_rows(rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
    """Rows with their datetimes in SQLite's text form; a column's type is judged on its first non-null value."""
    stamps: list[int] = []
    for i in range(len(rows[0])):
        value = next((row[i] for row in rows if row[i] is not None), None)
        if isinstance(value, datetime):
            stamps.append(i)
    if not stamps:
        return rows if isinstance(rows, list) and isinstance(rows[0], tuple) else [tuple(row) for row in rows]
    # Column by column: bulk rows tend to share a few timestamps, each converted once, and the rows are
    # taken apart and put together again by C-level passes.
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i in stamps:
        texts: dict[Any, Any] = {stamp: _sqlite_value(stamp) for stamp in set(columns[i])}
        columns[i] = list(map(texts.__getitem__, columns[i]))
    return list(zip(*columns, strict=True))


def _sqlite_value(value: Any) -> Any:
    # The text form SQLAlchemy's SQLite DateTime stores (UTC, naive), so ORM reads see the same values.
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return value
