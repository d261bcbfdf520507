"""The job queue in one process: outbox semantics, dedupe, claims, leases, retries, dead jobs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Connection, func, select

from paylater import jobs
from paylater.config import Settings
from paylater.db import Database
from paylater.jobs import Worker, claim, enqueue, exponential_backoff, get_job, run_one
from paylater.kit.clock import FixedClock
from tests.jobs.handlers import EFFECT, PERMANENT, effects

pytestmark = pytest.mark.usefixtures("effects_table")


def _effects(database: Database) -> int:
    return int(
        database.run(lambda c: c.execute(select(func.count()).select_from(effects)).one()[0])
    )


def _job_count(database: Database) -> int:
    return int(
        database.run(lambda c: c.execute(select(func.count()).select_from(jobs.jobs)).one()[0])
    )


def _enqueue(
    database: Database,
    clock: FixedClock,
    payload: dict[str, object] | None = None,
    *,
    run_at: datetime | None = None,
    max_attempts: int = 10,
) -> str:
    at = run_at or clock.now()
    job_id = database.run(
        lambda c: enqueue(c, EFFECT, payload or {}, run_at=at, max_attempts=max_attempts)
    )
    assert job_id is not None
    return job_id


def _job(database: Database, job_id: str) -> jobs.Job:
    return database.run(lambda c: get_job(c, job_id))


def test_a_job_enqueued_in_a_rolled_back_transaction_never_exists(
    database: Database, clock: FixedClock
) -> None:
    class Abort(Exception):
        pass

    def business(connection: Connection) -> None:
        enqueue(connection, EFFECT, {"n": 1}, run_at=clock.now())
        raise Abort

    with pytest.raises(Abort):
        database.run(business)
    assert _job_count(database) == 0
    assert claim(database, "w", clock.now() + timedelta(days=1), 10) == []


def test_a_committed_job_is_claimed_and_run_once(
    database: Database, clock: FixedClock, make_worker: Callable[..., Worker]
) -> None:
    job_id = _enqueue(database, clock, {"n": 7})
    worker = make_worker()
    assert worker.drain() == {"done": 1}
    job = database.run(lambda c: get_job(c, job_id))
    assert (job.status, job.attempts, job.locked_by, job.finished_at) == (
        "done",
        1,
        None,
        clock.now(),
    )
    assert _effects(database) == 1
    assert make_worker("worker-2").drain() == {}
    assert _effects(database) == 1


def test_dedupe_key_makes_the_second_enqueue_a_no_op(
    database: Database, clock: FixedClock, make_worker: Callable[..., Worker]
) -> None:
    def work(connection: Connection) -> list[str | None]:
        at = clock.now()
        return [
            enqueue(connection, EFFECT, {}, run_at=at, dedupe_key="reminder:1"),
            enqueue(connection, EFFECT, {}, run_at=at, dedupe_key="reminder:1"),
            enqueue(connection, PERMANENT, {}, run_at=at, dedupe_key="reminder:1"),
            enqueue(connection, EFFECT, {}, run_at=at),
            enqueue(connection, EFFECT, {}, run_at=at),
        ]

    first, duplicate, other_kind, plain_a, plain_b = database.run(work)
    assert duplicate is None
    assert None not in (first, other_kind, plain_a, plain_b)
    # Still a no-op in a later transaction, once the first job is done.
    make_worker(kinds=(EFFECT,)).drain()
    assert database.run(lambda c: get_job(c, first or "")).status == "done"
    again = database.run(
        lambda c: enqueue(c, EFFECT, {}, run_at=clock.now(), dedupe_key="reminder:1")
    )
    assert again is None
    assert _job_count(database) == 4


def test_only_due_jobs_are_claimed_and_a_lease_keeps_others_away(
    database: Database, clock: FixedClock
) -> None:
    now = clock.now()
    due = _enqueue(database, clock)
    later = database.run(lambda c: enqueue(c, EFFECT, {}, run_at=now + timedelta(hours=1)))
    lease = timedelta(minutes=5)

    claimed = claim(database, "a", now, 10, lease=lease)
    assert [job.id for job in claimed] == [due]
    assert (claimed[0].status, claimed[0].attempts, claimed[0].locked_until) == (
        "running",
        1,
        now + lease,
    )
    assert claim(database, "b", now + lease - timedelta(seconds=1), 10) == []

    # Worker a died: when its lease runs out the job is claimable again, with one more attempt.
    reclaimed = claim(database, "b", now + lease, 10, lease=timedelta(hours=2))
    ids = {job.id: job for job in reclaimed}
    assert set(ids) == {due}
    assert (ids[due].locked_by, ids[due].attempts) == ("b", 2)
    assert [job.id for job in claim(database, "c", now + timedelta(hours=1), 10)] == [later]


def test_claim_respects_the_limit_the_order_and_the_kinds(
    database: Database, clock: FixedClock
) -> None:
    now = clock.now()
    ids = [_enqueue(database, clock, {"n": i}, run_at=now - timedelta(minutes=i)) for i in range(5)]
    database.run(lambda c: enqueue(c, "test.nobody-handles-this", {}, run_at=now))
    first = claim(database, "a", now, 2, kinds=(EFFECT,))
    assert [job.id for job in first] == [ids[4], ids[3]]  # oldest run_at first
    rest = claim(database, "a", now, 10, kinds=(EFFECT,))
    assert [job.id for job in rest] == [ids[2], ids[1], ids[0]]
    assert claim(database, "a", now, 10, kinds=()) == []


def test_a_failure_rolls_back_and_retries_with_backoff_until_dead(
    database: Database, clock: FixedClock, make_worker: Callable[..., Worker]
) -> None:
    job_id = _enqueue(database, clock, {"fail_attempts": 99}, max_attempts=3)
    worker = make_worker()
    start = clock.now()

    assert worker.drain() == {"failed": 1}
    job = database.run(lambda c: get_job(c, job_id))
    assert (job.status, job.attempts, job.run_at) == ("failed", 1, start + timedelta(seconds=30))
    assert job.last_error is not None and "planned failure on attempt 1" in job.last_error
    assert job.locked_by is None
    assert _effects(database) == 0  # the handler's row rolled back with it

    clock.advance(timedelta(seconds=29))
    assert worker.drain() == {"failed": 1}  # counts are cumulative: nothing new was due
    clock.advance(timedelta(seconds=1))
    worker.drain()
    job = database.run(lambda c: get_job(c, job_id))
    assert (job.status, job.attempts) == ("failed", 2)
    assert job.run_at == clock.now() + timedelta(seconds=60)

    clock.advance(timedelta(seconds=60))
    worker.drain()
    job = database.run(lambda c: get_job(c, job_id))
    assert (job.status, job.attempts, job.finished_at) == ("dead", 3, clock.now())
    assert job.last_error is not None and "attempt 3" in job.last_error
    assert _effects(database) == 0
    clock.advance(timedelta(days=30))
    assert worker.drain() == {"failed": 2, "dead": 1}


def test_a_job_that_fails_then_succeeds_keeps_exactly_one_effect(
    database: Database, clock: FixedClock, make_worker: Callable[..., Worker]
) -> None:
    job_id = _enqueue(database, clock, {"fail_attempts": 2})
    worker = make_worker()
    for _ in range(3):
        worker.drain()
        clock.advance(timedelta(minutes=5))
    job = database.run(lambda c: get_job(c, job_id))
    assert (job.status, job.attempts) == ("done", 3)
    rows = database.run(lambda c: c.execute(select(effects)).all())
    assert [(row.job_id, row.attempt) for row in rows] == [(job_id, 3)]


def test_a_permanent_failure_is_dead_at_once(
    database: Database, clock: FixedClock, make_worker: Callable[..., Worker]
) -> None:
    job_id = database.run(lambda c: enqueue(c, PERMANENT, {}, run_at=clock.now()))
    assert make_worker().drain() == {"dead": 1}
    job = database.run(lambda c: get_job(c, job_id or ""))
    assert (job.status, job.attempts) == ("dead", 1)
    assert _effects(database) == 0


def test_backoff_doubles_from_thirty_seconds_and_is_capped() -> None:
    assert [exponential_backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert exponential_backoff(40) == timedelta(hours=6)
    assert exponential_backoff(5, cap=timedelta(minutes=5)) == timedelta(minutes=5)


def test_a_run_whose_lease_was_taken_over_keeps_nothing(
    database: Database, clock: FixedClock, settings: Settings
) -> None:
    job_id = _enqueue(database, clock)
    start = clock.now()
    lease = timedelta(seconds=10)
    [stale] = claim(database, "slow", start, 1, lease=lease)
    # "slow" hangs past its lease; "fast" takes the job over and finishes it.
    [taken] = claim(database, "fast", start + lease, 1, lease=lease)
    assert taken.id == job_id
    # "slow" wakes up believing it is still in time: its effects must roll back.
    clock.set(start + timedelta(seconds=5))
    assert run_one(database, stale, clock=clock, settings=settings) == "lost"
    assert _effects(database) == 0
    assert database.run(lambda c: get_job(c, job_id)).locked_by == "fast"
    assert run_one(database, taken, clock=clock, settings=settings) == "done"
    assert _effects(database) == 1


def test_a_job_whose_worker_died_on_its_last_attempt_goes_dead_without_running(
    database: Database, clock: FixedClock, make_worker: Callable[..., Worker]
) -> None:
    job_id = _enqueue(database, clock, max_attempts=1)
    claim(database, "died", clock.now(), 1, lease=timedelta(seconds=30))
    clock.advance(timedelta(seconds=30))
    assert make_worker().drain() == {"dead": 1}
    job = database.run(lambda c: get_job(c, job_id))
    assert job.status == "dead"
    assert job.last_error is not None and "never finished" in job.last_error
    assert _effects(database) == 0


def test_a_stopping_worker_releases_the_jobs_it_had_not_started(
    database: Database, clock: FixedClock, make_worker: Callable[..., Worker]
) -> None:
    ids = [_enqueue(database, clock, {"n": i}) for i in range(3)]
    stop = threading.Event()
    stop.set()
    worker = make_worker(batch_size=10)
    assert worker.run_batch(stop) == 3
    for job_id in ids:
        job = _job(database, job_id)
        assert (job.status, job.attempts, job.locked_by) == ("queued", 0, None)
    assert make_worker("worker-2").drain() == {"done": 3}


def test_a_job_without_a_handler_is_not_claimed_by_default_and_fails_if_forced(
    database: Database, clock: FixedClock, settings: Settings, make_worker: Callable[..., Worker]
) -> None:
    job_id = database.run(lambda c: enqueue(c, "test.unknown", {}, run_at=clock.now()))
    assert make_worker().drain() == {}
    [job] = claim(database, "w", clock.now(), 10)  # no kinds filter
    assert run_one(database, job, clock=clock, settings=settings) == "failed"
    job = database.run(lambda c: get_job(c, job_id or ""))
    assert job.last_error is not None and "no handler registered" in job.last_error


def test_retry_gives_a_dead_job_one_more_attempt(
    database: Database, clock: FixedClock, make_worker: Callable[..., Worker]
) -> None:
    job_id = _enqueue(database, clock, {"fail_attempts": 1}, max_attempts=1)
    worker = make_worker()
    worker.drain()
    assert database.run(lambda c: get_job(c, job_id)).status == "dead"
    job = database.run(lambda c: jobs.retry(c, job_id, clock.now()))
    assert (job.status, job.max_attempts, job.run_at, job.finished_at) == (
        "failed",
        2,
        clock.now(),
        None,
    )
    worker.drain()
    job = database.run(lambda c: get_job(c, job_id))
    assert (job.status, job.attempts) == ("done", 2)
    with pytest.raises(jobs.JobNotRetryable):
        database.run(lambda c: jobs.retry(c, job_id, clock.now()))
    with pytest.raises(jobs.JobNotFound):
        database.run(lambda c: jobs.retry(c, "no-such-job", clock.now()))


def test_a_background_worker_runs_jobs_until_stopped(
    database: Database, clock: FixedClock, make_worker: Callable[..., Worker]
) -> None:
    from paylater.jobs import BackgroundWorker
    from tests.jobs.processes import wait_until

    for i in range(5):
        _enqueue(database, clock, {"n": i})
    background = BackgroundWorker(make_worker(poll_interval=0.01)).start()
    try:
        wait_until(lambda: _effects(database) == 5, timeout=20, what="five effects")
    finally:
        background.stop()
    assert not background.thread.is_alive()
    assert background.worker.outcomes == {"done": 5}
