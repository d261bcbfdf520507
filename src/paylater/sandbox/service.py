"""The sandbox clock's offset, stored so every process (server, worker, CLI) shares it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, select

from paylater.config import Settings
from paylater.db import Database, insert_ignoring_duplicates
from paylater.kit.clock import Clock, SandboxClock, SystemClock
from paylater.sandbox.models import sandbox_state

_OFFSET = "clock_offset_seconds"


def stored_offset(connection: Connection) -> timedelta:
    value = connection.execute(
        select(sandbox_state.c.value).where(sandbox_state.c.name == _OFFSET)
    ).scalar()
    return timedelta(seconds=int(value or 0))


def advance(connection: Connection, delta: timedelta) -> timedelta:
    """Move the shared sandbox clock forward; returns the new total offset."""
    if delta < timedelta(0):
        raise ValueError("the sandbox clock only moves forward")
    connection.execute(
        insert_ignoring_duplicates(connection, sandbox_state).values(name=_OFFSET, value=0)
    )
    connection.execute(
        sandbox_state.update()
        .where(sandbox_state.c.name == _OFFSET)
        .values(value=sandbox_state.c.value + int(delta.total_seconds()))
    )
    return stored_offset(connection)


def shared_clock(database: Database) -> SandboxClock:
    return SandboxClock(load_offset=lambda: database.run(stored_offset, readonly=True))


def clock_for(settings: Settings, database: Database) -> Clock:
    """The clock a process uses: the shared sandbox clock in sandbox mode, else the system's."""
    return shared_clock(database) if settings.sandbox else SystemClock()


def database_and_clock(settings: Settings | None = None) -> tuple[Database, Clock]:
    """The configured database and its clock, for command-line tools."""
    settings = settings or Settings()
    database = Database(settings.database_url, pool_size=settings.db_pool_size)
    return database, clock_for(settings, database)
