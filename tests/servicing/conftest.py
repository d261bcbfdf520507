"""Helpers for servicing tests: run a country's daily tasks day by day with the test clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from paylater.config import Settings
from paylater.db import Database
from paylater.jobs.daily import run_country_day
from paylater.jobs.worker import Worker
from paylater.kit.clock import FixedClock
from paylater.notifications.models import messages
from paylater.servicing import tasks  # noqa: F401  (registers the daily tasks)
from paylater.servicing.reminder_mail import SEND_REMINDERS

DayRunner = Callable[[str, date, date], None]


@pytest.fixture
def run_days(database: Database, clock: FixedClock, settings: Settings) -> DayRunner:
    """Run ``country``'s daily tasks for every day from ``first`` to ``last``, inclusive, each
    followed by the reminder e-mails it queued (as the worker does)."""
    mailer = Worker(
        database, clock=clock, settings=settings, kinds=(SEND_REMINDERS,), schedule_daily=False
    )

    def run(country: str, first: date, last: date) -> None:
        day = first
        while day <= last:
            clock.set(datetime.combine(day, time(6, 0), tzinfo=UTC))
            run_country_day(database, country, day, now=clock.now(), clock=clock, settings=settings)
            mailer.drain()
            day += timedelta(days=1)

    return run


def emails(database: Database, consumer_id: str) -> list[tuple[str, str]]:
    """(day, kind) of every e-mail the consumer got, in order."""

    def read(connection: Any) -> list[tuple[str, str]]:
        rows = connection.execute(
            select(messages.c.created_at, messages.c.kind)
            .where(messages.c.consumer_id == consumer_id)
            .order_by(messages.c.created_at, messages.c.kind)
        ).all()
        return [(row.created_at.date().isoformat(), row.kind) for row in rows]

    return list(database.run(read, readonly=True))
