"""The database handle: one engine per app, sessions for services, SQLite tuned for concurrent writers."""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, TextClause, create_engine, event, exc
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

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


# Pooled server connections are replaced after this long, whatever their state.
POOL_RECYCLE_SECONDS = 1800


def server_hung_up(dbapi_connection: Any) -> bool:
    """Whether the server has ended this idle connection (restart, `pg_terminate_backend`, idle timeout).

    An idle connection has nothing to read; one the server closed has its farewell error and end-of-file
    waiting on the socket. One non-blocking poll instead of `pool_pre_ping`'s round trip per checkout.
    """
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        return True
    try:
        fd = dbapi_connection.fileno()
    except Exception:  # the driver has already dropped its socket
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI)  # errors and hang-ups are always reported
        return bool(poller.poll(0))
    readable, _, failed = select.select([fd], [], [fd], 0)
    return bool(readable or failed)


def _check_alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    # The pool discards a connection refused here and checks out a fresh one (a DisconnectionError retries).
    if server_hung_up(dbapi_connection):
        raise exc.DisconnectionError("the database server closed this pooled connection")


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and explicit transaction control.

    Server connections are checked on checkout without a round trip (`server_hung_up`) and recycled after
    `POOL_RECYCLE_SECONDS`; a connection that fails in use anyway invalidates the pool (SQLAlchemy's
    disconnect handling), so the next checkouts reconnect.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_recycle=POOL_RECYCLE_SECONDS)
    event.listen(engine, "checkout", _check_alive)
    return engine


def _no_writes(state: ORMExecuteState) -> None:
    statement = state.statement
    verb = statement.text.lstrip()[:6].lower() if isinstance(statement, TextClause) else "select"
    if state.is_insert or state.is_update or state.is_delete or verb != "select":
        raise RuntimeError("Database.lookup() sessions only read; write in Database.write()")


def _no_flush(*_: Any) -> None:
    raise RuntimeError("Database.lookup() sessions only read; write in Database.write()")


class Database:
    """Holds the engine and session factories; bound to an app in `create_app`."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._reader: sessionmaker[Session] | None = None
        self._writer: sessionmaker[Session] | None = None
        self._lookup: sessionmaker[Session] | None = None
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
        self._lookup = None  # chosen on first use, once the server's default isolation level is known

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

    @contextmanager
    def lookup(self) -> Iterator[Session]:
        """A session for a request's hot reads: SELECT only. A write through the ORM (`session.execute`)
        or a flush raises RuntimeError; statements run on `session.connection()` bypass that guard, so
        callers that use it (trace, the prebuilt EPC query) must only read.

        On PostgreSQL at READ COMMITTED (its default) the statements run in autocommit: each sees what was
        committed before it started, exactly as inside a READ COMMITTED transaction, but there is no BEGIN
        or ROLLBACK round trip and no transaction that could outlive the request. On SQLite, or a server
        whose default level is stricter, it reads in one transaction as `read()` does.
        """
        factory = self._lookup or self._lookup_factory()
        with factory() as session:
            yield session

    def _lookup_factory(self) -> sessionmaker[Session]:
        engine = self.engine
        if engine.dialect.name == "postgresql":
            if getattr(engine.dialect, "default_isolation_level", None) is None:
                engine.connect().close()  # the first connection reads the server's default level
            if engine.dialect.default_isolation_level in ("READ COMMITTED", "READ UNCOMMITTED"):
                engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        factory = sessionmaker(engine, autoflush=False, expire_on_commit=False)
        event.listen(factory, "do_orm_execute", _no_writes)
        event.listen(factory, "before_flush", _no_flush)
        self._lookup = factory
        return factory


def current_db() -> Database:
    """The database of the app handling the current request or command."""
    from flask import current_app

    database: Database = current_app.extensions["custody.db"]
    return database
