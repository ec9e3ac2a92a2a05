"""The database handle: one engine per app, sessions for services, SQLite tuned for concurrent writers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from flask import Flask

    from app.config import Config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level so SQLAlchemy's "begin" hook decides how transactions start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the lock up front (BEGIN IMMEDIATE): no deadlock-prone lock upgrades under concurrency.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and explicit transaction control."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """Holds the engine and session factories; bound to an app in `create_app`."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._reader: sessionmaker[Session] | None = None
        self._writer: sessionmaker[Session] | None = None
        # The service's settings, for code that runs outside a request (the worker reads credentials here).
        self.settings: Config | None = None

    def init_app(self, app: Flask, config: Config) -> None:
        self.settings = config
        self.bind(make_engine(config.database_url))
        app.extensions["custody.db"] = self

    def bind(self, engine: Engine) -> None:
        self._engine = engine
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(engine.execution_options(sqlite_immediate=True), expire_on_commit=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("database is not bound: call create_app() first")
        return self._engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commits on success, rolls back on any exception."""
        assert self._writer is not None, "database is not bound"
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; nothing it does is committed."""
        assert self._reader is not None, "database is not bound"
        with self._reader() as session:
            yield session  # closing returns the connection, whose reset rolls the transaction back


def current_db() -> Database:
    """The database of the app handling the current request or command."""
    from flask import current_app

    database: Database = current_app.extensions["custody.db"]
    return database
