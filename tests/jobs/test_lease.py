"""A job that runs longer than its lease keeps it: its worker renews the lease while it runs,
so no other worker claims it meanwhile; without renewal, another worker would."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from paylater.config import Settings
from paylater.db import Database
from paylater.jobs import claim, enqueue, get_job, run_one
from paylater.kit.clock import SystemClock
from tests.jobs.handlers import SLOW_OUTSIDE

pytestmark = pytest.mark.usefixtures("effects_table")

LEASE = timedelta(seconds=0.6)
RUNS_FOR = 1.5  # seconds: well past the lease


@pytest.mark.parametrize("renewed", [True, False])
def test_a_long_job_keeps_its_lease_while_its_worker_renews_it(
    database: Database, settings: Settings, renewed: bool
) -> None:
    clock = SystemClock()
    job_id = database.run(
        lambda c: enqueue(c, SLOW_OUTSIDE, {"sleep": RUNS_FOR}, run_at=clock.now())
    )
    [job] = claim(database, "first", clock.now(), 1, lease=LEASE)
    outcome: list[str] = []
    running = threading.Thread(
        target=lambda: outcome.append(
            run_one(database, job, clock=clock, settings=settings, lease=LEASE if renewed else None)
        )
    )
    running.start()
    time.sleep(LEASE.total_seconds() * 1.6)  # the first lease has run out by now
    taken = claim(database, "second", clock.now(), 1, lease=timedelta(minutes=5))
    running.join(10)
    if renewed:
        assert taken == []
        assert outcome == ["done"]
        job_now = database.run(lambda c: get_job(c, job_id or ""))
        assert (job_now.status, job_now.attempts) == ("done", 1)
    else:
        assert [other.id for other in taken] == [job_id]
        assert outcome == ["lost"]  # the second worker holds it now; the first keeps nothing
