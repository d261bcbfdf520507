"""PostgreSQL's connection pool: a connection idle for a while is checked before it is lent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, text

from paylater import db as db_module
from paylater.db import Database


def _backend(connection: Connection) -> int:
    return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.fixture
def postgresql(database: Database) -> Database:
    if database.is_sqlite:
        pytest.skip("SQLite opens no network connections")
    return database


def test_a_connection_returned_moments_ago_is_lent_without_a_ping(
    postgresql: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[Any] = []
    dialect = postgresql.engine.dialect
    original = dialect.do_ping

    def counted(connection: Any) -> bool:
        pings.append(connection)
        return bool(original(connection))

    monkeypatch.setattr(dialect, "do_ping", counted)
    first = postgresql.run(_backend)
    assert postgresql.run(_backend) == first
    assert pings == []
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert postgresql.run(_backend) == first
    assert len(pings) == 1


def test_a_connection_closed_by_the_server_while_idle_is_replaced(
    postgresql: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = postgresql.run(_backend)
    killer = create_engine(postgresql.url)
    with killer.begin() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": lost})
    killer.dispose()
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle "long"
    replacement = postgresql.run(_backend)
    assert replacement != lost
