"""The write gate between merchant requests and bulk work on SQLite: a request that has to wait
leaves a marker, and bulk work steps aside for it before its next transaction."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import Connection

from paylater.db import Database
from paylater.writegate import WriteGate


def test_a_waiting_request_gets_the_gate_before_the_bulk_job_takes_it_again(
    tmp_path: Path,
) -> None:
    gate = WriteGate(tmp_path / "db-writegate")
    order: list[str] = []
    held = gate.enter()  # the bulk job's transaction
    waiting = threading.Event()

    async def request() -> None:
        waiting.set()
        mine = await gate.enter_async()
        order.append("request")
        await asyncio.sleep(0.02)  # its transaction
        mine.leave()

    thread = threading.Thread(target=lambda: asyncio.run(request()))
    thread.start()
    waiting.wait(5)
    deadline = time.monotonic() + 5
    while gate.waiting is not None and not gate.waiting.exists():
        assert time.monotonic() < deadline, "the request left no marker while waiting"
        time.sleep(0.001)
    held.leave()
    gate.yield_to_waiters()  # the bulk job, before its next transaction
    again = gate.enter()
    order.append("bulk")
    again.leave()
    thread.join(5)
    assert order == ["request", "bulk"]
    assert gate.waiting is not None and not gate.waiting.exists()


def test_without_a_waiter_or_with_a_stale_marker_the_bulk_job_does_not_wait(
    tmp_path: Path,
) -> None:
    gate = WriteGate(tmp_path / "db-writegate")
    started = time.monotonic()
    gate.yield_to_waiters()
    assert time.monotonic() - started < 0.01

    assert gate.waiting is not None
    gate.waiting.touch()
    an_hour_ago = time.time() - 3600
    os.utime(gate.waiting, (an_hour_ago, an_hour_ago))  # its process died while waiting
    started = time.monotonic()
    gate.yield_to_waiters()
    assert time.monotonic() - started < 0.01


def _bulk_database(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'bulk.db'}")
    database.run(lambda c: c.exec_driver_sql("CREATE TABLE rows (n INTEGER)"))
    return database


# One statement long enough (about 100,000 rows) to be interrupted while it runs.
_MANY_ROWS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
    "INSERT INTO rows SELECT i FROM n"
)


def test_a_bulk_transaction_gives_way_mid_statement_and_is_redone_once(tmp_path: Path) -> None:
    database = _bulk_database(tmp_path)
    marker = database.write_gate.waiting
    assert marker is not None
    attempts: list[int] = []

    def bulk(connection: Connection) -> int:
        attempts.append(1)
        if len(attempts) == 1:
            marker.touch()  # a merchant request starts waiting for the gate
            threading.Timer(0.02, lambda: marker.unlink(missing_ok=True)).start()
        connection.exec_driver_sql(_MANY_ROWS)
        return len(attempts)

    assert database.run(bulk, redoable=True) == 2
    count = database.run(lambda c: c.exec_driver_sql("SELECT count(*) FROM rows").scalar_one())
    assert count == 100_000  # the first attempt left nothing behind


def test_a_bulk_transaction_runs_to_its_end_after_a_few_retreats(tmp_path: Path) -> None:
    database = _bulk_database(tmp_path)
    marker = database.write_gate.waiting
    assert marker is not None
    marker.touch()  # a request that keeps waiting (or requests that keep coming)
    attempts: list[int] = []

    def bulk(connection: Connection) -> None:
        attempts.append(1)
        marker.touch()
        connection.exec_driver_sql(_MANY_ROWS)

    database.run(bulk, redoable=True)
    assert len(attempts) == 4  # three retreats, then once to the end
    count = database.run(lambda c: c.exec_driver_sql("SELECT count(*) FROM rows").scalar_one())
    assert count == 100_000


def test_work_that_is_not_redoable_never_gives_way(tmp_path: Path) -> None:
    database = _bulk_database(tmp_path)
    marker = database.write_gate.waiting
    assert marker is not None
    marker.touch()
    attempts: list[int] = []

    def work(connection: Connection) -> None:
        attempts.append(1)
        connection.exec_driver_sql(_MANY_ROWS)

    database.run(work)
    assert attempts == [1]


def test_a_bulk_commit_reaches_the_database_file_once_the_gate_is_let_go(tmp_path: Path) -> None:
    """The bulk job checkpoints after each transaction, so what it wrote is in the database
    file itself, not only in the WAL that a merchant request's commit would have to sync."""
    database = _bulk_database(tmp_path)
    database.run(lambda c: c.exec_driver_sql(_MANY_ROWS), redoable=True)
    assert _rows_in_file_alone(tmp_path) == 100_000
    database.dispose()


def _rows_in_file_alone(tmp_path: Path) -> int | None:
    """How many rows the database file holds without its WAL (None: no table there yet)."""
    alone = tmp_path / "alone.db"
    alone.write_bytes((tmp_path / "bulk.db").read_bytes())
    copy = sqlite3.connect(alone)
    try:
        return int(copy.execute("SELECT count(*) FROM rows").fetchone()[0])
    except sqlite3.OperationalError:
        return None
    finally:
        copy.close()


def test_a_large_import_commits_without_waiting_for_the_copy_back(tmp_path: Path) -> None:
    """``checkpoint_later``: the commit is durable in the WAL, the copy into the database file
    waits for the next passive checkpoint, and the pooled connection checkpoints as usual
    afterwards."""
    database = _bulk_database(tmp_path)
    database.checkpoint()
    many_pages = _MANY_ROWS.replace("SELECT i FROM n", "SELECT i || randomblob(100) FROM n")
    database.run(lambda c: c.exec_driver_sql(many_pages), checkpoint_later=True)
    assert _rows_in_file_alone(tmp_path) == 0  # more than 1,000 pages, yet not copied back

    database.checkpoint()
    assert _rows_in_file_alone(tmp_path) == 100_000
    pages = database.run(lambda c: c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())
    assert pages == 1000
    database.dispose()
