"""Shared fixtures: a migrated database per backend (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
cleaned before each test, the app on it, and one API token per role."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

os.environ.setdefault("SECRET_KEY", "test-secret-key")

from app import create_app
from app.extensions import make_engine
from app.models import Base
from app.services import audit, schema, security

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL variant skipped: TEST_DATABASE_URL is not set (.ci/run sets it)")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    schema.upgrade(engine)
    yield engine
    engine.dispose()


def _truncate(engine: Engine) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "custody.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    engine: Engine = request.getfixturevalue("pg_engine")
    _truncate(engine)
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def app(db_url: str) -> Iterator[Flask]:
    application = create_app({"database_url": db_url, "testing": True})
    database = application.extensions["custody.db"]
    with database.write() as session:
        audit.ensure_head(session)
    yield application
    database.engine.dispose()


@pytest.fixture
def database(app: Flask) -> Any:
    return app.extensions["custody.db"]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


ROLES = ["admin", "erp", "line", "logistics", "qa", "regulator"]


@pytest.fixture
def auth(database: Any) -> dict[str, dict[str, str]]:
    """`Authorization` headers for one token per role: auth["erp"]."""
    return {
        role: {"Authorization": "Bearer " + security.create_token(database, name=f"{role}-token", role=role)}
        for role in ROLES
    }


@pytest.fixture
def reference() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"GS1 reference data not found at {REFERENCE}")
    return REFERENCE


def row_counts(database: Any) -> dict[str, int]:
    """Rows per table: compared before and after a rejected request to prove nothing was written."""
    with database.engine.connect() as conn:
        return {
            t.name: conn.execute(text(f"SELECT COUNT(*) FROM {t.name}")).scalar_one()
            for t in Base.metadata.sorted_tables
        }


@pytest.fixture
def unchanged(database: Any) -> Any:
    """`with unchanged(): ...` asserts that no table gained or lost a row inside the block."""
    from contextlib import contextmanager

    @contextmanager
    def check() -> Iterator[None]:
        before = row_counts(database)
        yield
        assert row_counts(database) == before

    return check


GTIN = "09506000134352"


@pytest.fixture
def product(client: FlaskClient, auth: dict[str, dict[str, str]]) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/products",
        headers=auth["erp"],
        json={
            "gtin": GTIN,
            "name": "Examplumab 40 mg",
            "company_prefix_length": 7,
            "serial_scheme": {"alphabet": "alphanumeric", "length": 12},
            "national_numbers": {"DE": "12345678"},
            "target_markets": ["DE", "FR"],
        },
    )
    assert answer.status_code == 201, answer.get_json()
    return dict(answer.get_json())


@pytest.fixture
def batch(client: FlaskClient, auth: dict[str, dict[str, str]], product: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/batches",
        headers=auth["erp"],
        json={"gtin": GTIN, "lot": "LOT-001", "expiry": "2027-12-31", "quantity": 1000},
    )
    assert answer.status_code == 201, answer.get_json()
    return dict(answer.get_json())
