"""Engine, schema metadata and the transaction scope.

Only the scope opened here commits: services receive a `Connection` inside a transaction and
never commit themselves. On SQLite every write transaction starts with ``BEGIN IMMEDIATE`` (one
writer at a time, no lock upgrades that deadlock) and runs with WAL and ``synchronous=FULL``; on
PostgreSQL rows are locked with ``SELECT … FOR UPDATE`` in the documented order
(order → plan → instalment → payment) and serialization failures are retried a few times.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, DateTime, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Insert
from sqlalchemy.sql.schema import Table

from paylater import pgpipeline
from paylater.kit.threads import WorkerThreads
from paylater.writegate import WRITE_WAIT_SECONDS, GiveWay, WriteGate

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

T = TypeVar("T")
# serialization_failure, deadlock_detected; invalid_sql_statement_name: a statement prepared on
# the connection was deallocated behind its back (DISCARD ALL), and is prepared again;
# unique_violation: under READ COMMITTED, two transactions that each looked for a row and, not
# finding it, inserted it (two checkouts creating the same new consumer at once). Run again,
# the one that lost reads the row the other committed. A violation that is not such a race
# fails again on every attempt and is raised after the last.
_RETRYABLE_PG_CODES = {"40001", "40P01", "26000", "23505"}
_MAX_ATTEMPTS = 4


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def normalize_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


_WAL_SIZE_LIMIT_BYTES = 128 << 20


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        # A 64 MB page cache and memory-mapped reads: a large database's index pages stay in
        # memory, so bulk work (the daily run) keeps its write transactions short.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA mmap_size=268435456")
        # A WAL grown by a burst of writes is cut back to this size when it next starts over.
        cursor.execute(f"PRAGMA journal_size_limit={_WAL_SIZE_LIMIT_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        readonly = connection.get_execution_options().get("paylater_readonly", False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


# A pooled PostgreSQL connection idle for longer than this is checked before it is lent again.
PING_AFTER_IDLE_SECONDS = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before lending it only when it has been idle a while.

    A check at every checkout (SQLAlchemy's ``pool_pre_ping``) costs a round trip per unit of
    work, one statement in eight of the checkout flow. A connection returned moments ago is as
    alive as it was then; one idle for longer may have been closed by a server restart, an idle
    timeout or a firewall, and is pinged: a dead one is replaced before any work uses it.
    """

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _lent(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at", 0.0)
        if time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and lends another (a new one if need be).
            raise DisconnectionError(f"pooled connection lost: {error}") from error


def _gate_path(url: str) -> Path | None:
    path = url.split("sqlite:///", 1)[-1] if url.startswith("sqlite:///") else ""
    if not path or path == ":memory:":
        return None
    return Path(f"{path}-writegate")


def _copy_back(connection: Connection) -> None:
    """After a bulk commit, with the write gate let go: a passive checkpoint.

    It syncs the WAL (the commit, made without an fsync under the gate, is now durable) and
    copies the pages back into the database file. Done by the bulk job after each of its
    transactions, this keeps three costs off merchant requests: a request's commit would
    otherwise ``fsync`` the bulk job's unsynced pages with its own (its commit went from 0.5 to
    1.7 ms at the median during the daily run), the API's once-a-second checkpoint would copy
    tens of thousands of pages at once and stall every commit meanwhile (50 ms checkpoints,
    7–11 ms commits), and a WAL that keeps growing makes each commit extend the file. A passive
    checkpoint takes no lock that writers wait for; when another one is running it does nothing.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    # When another checkpoint holds the lock, that one does the copying.
    with suppress(sqlite3.OperationalError):
        _passive_checkpoint(driver)


def _passive_checkpoint(driver: Any) -> int:
    """``PRAGMA wal_checkpoint(PASSIVE)`` on a DBAPI connection; the WAL's length in frames."""
    _busy, frames, _copied = driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(frames)


def _set_synchronous(connection: Connection, level: str) -> None:
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA synchronous={level}")
    # Bulk (redoable) work checkpoints after each commit itself, off the write gate: see
    # _copy_back.
    _set_autocheckpoint(connection, 0 if level == "NORMAL" else _AUTOCHECKPOINT_PAGES)


_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default


def _set_autocheckpoint(connection: Connection, pages: int) -> None:
    """Whether (0: never) and past how many WAL pages the connection's commits checkpoint."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA wal_autocheckpoint={pages}")


class Database:
    """One engine plus the rules for running a unit of work against it."""

    def __init__(self, url: str, *, pool_size: int = 16) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            memory = self.url in ("sqlite://", "sqlite:///:memory:")
            self.engine = create_engine(
                self.url,
                poolclass=NullPool if memory else None,
                connect_args={"check_same_thread": False},
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
            )
            _configure_sqlite(self.engine)
        else:
            self.engine = create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=pool_size,
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
            )
            _ping_when_idle(self.engine)
            pgpipeline.keep_back_writes(self.engine)
        self.write_gate = WriteGate(_gate_path(self.url) if self.is_sqlite else None)
        # PostgreSQL units from async code, at most as many at once as the pool has connections.
        self._threads = WorkerThreads(pool_size, "paylater-db")
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommitWriter] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(
        self,
        *,
        readonly: bool = False,
        redoable: bool = False,
        give_way: GiveWay | None = None,
        checkpoint_later: bool = False,
    ) -> Iterator[Connection]:
        """A transaction that commits when the block ends and rolls back on any exception.

        ``redoable``: the work belongs to a job that records its own completion in a later
        transaction and redoes whatever is missing when it runs again (a chunk of the daily run).
        On SQLite such a commit skips the fsync (``synchronous=NORMAL``): a power cut can lose
        only the last transactions of the WAL, never one in the middle, so a lost chunk is lost
        together with the job's completion and is done again when the job reruns. The fsync
        follows once the write gate is let go (:func:`_copy_back`).

        ``checkpoint_later``: one large transaction (a bank file of a million entries writes
        about a gigabyte of WAL). On SQLite its commit, durable as any, leaves copying those pages
        back into the database file to a later passive checkpoint (the API server's, which runs
        in the background, or the one SQLite runs when the process closes the database) instead
        of making its caller wait seconds for it. The copy holds no lock writers wait for.
        """
        with self.engine.connect() as connection:
            if readonly:
                connection = connection.execution_options(paylater_readonly=True)
            relaxed = redoable and self.is_sqlite
            if relaxed:
                _set_synchronous(connection, "NORMAL")
            later = checkpoint_later and self.is_sqlite
            if later:
                _set_autocheckpoint(connection, 0)
            gate = self.write_gate.enter() if relaxed else None
            try:
                with connection.begin():
                    if give_way is None:
                        yield connection
                    else:
                        with give_way.watching(connection):
                            yield connection
            finally:
                if gate is not None:
                    gate.leave()
                if relaxed:
                    _set_synchronous(connection, "FULL")
                if later:
                    _set_autocheckpoint(connection, _AUTOCHECKPOINT_PAGES)
            if relaxed:
                _copy_back(connection)

    def run(
        self,
        work: Callable[[Connection], T],
        *,
        readonly: bool = False,
        redoable: bool = False,
        checkpoint_later: bool = False,
    ) -> T:
        """Run ``work`` in one transaction (see :meth:`transaction` for the options), retrying
        PostgreSQL serialization failures."""
        attempt = 0
        # On SQLite, redoable (bulk) work gives way to merchant requests in mid-transaction: it
        # rolls back as soon as one waits for the write gate and runs again once it has passed,
        # so a request waits for a fraction of a millisecond instead of a whole bulk transaction.
        # After a few such retreats it runs to the end, so that bulk work always progresses.
        give_way = GiveWay(self.write_gate) if redoable and self.is_sqlite else None
        while True:
            attempt += 1
            if give_way is not None and give_way.retreats >= _MAX_RETREATS:
                give_way = None
            try:
                with self.transaction(
                    readonly=readonly,
                    redoable=redoable,
                    give_way=give_way,
                    checkpoint_later=checkpoint_later,
                ) as connection:
                    return work(connection)
            except (OperationalError, DBAPIError) as error:
                if give_way is not None and give_way.gave_way:
                    give_way.gave_way = False
                    attempt -= 1
                    self.write_gate.yield_to_waiters()
                    continue
                if attempt >= _MAX_ATTEMPTS or not self._retryable(error):
                    raise
                time.sleep(0.005 * attempt)

    async def run_async(self, work: Callable[[Connection], T], *, readonly: bool = False) -> T:
        """Run a unit of work from async code.

        SQLite has one writer: write units go to a :class:`GroupCommitWriter` that runs them one
        after another on the event loop, each in its own savepoint, and commits each group with
        one fsync in a worker thread. Reads run inline on their own connection (WAL lets them
        proceed during a commit). PostgreSQL work goes to a bounded thread pool.
        """
        if self.is_sqlite:
            if readonly:
                return self.run(work, readonly=True)
            # One writer per event loop: its task and futures belong to that loop. (Two loops on
            # one database — two test clients, say — then share SQLite's lock like two processes.)
            loop = asyncio.get_running_loop()
            writer = self._writers.get(loop)
            if writer is None:
                writer = self._writers[loop] = GroupCommitWriter(self)
            return await writer.submit(work)
        return await self._threads.run(lambda: self.run(work, readonly=readonly))

    def _retryable(self, error: DBAPIError) -> bool:
        if self.is_sqlite:
            return "database is locked" in str(error.orig)
        return getattr(error.orig, "sqlstate", None) in _RETRYABLE_PG_CODES

    def checkpoint(self) -> int:
        """A passive WAL checkpoint (SQLite): copies what it can without blocking anyone.

        Returns the number of frames in the WAL (0 on PostgreSQL)."""
        if not self.is_sqlite:
            return 0
        connection = self.engine.raw_connection()
        try:
            return _passive_checkpoint(connection)
        finally:
            connection.close()

    def pause_for_writers(self, *, pause: bool = True) -> None:
        """Called by long background work between its transactions: on SQLite, a waiting
        merchant request goes first, then (``pause``) a short pause lets other writers, which
        poll SQLite's lock, take it."""
        if self.is_sqlite:
            self.write_gate.yield_to_waiters()
            if pause:
                time.sleep(_YIELD_SECONDS)

    def dispose(self) -> None:
        self._threads.close()
        self.engine.dispose()


# How often the API's writer tries for the write lock while another process writes.
_WRITE_POLL_SECONDS = 0.0005
# How long a background task pauses between its chunks so that a waiting writer gets in.
_YIELD_SECONDS = 0.001
_CHECKPOINT_SECONDS = 0.25
# The WAL length (in frames: 64 MB of 4 kB pages) past which the writer lets it start over.
_RESTART_FRAMES = 16_384
# After so many retreats (see GiveWay) a bulk transaction runs to its end regardless.
_MAX_RETREATS = 3


async def _let_answers_leave() -> None:
    """Two turns of the event loop, so that the requests a group has just answered send their
    responses before the next group runs.

    Nothing in a group's start suspends the writer when the database is free, so without this the
    answered requests would resume only at the next group's commit, and every response would wait
    for a whole group's work (13 ms at the 90th percentile with 32 connections). In the first turn
    their tasks write the responses; in the second the writes leave (a connection's transport
    sends what a step wrote from the next turn, in one system call). Requests that arrived
    meanwhile are read in these turns too and join the next group.
    """
    await asyncio.sleep(0)
    await asyncio.sleep(0)


class GroupCommitWriter:
    """The single SQLite writer of an async process, committing units of work in groups.

    Units run one after another in one transaction on one connection and are answered only after
    the group's commit is durable. A unit that raises is answered with its exception; the group is
    rolled back and the other units run again without it (units are functions of the database
    state and their inputs, and nothing of theirs was visible yet), so each caller sees exactly
    what a serial execution would have given it. The commit (the fsync) runs in a thread, so the
    event loop keeps parsing requests meanwhile and they form the next group.
    """

    MAX_GROUP = 128

    def __init__(self, database: Database) -> None:
        self._database = database
        self._pending: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._checkpoint: asyncio.Task[int] | None = None
        self._checkpointed_at = time.monotonic()
        self._connection: Connection | None = None

    async def submit(self, work: Callable[[Connection], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((work, future))
        self._wakeup.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                group = self._pending[: self.MAX_GROUP]
                del self._pending[: self.MAX_GROUP]
                await self._run_group(group)
                await _let_answers_leave()
                await self._keep_wal_short()

    async def _keep_wal_short(self) -> None:
        """Between groups: copy the WAL back into the database now and then, and let it start over.

        The writer's own connection never checkpoints inside a commit (``wal_autocheckpoint=0``):
        that would make the group wait for a copy of everything written since the last one (tens
        to hundreds of milliseconds when a bulk job has grown the WAL). Instead, at most four
        times a second, a passive checkpoint runs in a thread on a connection of its own while
        groups go on committing: small copies often rather than a second's worth at once.

        That alone never empties the WAL under a steady load: groups commit while the copy runs,
        and SQLite starts the WAL over only when a write transaction begins with every frame
        copied back. The file would grow for as long as the load lasts (about 50 MB a second
        under the checkout benchmark), each commit appending to it (the file system allocates and
        zeroes its blocks, and every fsync also records the new length), and every page read
        would search a growing WAL index. So once such a copy has finished, the writer copies the
        few frames written meanwhile itself before its next group, in a thread, with the event
        loop serving requests, and that group's ``BEGIN`` starts the WAL over. That copy syncs
        the WAL and the database file, and the group waits for it (4–6 ms under the checkout
        benchmark), so it is done only once the WAL has reached 64 MB: about once a second under
        that load, and the file's blocks are reused instead of allocated.
        """
        copy = self._checkpoint
        if copy is not None and copy.done():
            self._checkpoint = None
            connection = self._connection
            long_enough = (
                not copy.cancelled()
                and copy.exception() is None
                and copy.result() >= _RESTART_FRAMES
            )
            if long_enough and connection is not None:
                driver = connection.connection.driver_connection
                with suppress(sqlite3.Error):
                    await asyncio.to_thread(_passive_checkpoint, driver)
        self._maybe_checkpoint()

    def _maybe_checkpoint(self) -> None:
        moment = time.monotonic()
        if self._checkpoint is not None or moment - self._checkpointed_at < _CHECKPOINT_SECONDS:
            return
        self._checkpointed_at = moment
        self._checkpoint = asyncio.create_task(asyncio.to_thread(self._database.checkpoint))

    async def _begin(self, connection: Connection) -> Any:
        """BEGIN IMMEDIATE, polling every half millisecond while another process writes.

        A background job (the daily run) commits in small chunks and pauses between them; polling
        this often takes the lock in that pause, so a merchant request waits for at most about
        one chunk, and the event loop keeps serving reads meanwhile.
        """
        deadline = time.monotonic() + WRITE_WAIT_SECONDS
        while True:
            try:
                return connection.begin()
            except OperationalError as error:
                locked = "database is locked" in str(error.orig)
                if not locked or time.monotonic() >= deadline:
                    raise
                connection.rollback()
                await asyncio.sleep(_WRITE_POLL_SECONDS)

    async def _run_group(
        self, group: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]]
    ) -> None:
        if self._connection is None:
            self._connection = self._database.engine.connect()
            # This connection never waits inside SQLite's busy handler (which would block the
            # event loop, and sleeps up to 100 ms between tries): see _begin.
            driver = self._connection.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA busy_timeout=0")
            driver.execute("PRAGMA wal_autocheckpoint=0")  # see _keep_wal_short
        connection = self._connection
        remaining = list(group)
        while remaining:
            results: list[tuple[asyncio.Future[Any], Any]] = []
            failed: tuple[int, BaseException] | None = None
            gate = await self._database.write_gate.enter_async()
            try:
                transaction = await self._begin(connection)
                for index, (work, future) in enumerate(remaining):
                    try:
                        results.append((future, work(connection)))
                    except Exception as error:  # the unit's caller receives it
                        failed = (index, error)
                        break
                if failed is None:
                    await asyncio.to_thread(transaction.commit)
                else:
                    transaction.rollback()
            except Exception as error:  # BEGIN or COMMIT failed: nothing was written
                gate.leave()
                self._connection = None
                connection.invalidate()
                for _work, future in remaining:
                    if not future.done():
                        future.set_exception(error)
                return
            gate.leave()
            if failed is None:
                for future, result in results:
                    if not future.done():
                        future.set_result(result)
                return
            index, unit_error = failed
            if not remaining[index][1].done():
                remaining[index][1].set_exception(unit_error)
            del remaining[index]


def insert_ignoring_duplicates(connection: Connection, table: Table) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for the connection's dialect (built once per table)."""
    return _insert_ignoring(connection.dialect.name, table)


@lru_cache(maxsize=64)
def _insert_ignoring(dialect: str, table: Table) -> Insert:
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always stored and returned as an aware UTC datetime.

    SQLite keeps no zone, PostgreSQL does; this makes both behave the same for domain code.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # The text SQLAlchemy's SQLite DATETIME stores ("2026-11-22 23:01:04.000000"), written
        # by datetime's own C formatting: a tenth of the time of SQLAlchemy's format string,
        # which every timestamp of every write went through.
        def to_text(value: datetime | None) -> str | None:
            naive = self.process_bind_param(value, dialect)
            return None if naive is None else naive.isoformat(" ", "microseconds")

        return to_text

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
