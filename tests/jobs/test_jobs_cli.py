"""`paylater jobs list` and `paylater jobs retry` against the test database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paylater.cli import app
from paylater.db import Database
from paylater.jobs import Worker, enqueue, get_job
from paylater.kit.clock import FixedClock
from tests.jobs.handlers import EFFECT

pytestmark = pytest.mark.usefixtures("effects_table")


@pytest.fixture
def environment(database: Database, tmp_path: Path) -> dict[str, str]:
    return {
        "PAYLATER_DATABASE_URL": database.url,
        "PAYLATER_DATA_DIR": str(tmp_path / "cli"),
        "PAYLATER_SANDBOX": "false",
        "COLUMNS": "250",
    }


def test_list_shows_jobs_and_retry_requeues_a_dead_one(
    database: Database,
    clock: FixedClock,
    make_worker: Callable[..., Worker],
    environment: dict[str, str],
) -> None:
    # Enqueued in the past so the CLI's system clock sees the retried job as due.
    past = clock.now() - timedelta(days=3650)
    dead = database.run(
        lambda c: enqueue(c, EFFECT, {"fail_attempts": 1}, run_at=past, max_attempts=1)
    )
    database.run(lambda c: enqueue(c, EFFECT, {}, run_at=past))
    make_worker().drain()
    assert dead is not None

    runner = CliRunner()
    listed = runner.invoke(app, ["jobs", "list"], env=environment)
    assert listed.exit_code == 0, listed.output
    assert dead in listed.output
    assert "RuntimeError: planned failure on attempt 1" in listed.output
    assert "1 dead, 1 done" in listed.output

    only_dead = runner.invoke(app, ["jobs", "list", "--status", "dead"], env=environment)
    assert only_dead.output.count(EFFECT) == 1

    retried = runner.invoke(app, ["jobs", "retry", dead], env=environment)
    assert retried.exit_code == 0, retried.output
    assert database.run(lambda c: get_job(c, dead)).status == "failed"
    again = runner.invoke(app, ["jobs", "retry", dead], env=environment)
    assert again.exit_code == 0  # a failed job waiting for its attempt may be moved forward too

    missing = runner.invoke(app, ["jobs", "retry", "nope"], env=environment)
    assert missing.exit_code == 1
    assert "no job nope" in missing.output
    bad = runner.invoke(app, ["jobs", "list", "--status", "sleeping"], env=environment)
    assert bad.exit_code != 0
