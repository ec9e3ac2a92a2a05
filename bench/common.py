"""Shared benchmark helpers: a fresh database on SQLite or PostgreSQL, printing ratios."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def ratio_line(name: str, ours: float, base: float, unit: str, target: str) -> None:
    print(
        f"{name:<44} ours {ours:>12,.0f} {unit:<9} baseline {base:>12,.0f} {unit:<9} ratio {ours / base:6.2f}x"
        f"   (target {target})",
        flush=True,
    )


SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def pg_url() -> str | None:
    """A new, empty PostgreSQL database on the local server (or BENCH_DATABASE_URL), else None."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url
    try:
        import psycopg

        name = f"custody_bench_{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    except Exception:
        return None


@contextmanager
def fresh_app(backend: str) -> Iterator[Any]:
    """An app on a migrated, empty database of `backend` ("sqlite" or "postgresql"); None if unavailable."""
    os.environ.setdefault("SECRET_KEY", "bench")
    from app import create_app
    from app.services import audit, schema

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db" if backend == "sqlite" else pg_url()
        if url is None:
            yield None
            return
        app = create_app({"database_url": url})
        database = app.extensions["custody.db"]
        schema.upgrade(database.engine)
        with database.write() as session:
            audit.ensure_head(session)
        try:
            yield app
        finally:
            database.engine.dispose()
            if backend == "postgresql" and not os.environ.get("BENCH_DATABASE_URL"):
                _drop(url.rpartition("/")[2])


def _drop(name: str) -> None:
    """Remove a database `pg_url` made (the benches leave nothing behind on the server)."""
    import psycopg

    with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


GTIN = "09506000134352"


def seed_product(database: Any, gtin: str = GTIN) -> Any:
    """A bench product (alphanumeric 12-character serials, room for 100 million) and the admin principal."""
    from app.schemas import ProductIn
    from app.services import masterdata
    from app.services.security import Principal, Role

    admin = Principal("bench", Role.ADMIN)
    scheme = {"alphabet": "alphanumeric", "length": 12, "lifetime_volume": 100_000_000}
    product = {"gtin": gtin, "name": "Bench", "company_prefix_length": 7, "serial_scheme": scheme}
    masterdata.create_product(database, admin, ProductIn.model_validate(product), 1)
    return admin


# The columns of `epcis_event` the query and UI benches fill when they seed stored events in bulk.
EVENT_COLUMNS = (
    "id",
    "event_id",
    "hash_id",
    "event_type",
    "action",
    "event_time",
    "event_time_zone_offset",
    "record_time",
    "biz_step",
    "disposition",
    "read_point",
    "biz_location",
    "captured_by",
    "body",
)
