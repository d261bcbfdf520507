"""The SQLite group-commit writer under a load that never lets up: every unit is answered, and
the WAL is copied back and starts over instead of growing for as long as the load lasts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Connection

from paylater import db
from paylater.db import Database

_PAGE = 4096


def _insert_page(connection: Connection) -> None:
    connection.exec_driver_sql("INSERT INTO rows (body) VALUES (randomblob(3000))")


async def _steady_load(database: Database, seconds: float) -> int:
    """Units submitted one after another without waiting for their answers, so that new ones
    are always pending when a group's commit ends (as HTTP requests arrive during a commit)."""
    loop = asyncio.get_running_loop()
    ends = loop.time() + seconds
    submitted: list[asyncio.Task[None]] = []
    while loop.time() < ends:
        submitted.append(asyncio.create_task(database.run_async(_insert_page)))
        await asyncio.sleep(0.0002)
    await asyncio.gather(*submitted)
    return len(submitted)


def test_under_a_steady_load_the_wal_is_copied_back_and_starts_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "_CHECKPOINT_SECONDS", 0.05)
    monkeypatch.setattr(db, "_RESTART_FRAMES", 64)
    path = tmp_path / "steady.db"
    database = Database(f"sqlite:///{path}")
    database.run(
        lambda c: c.exec_driver_sql("CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB)")
    )

    units = asyncio.run(_steady_load(database, seconds=1.5))

    written = units * _PAGE  # each row fills most of a page of its own
    wal = Path(f"{path}-wal").stat().st_size
    assert units > 500
    assert wal < written / 4, (units, wal)
    # What was copied back is in the database file itself, not only in the WAL.
    assert path.stat().st_size > written / 2
    assert database.run(lambda c: c.exec_driver_sql("SELECT count(*) FROM rows").scalar()) == units
    database.dispose()
