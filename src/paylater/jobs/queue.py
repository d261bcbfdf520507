"""Writing, claiming and settling jobs. Every function works inside the caller's transaction,
except :func:`claim`, which is its own short transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.engine import RowMapping

from paylater.db import Database, insert_ignoring_duplicates
from paylater.fastsql import execute
from paylater.jobs.models import DEAD, DONE, FAILED, QUEUED, RUNNING, jobs
from paylater.kit.errors import Conflict, NotFound
from paylater.kit.ids import new_ordered_uuid

DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_LEASE = timedelta(minutes=5)
_ERROR_LIMIT = 8000


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    payload: Any
    dedupe_key: str | None
    status: str
    attempts: int
    max_attempts: int
    run_at: datetime
    locked_by: str | None
    locked_until: datetime | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: RowMapping | dict[str, Any]) -> Job:
        return cls(**{name: row[name] for name in _COLUMNS})


_COLUMNS = tuple(column.name for column in jobs.columns)


class JobNotFound(NotFound):
    pass


class JobNotRetryable(Conflict):
    code = "JOB_NOT_RETRYABLE"


_ENQUEUE: dict[str, Any] = {}
_INSERT_JOB = jobs.insert()


def _enqueue_statement(connection: Connection) -> Any:
    name = connection.dialect.name
    if name not in _ENQUEUE:
        # RETURNING tells an insert from a skipped duplicate (rowcount is unreliable for
        # ON CONFLICT DO NOTHING on psycopg).
        _ENQUEUE[name] = insert_ignoring_duplicates(connection, jobs).returning(jobs.c.id)
    return _ENQUEUE[name]


def new_job_values(
    kind: str,
    payload: Any,
    *,
    run_at: datetime,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """The row of a new queued job (for :func:`enqueue`, or a bulk insert without dedupe)."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    return {
        "id": new_ordered_uuid(),
        "kind": kind,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": QUEUED,
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_at": run_at,
        "locked_by": None,
        "locked_until": None,
        "last_error": None,
        "created_at": created_at or run_at,
        "finished_at": None,
    }


def enqueue(
    connection: Connection,
    kind: str,
    payload: Any,
    *,
    run_at: datetime,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    created_at: datetime | None = None,
) -> str | None:
    """Add a job in the caller's transaction; returns its id, or ``None`` for a duplicate.

    This is the outbox: the job becomes visible to workers only if the caller's transaction
    commits, so a side effect is never announced for a state change that rolled back. With a
    ``dedupe_key``, a second job of the same kind and key (at any status) is not added.
    ``created_at`` defaults to ``run_at`` (pass the clock's now for a job scheduled later).
    """
    values = new_job_values(
        kind,
        payload,
        run_at=run_at,
        dedupe_key=dedupe_key,
        max_attempts=max_attempts,
        created_at=created_at,
    )
    job_id = str(values["id"])
    if dedupe_key is None:  # nothing to tell apart: a plain insert, which need not wait
        execute(connection, _INSERT_JOB, values)
        return job_id
    inserted = execute(connection, _enqueue_statement(connection), values).scalar()
    return job_id if inserted is not None else None


def claim(
    database: Database,
    worker_id: str,
    now: datetime,
    limit: int,
    *,
    lease: timedelta = DEFAULT_LEASE,
    kinds: tuple[str, ...] | None = None,
) -> list[Job]:
    """Claim up to ``limit`` due jobs for ``worker_id`` in one short transaction.

    Claimed jobs are ``running`` with ``locked_until = now + lease`` and one more attempt. On
    PostgreSQL the candidates are locked with ``FOR UPDATE SKIP LOCKED``, so concurrent workers
    never wait for each other or take the same job; on SQLite the claim runs under
    ``BEGIN IMMEDIATE`` (one writer at a time). With ``kinds``, only jobs this worker can run.

    Candidates are taken per status — running jobs whose lease ran out (their worker died or
    hung), then retries, then new jobs — each oldest first, so every step is an ordered scan of
    the ``(status, run_at)`` index that stops after ``limit`` rows however long the backlog.
    """
    if kinds is not None and not kinds:
        return []
    sources = (
        (jobs.c.status == RUNNING, jobs.c.locked_until <= now, jobs.c.locked_until),
        (jobs.c.status == FAILED, jobs.c.run_at <= now, jobs.c.run_at),
        (jobs.c.status == QUEUED, jobs.c.run_at <= now, jobs.c.run_at),
    )

    def work(connection: Connection) -> list[Job]:
        claimed: list[Job] = []
        for status, due, oldest_first in sources:
            if len(claimed) >= limit:
                break
            candidates = (
                select(jobs.c.id)
                .where(status, due)
                .order_by(oldest_first)
                .limit(limit - len(claimed))
                .with_for_update(skip_locked=True)
            )
            if kinds is not None:
                candidates = candidates.where(jobs.c.kind.in_(kinds))
            statement = (
                update(jobs)
                .where(jobs.c.id.in_(candidates))
                .values(
                    status=RUNNING,
                    locked_by=worker_id,
                    locked_until=now + lease,
                    attempts=jobs.c.attempts + 1,
                )
                .returning(*jobs.columns)
            )
            claimed.extend(Job.from_row(row) for row in connection.execute(statement).mappings())
        return claimed

    claimed = database.run(work)
    claimed.sort(key=lambda job: (job.run_at, job.created_at, job.id))
    return claimed


def _held(job: Job) -> Any:
    """The row as this claim left it: same worker and same attempt (the fencing token)."""
    return and_(
        jobs.c.id == job.id,
        jobs.c.status == RUNNING,
        jobs.c.locked_by == job.locked_by,
        jobs.c.attempts == job.attempts,
    )


def renew(connection: Connection, job: Job, until: datetime) -> bool:
    """Extend a claimed job's lease to ``until``; ``False`` when the claim is no longer held."""
    result = connection.execute(update(jobs).where(_held(job)).values(locked_until=until))
    return result.rowcount == 1


def mark_done(connection: Connection, job: Job, now: datetime) -> bool:
    """Mark a claimed job done; ``False`` when the claim is no longer held (lease lost)."""
    result = connection.execute(
        update(jobs)
        .where(_held(job))
        .values(status=DONE, locked_by=None, locked_until=None, finished_at=now)
    )
    return result.rowcount == 1


def mark_failed(
    connection: Connection,
    job: Job,
    now: datetime,
    error: str,
    retry_in: timedelta,
    *,
    permanent: bool = False,
) -> str | None:
    """Record a failed attempt: ``failed`` until ``now + retry_in``, or ``dead`` when out of
    attempts or ``permanent``. Returns the new status, or ``None`` when the claim is no longer
    held."""
    dead = permanent or job.attempts >= job.max_attempts
    values: dict[str, Any] = {
        "status": DEAD if dead else FAILED,
        "locked_by": None,
        "locked_until": None,
        "last_error": error[-_ERROR_LIMIT:],
    }
    if dead:
        values["finished_at"] = now
    else:
        values["run_at"] = now + retry_in
    result = connection.execute(update(jobs).where(_held(job)).values(**values))
    return str(values["status"]) if result.rowcount == 1 else None


def release(connection: Connection, claimed: list[Job]) -> int:
    """Give back claimed jobs that were not started (a worker stopping), without using an
    attempt."""
    released = 0
    for job in claimed:
        result = connection.execute(
            update(jobs)
            .where(_held(job))
            .values(
                status=QUEUED if job.attempts == 1 else FAILED,
                locked_by=None,
                locked_until=None,
                attempts=job.attempts - 1,
            )
        )
        released += result.rowcount
    return released


def get_job(connection: Connection, job_id: str) -> Job:
    """One job by id."""
    row = connection.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
    if row is None:
        raise JobNotFound(f"no job {job_id}")
    return Job.from_row(row)


def list_jobs(
    connection: Connection,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
) -> list[Job]:
    """The most recently created jobs, optionally of one status and kind."""
    query = select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit)
    if status is not None:
        query = query.where(jobs.c.status == status)
    if kind is not None:
        query = query.where(jobs.c.kind == kind)
    return [Job.from_row(row) for row in connection.execute(query).mappings()]


def counts_by_status(connection: Connection) -> dict[str, int]:
    """How many jobs there are of each status."""
    rows = connection.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status))
    return {status: count for status, count in rows}


def retry(connection: Connection, job_id: str, now: datetime) -> Job:
    """Operator action: run a failed, dead or waiting job again as soon as a worker is free.

    A dead job gets one more attempt; its last error is kept until the next run replaces it.
    """
    job = get_job(connection, job_id)
    if job.status not in (QUEUED, FAILED, DEAD):
        raise JobNotRetryable(f"job {job_id} is {job.status}; only queued, failed or dead jobs")
    connection.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.status == job.status)
        .values(
            status=QUEUED if job.attempts == 0 else FAILED,
            run_at=now,
            max_attempts=max(job.max_attempts, job.attempts + 1),
            finished_at=None,
        )
    )
    return get_job(connection, job_id)
