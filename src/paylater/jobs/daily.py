"""The daily run: one job per calendar day, whatever happens to the workers.

There are two kinds of day. The *global* day (UTC) runs tasks that do not depend on where the
consumer lives, such as authorization expiry: each runs in one transaction. A *country* day runs
once the country's local date has reached it (in the country's time zone), with tasks that read
the country's calendar: reminders, fees, pause expiry, autopay. Country tasks may touch millions
of rows, so they commit in small chunks (see :meth:`CountryDay.in_chunks`); each chunk only does
what is still due, so a crash midway followed by a rerun completes the day without doubling it.

Workers schedule every day from the last scheduled one up to today (by the injected clock, so an
advanced sandbox clock runs each day in turn); the day is the job's dedupe key, so any number of
workers schedule it once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from paylater.config import Settings
from paylater.db import Database
from paylater.jobs.models import DONE, jobs
from paylater.jobs.queue import enqueue
from paylater.jobs.registry import JobContext, register, register_external
from paylater.kit.clock import Clock

DAILY = "daily.run"
COUNTRY_DAILY = "daily.country"
# Rows per chunk of a country task: small enough that a chunk holds the SQLite write lock for a
# few milliseconds, so merchant API requests are barely delayed while a large day runs.
CHUNK_SIZE = 100
READS_PER_CHUNK = 4

DailyTask = Callable[[Connection, date, datetime], object]
_TASKS: dict[str, DailyTask] = {}
Row = TypeVar("Row")
Prepared = TypeVar("Prepared")


@dataclass(frozen=True)
class CountryDay:
    """One country's calendar day being run, with what a task needs to run it in chunks."""

    database: Database
    country: str
    day: date
    now: datetime
    clock: Clock
    settings: Settings
    chunk_size: int = CHUNK_SIZE
    # Told how long each chunk's transaction took, in seconds (benchmarks watch it).
    observe_chunk: Callable[[float], None] | None = None

    def _rest(self) -> None:
        """The operator's pause after each write transaction (``daily_chunk_pause_ms``)."""
        if self.settings.daily_chunk_pause_ms:
            time.sleep(self.settings.daily_chunk_pause_ms / 1000)

    @property
    def read_size(self) -> int:
        """Rows read and prepared at a time by :meth:`in_prepared_chunks`, which writes them in
        parts of at most ``chunk_size`` (reading costs little per row, a transaction does)."""
        return self.chunk_size * READS_PER_CHUNK

    def in_chunks(
        self,
        select_chunk: Callable[[Connection, Any, int], Sequence[Row]],
        process: Callable[[Connection, Sequence[Row]], int],
        *,
        key: Callable[[Row], Any],
    ) -> int:
        """Select and process rows a chunk at a time, each chunk in its own transaction.

        ``select_chunk(connection, after, limit)`` returns up to ``limit`` rows ordered by
        ``key``, all after ``after`` (``None`` at first); ``process`` acts on them in the same
        transaction and returns how many it acted on. Returns the total. Chunks commit without
        waiting for the disk on SQLite (see ``Database.transaction``): the job that runs them
        records its completion only after the last one.
        """
        after: Any = None
        total = 0
        while True:

            def work(connection: Connection, after: Any = after) -> tuple[Sequence[Row], int]:
                rows = select_chunk(connection, after, self.chunk_size)
                return rows, (process(connection, rows) if rows else 0)

            started = time.perf_counter()
            rows, acted = self.database.run(work, redoable=True)
            if self.observe_chunk is not None:
                self.observe_chunk(time.perf_counter() - started)
            total += acted
            if len(rows) < self.chunk_size:
                return total
            after = key(rows[-1])
            self._rest()
            self.database.pause_for_writers()

    def in_prepared_chunks(
        self,
        select_chunk: Callable[[Connection, Any, int], Sequence[Row]],
        prepare: Callable[[Sequence[Row]], Sequence[Prepared]],
        apply: Callable[[Connection, Prepared], int],
        *,
        key: Callable[[Row], Any],
    ) -> int:
        """Like :meth:`in_chunks`, for work whose cost is mostly computing: :attr:`read_size`
        rows at a time are read in a read-only transaction (no write lock) and ``prepare``d with
        no transaction open, into parts of at most ``chunk_size`` rows (fewer for rows costly to
        write); each part is ``apply``'d in its own write transaction, so only the writes hold
        the write lock. ``apply`` must check again that what it writes is still due (the rows may
        have changed since they were read).
        """
        after: Any = None
        total = 0
        while True:

            def read(connection: Connection, after: Any = after) -> Sequence[Row]:
                return select_chunk(connection, after, self.read_size)

            rows = self.database.run(read, readonly=True)
            for part in prepare(rows) if rows else ():

                def write(connection: Connection, part: Prepared = part) -> int:
                    return apply(connection, part)

                # A merchant request waiting for the write lock goes first (no fixed pause: the
                # reads and preparation between chunks leave the lock free anyway).
                self.database.pause_for_writers(pause=False)
                started = time.perf_counter()
                total += self.database.run(write, redoable=True)
                if self.observe_chunk is not None:
                    self.observe_chunk(time.perf_counter() - started)
                self._rest()
            if len(rows) < self.read_size:
                return total
            after = key(rows[-1])


CountryTask = Callable[[CountryDay], object]


@dataclass(frozen=True)
class _CountryTaskEntry:
    order: int
    task: CountryTask


_COUNTRY_TASKS: dict[str, _CountryTaskEntry] = {}


def daily_task(name: str) -> Callable[[DailyTask], DailyTask]:
    """Register ``task(connection, day, now)`` to run once for every (UTC) calendar day."""

    def decorate(task: DailyTask) -> DailyTask:
        _TASKS[name] = task
        return task

    return decorate


def country_task(name: str, *, order: int) -> Callable[[CountryTask], CountryTask]:
    """Register ``task(country_day)`` to run once per country and local day, lowest order first.

    Orders in use: 10 pause expiry, 20 autopay, 30 reminders and fees, 40 ageing and collections.
    """

    def decorate(task: CountryTask) -> CountryTask:
        _COUNTRY_TASKS[name] = _CountryTaskEntry(order, task)
        return task

    return decorate


def tasks() -> dict[str, DailyTask]:
    return dict(_TASKS)


def country_tasks() -> list[tuple[str, CountryTask]]:
    """The registered country tasks in the order they run."""
    ordered = sorted(_COUNTRY_TASKS.items(), key=lambda item: (item[1].order, item[0]))
    return [(name, entry.task) for name, entry in ordered]


def _schedule(
    connection: Connection,
    kind: str,
    today: date,
    now: datetime,
    *,
    prefix: str = "",
    payload: dict[str, Any] | None = None,
) -> list[date]:
    query = select(func.max(jobs.c.dedupe_key)).where(jobs.c.kind == kind)
    if prefix:
        # Keys look like "SE:2027-01-21"; ";" sorts right after ":", so this is an index range.
        query = query.where(jobs.c.dedupe_key > prefix, jobs.c.dedupe_key < prefix[:-1] + ";")
    last = connection.execute(query).scalar()
    day = date.fromisoformat(last[len(prefix) :]) + timedelta(days=1) if last else today
    scheduled = []
    while day <= today:
        key = f"{prefix}{day.isoformat()}"
        body = {**(payload or {}), "day": day.isoformat()}
        if enqueue(connection, kind, body, run_at=now, dedupe_key=key) is not None:
            scheduled.append(day)
        day += timedelta(days=1)
    return scheduled


def local_today(timezone: str, now: datetime) -> date:
    """The calendar date at ``now`` in ``timezone`` (an IANA name such as Europe/Stockholm)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def schedule_due_days(connection: Connection, *, now: datetime) -> list[date]:
    """Enqueue the global daily job, and each country's, for every day not yet scheduled.

    Returns the global days scheduled (country days are scheduled alongside).
    """
    from paylater.credit.countries import all_rules  # the countries a lender serves

    for rules in all_rules().values():
        _schedule(
            connection,
            COUNTRY_DAILY,
            local_today(rules.timezone, now),
            now,
            prefix=f"{rules.country}:",
            payload={"country": rules.country},
        )
    return _schedule(connection, DAILY, now.date(), now)


# Done jobs are kept this long (the delivery history operators look at), then deleted.
DONE_JOBS_KEPT = timedelta(days=30)
PURGE_LIMIT = 50_000


@daily_task("jobs.purge_done")
def purge_done_jobs(connection: Connection, day: date, now: datetime) -> int:
    """Delete done jobs finished more than 30 days ago (at most 50,000 a day).

    The daily jobs themselves stay: they are the memory of which days have been scheduled.
    """
    before = now - DONE_JOBS_KEPT
    old = (
        select(jobs.c.id)
        .where(
            jobs.c.status == DONE,
            jobs.c.run_at < before,
            jobs.c.finished_at < before,
            jobs.c.kind.not_in((DAILY, COUNTRY_DAILY)),
        )
        .limit(PURGE_LIMIT)
        .scalar_subquery()
    )
    return int(connection.execute(jobs.delete().where(jobs.c.id.in_(old))).rowcount or 0)


@register(DAILY)
def run_day(connection: Connection, payload: dict[str, Any], context: JobContext) -> None:
    day = date.fromisoformat(payload["day"])
    for task in _TASKS.values():
        task(connection, day, context.now)


def run_country_day(
    database: Database,
    country: str,
    day: date,
    *,
    now: datetime,
    clock: Clock,
    settings: Settings,
    chunk_size: int = CHUNK_SIZE,
    observe_chunk: Callable[[float], None] | None = None,
) -> None:
    """Run every country task for ``country`` and ``day`` (what the ``daily.country`` job does)."""
    run = CountryDay(database, country, day, now, clock, settings, chunk_size, observe_chunk)
    for _name, task in country_tasks():
        task(run)


class _RunCountryDay:
    """The ``daily.country`` job: its tasks commit chunk by chunk, outside the job's transaction."""

    def load(
        self, connection: Connection, payload: dict[str, Any], context: JobContext
    ) -> dict[str, Any]:
        return payload

    def perform(self, loaded: dict[str, Any], context: JobContext) -> None:
        run_country_day(
            context.database,
            loaded["country"],
            date.fromisoformat(loaded["day"]),
            now=context.now,
            clock=context.clock,
            settings=context.settings,
            chunk_size=context.settings.daily_chunk_size,
        )

    def record(self, connection: Connection, loaded: dict[str, Any], context: JobContext) -> None:
        return None


register_external(COUNTRY_DAILY, _RunCountryDay())
