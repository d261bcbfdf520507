"""Jobs and daily tasks of this package (imported by workers to register them)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection

from paylater.disputes import tasks as _disputes  # noqa: F401  (late disputes close first)
from paylater.jobs.daily import daily_task
from paylater.settlement.payouts import run_payouts


@daily_task("settlement.payouts")
def payout_run(connection: Connection, day: date, now: datetime) -> None:
    """The day's payout run (a run already made for the day, e.g. by the CLI, is kept)."""
    run_payouts(connection, day, now=now)
