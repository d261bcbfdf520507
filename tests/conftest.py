"""Fixtures shared by the whole suite.

Every test gets a fresh, migrated database: SQLite by default (a copy of a template file migrated
once per run), or PostgreSQL when ``PAYLATER_TEST_DATABASE_URL`` is set (one database per xdist
worker, emptied with TRUNCATE between tests — TRUNCATE does not fire the ledger's row triggers).
"""

from __future__ import annotations

import base64
import os
import shutil
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from paylater.app import create_app
from paylater.config import Settings
from paylater.db import Database, metadata, normalize_url
from paylater.kit.clock import FixedClock
from paylater.merchants import service as merchants
from paylater.schema import import_models, migrate

# Starlette's TestClient announces a move to httpx2; the client still works as documented.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

import_models()
PG_URL = os.environ.get("PAYLATER_TEST_DATABASE_URL")
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _worker_database_url(base_url: str, worker: str) -> str:
    url = normalize_url(base_url)
    if worker in ("", "master"):
        return url
    server, _, name = url.rpartition("/")
    worker_name = f"{name}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": worker_name}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{worker_name}"'))
    admin.dispose()
    return f"{server}/{worker_name}"


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """A migrated database: a template file for SQLite, the worker's database for PostgreSQL."""
    if PG_URL:
        url = _worker_database_url(PG_URL, worker_id)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        database = Database(url)
        migrate(database)
        database.dispose()
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    migrate(database)
    database.dispose()
    return str(path)


@pytest.fixture
def database(database_template: str, tmp_path: Path) -> Iterator[Database]:
    if PG_URL:
        db = Database(database_template, pool_size=8)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    else:
        path = tmp_path / "paylater.db"
        shutil.copyfile(database_template, path)
        db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url="sqlite://",
        data_dir=tmp_path,
        sandbox=True,
        secret_key="test-secret-key",
        admin_token="test-admin-token",
    )


@pytest.fixture
def client(settings: Settings, database: Database, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(settings, database, clock)
    with TestClient(app) as test_client:
        yield test_client


def basic_auth(username: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def make_merchant(database: Database, settings: Settings, clock: FixedClock) -> Any:
    def make(
        name: str = "Nordic Goods AB", country: str = "SE", fee_rate_bp: int = 290
    ) -> dict[str, Any]:
        def work(connection: Any) -> dict[str, Any]:
            merchant = merchants.create_merchant(
                connection, name=name, country=country, at=clock.now(), fee_rate_bp=fee_rate_bp
            )
            issued = merchants.issue_credential(
                connection, merchant.id, key=settings.hashing_key, at=clock.now()
            )
            return {
                "id": merchant.id,
                "merchant": merchant,
                "headers": basic_auth(issued.username, issued.secret),
                "username": issued.username,
                "secret": issued.secret,
            }

        return database.run(work)

    return make


@pytest.fixture
def merchant(make_merchant: Any) -> dict[str, Any]:
    return dict(make_merchant())
