"""The daily run: one job per calendar day, whatever happens to the workers.

Workers schedule every day from the last scheduled one up to today (by the injected clock, so an
advanced sandbox clock runs each day in turn); the day is the job's dedupe key, so any number of
workers schedule it once. The job runs every registered daily task for that day in one
transaction: a crash rolls the whole day back and the job runs again, and each task only touches
what is still due, so running a day twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from paylater.jobs.models import jobs
from paylater.jobs.queue import enqueue
from paylater.jobs.registry import JobContext, register

DAILY = "daily.run"
# How far back a fresh installation starts: only today.
DailyTask = Callable[[Connection, date, datetime], object]
_TASKS: dict[str, DailyTask] = {}


def daily_task(name: str) -> Callable[[DailyTask], DailyTask]:
    """Register ``task(connection, day, now)`` to run once for every calendar day."""

    def decorate(task: DailyTask) -> DailyTask:
        _TASKS[name] = task
        return task

    return decorate


def tasks() -> dict[str, DailyTask]:
    return dict(_TASKS)


def schedule_due_days(connection: Connection, *, now: datetime) -> list[date]:
    """Enqueue the daily job for every day after the last scheduled one, up to today."""
    last = connection.execute(
        select(func.max(jobs.c.dedupe_key)).where(jobs.c.kind == DAILY)
    ).scalar()
    today = now.date()
    day = date.fromisoformat(last) + timedelta(days=1) if last else today
    scheduled = []
    while day <= today:
        if (
            enqueue(
                connection, DAILY, {"day": day.isoformat()}, run_at=now, dedupe_key=day.isoformat()
            )
            is not None
        ):
            scheduled.append(day)
        day += timedelta(days=1)
    return scheduled


@register(DAILY)
def run_day(connection: Connection, payload: dict[str, Any], context: JobContext) -> None:
    day = date.fromisoformat(payload["day"])
    for task in _TASKS.values():
        task(connection, day, context.now)
