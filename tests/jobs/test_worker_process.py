"""`paylater worker` as a real process: SIGKILL mid-job, SIGTERM, two workers on PostgreSQL.

The workers use the system clock (PAYLATER_SANDBOX=false), so jobs are enqueued at real time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from paylater.db import Database
from paylater.jobs import enqueue, jobs
from tests.jobs.handlers import EFFECT, effects
from tests.jobs.processes import start_worker, wait_until, worker_environment

pytestmark = pytest.mark.usefixtures("effects_table")


def _effect_rows(database: Database) -> dict[str, Any]:
    rows = database.run(lambda c: c.execute(select(effects)).all(), readonly=True)
    return {row.job_id: row for row in rows}


def _jobs(database: Database) -> dict[str, Any]:
    rows = database.run(lambda c: c.execute(select(jobs)).all(), readonly=True)
    return {row.id: row for row in rows}


def _finish(process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"worker did not finish:\n{log.read_text()}") from None
    assert code == 0, log.read_text()


def test_a_worker_killed_mid_job_loses_nothing_and_doubles_nothing(
    database: Database, tmp_path: Path
) -> None:
    count, victim = 30, 8
    marker = tmp_path / "inside-job"
    now = datetime.now(UTC)

    def work(connection: Connection) -> list[str]:
        ids = []
        for n in range(count):
            payload: dict[str, Any] = {"n": n, "sleep": 0.01}
            if n == victim:  # the first run of this job signals, then hangs until killed
                payload.update(marker=str(marker), sleep_first=120)
            job_id = enqueue(connection, EFFECT, payload, run_at=now - timedelta(seconds=count - n))
            assert job_id is not None
            ids.append(job_id)
        return ids

    ids = database.run(work)
    environment = worker_environment(database.url, tmp_path)
    first_log = tmp_path / "first.log"
    first = start_worker(
        environment, "--batch", "4", "--lease-seconds", "2", "--worker-id", "first", log=first_log
    )
    try:
        wait_until(marker.exists, timeout=60, what="the victim job to start")
    finally:
        first.kill()  # SIGKILL: no cleanup of any kind
        first.wait(10)
    killed_at = time.monotonic()

    # Batches of 4 in run_at order: jobs 0-7 committed; the victim's row never did.
    committed = _effect_rows(database)
    assert set(committed) == set(ids[:victim]), first_log.read_text()
    in_flight = _jobs(database)
    assert [in_flight[i].status for i in ids[victim : victim + 4]] == ["running"] * 4

    time.sleep(max(0.0, 2.2 - (time.monotonic() - killed_at)))  # let the lease run out
    second_log = tmp_path / "second.log"
    second = start_worker(environment, "--once", "--worker-id", "second", log=second_log)
    _finish(second, second_log)

    rows = _effect_rows(database)
    assert sorted(rows) == sorted(ids)  # every job's effect, each exactly once (primary key)
    assert rows[ids[victim]].worker_id == "second"
    assert rows[ids[victim]].attempt == 2
    final = _jobs(database)
    assert {job.status for job in final.values()} == {"done"}
    assert all(job.last_error is None for job in final.values())
    assert [final[i].attempts for i in ids] == [1] * victim + [2] * 4 + [1] * (count - victim - 4)


def test_sigterm_finishes_the_current_job_and_releases_the_rest(
    database: Database, tmp_path: Path
) -> None:
    marker = tmp_path / "inside-job"
    now = datetime.now(UTC)

    def work(connection: Connection) -> list[str]:
        first = enqueue(
            connection,
            EFFECT,
            {"marker": str(marker), "sleep_first": 1.0},
            run_at=now - timedelta(seconds=10),
        )
        rest = [enqueue(connection, EFFECT, {"n": n}, run_at=now) for n in range(5)]
        return [job_id for job_id in (first, *rest) if job_id is not None]

    ids = database.run(work)
    log = tmp_path / "worker.log"
    worker = start_worker(worker_environment(database.url, tmp_path), "--batch", "10", log=log)
    wait_until(marker.exists, timeout=60, what="the first job to start")
    worker.send_signal(signal.SIGTERM)
    _finish(worker, log, timeout=20)

    final = _jobs(database)
    assert final[ids[0]].status == "done"
    assert [(final[i].status, final[i].attempts, final[i].locked_by) for i in ids[1:]] == [
        ("queued", 0, None)
    ] * 5
    assert set(_effect_rows(database)) == {ids[0]}
    assert "stopped: 1 done" in log.read_text()


@pytest.mark.skipif(
    not os.environ.get("PAYLATER_TEST_DATABASE_URL"), reason="concurrent workers need PostgreSQL"
)
def test_two_workers_run_ten_thousand_jobs_none_twice(database: Database, tmp_path: Path) -> None:
    total = 10_000
    now = datetime.now(UTC)

    def work(connection: Connection) -> None:
        for n in range(total):
            enqueue(connection, EFFECT, {"n": n}, run_at=now)

    database.run(work)
    environment = worker_environment(database.url, tmp_path)
    started = time.monotonic()
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    workers = [
        start_worker(
            environment, "--once", "--batch", "50", "--worker-id", f"w{n}", log=logs[n - 1]
        )
        for n in (1, 2)
    ]
    for process, log in zip(workers, logs, strict=True):
        _finish(process, log, timeout=120)
    elapsed = time.monotonic() - started

    def check(connection: Connection) -> tuple[Any, ...]:
        effect_count = connection.execute(select(func.count()).select_from(effects)).scalar()
        per_worker: dict[str, int] = dict(
            connection.execute(
                select(effects.c.worker_id, func.count()).group_by(effects.c.worker_id)
            ).all()
        )
        mine = jobs.c.kind == EFFECT  # the workers also schedule and run today's daily job
        statuses: dict[str, int] = dict(
            connection.execute(
                select(jobs.c.status, func.count()).where(mine).group_by(jobs.c.status)
            ).all()
        )
        retried = connection.execute(
            select(func.count()).select_from(jobs).where(mine).where(jobs.c.attempts != 1)
        ).scalar()
        return effect_count, per_worker, statuses, retried

    effect_count, per_worker, statuses, retried = database.run(check, readonly=True)
    assert effect_count == total
    assert statuses == {"done": total}
    assert retried == 0  # no job was run (or even claimed) twice
    assert set(per_worker) == {"w1", "w2"}, per_worker  # both took part
    print(f"\n10,000 jobs, 2 workers: {elapsed:.1f} s ({total / elapsed:.0f} jobs/s) {per_worker}")
