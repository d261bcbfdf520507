"""Reminder e-mails are written by a job after the daily run: rendered from the instalments as
they are then, stored once whatever the retries, and not sent for an instalment paid meanwhile."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paylater.billing.service import record_payment
from paylater.config import Settings
from paylater.db import Database
from paylater.jobs.daily import run_country_day
from paylater.jobs.models import jobs
from paylater.jobs.registry import JobContext
from paylater.jobs.worker import Worker
from paylater.kit.clock import FixedClock
from paylater.kit.money import Money
from paylater.notifications.models import messages
from paylater.servicing import messages as kinds
from paylater.servicing.models import notices
from paylater.servicing.reminder_mail import SEND_REMINDERS, SendReminders
from tests.api.flows import capture, consumer, order_consumer, place_order


def _orders(client: TestClient, headers: dict[str, str], *names: str) -> list[str]:
    found = []
    for name in names:
        order_id = place_order(
            client,
            headers,
            50_000,
            plan="pay_later",
            person=consumer(f"{name}@example.com", given_name=name.title()),
        )
        assert capture(client, headers, order_id, 50_000).status_code == 201
        found.append(order_id)
    return found


def _run_upcoming_day(database: Database, clock: FixedClock, settings: Settings) -> None:
    day = date(2027, 1, 12)  # "upcoming" for purchases of 2026-12-16, due 2027-01-15
    clock.set(datetime.combine(day, time(6, 0), tzinfo=UTC))
    run_country_day(database, "SE", day, now=clock.now(), clock=clock, settings=settings)


def _subjects(database: Database) -> dict[str, str]:
    def read(connection: Any) -> dict[str, str]:
        rows = connection.execute(
            select(notices.c.order_id, messages.c.subject).join(
                messages, messages.c.id == notices.c.message_id
            )
        ).all()
        return {row.order_id: row.subject for row in rows}

    return database.run(read, readonly=True)


def test_an_instalment_paid_before_the_job_runs_gets_no_email(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    settings: Settings,
) -> None:
    clock.set(datetime(2026, 12, 16, 10, 0, tzinfo=UTC))
    paid, unpaid = _orders(client, merchant["headers"], "paid", "unpaid")
    _run_upcoming_day(database, clock, settings)
    assert _subjects(database) == {}  # the run records notices; no e-mail written yet

    database.run(
        lambda c: record_payment(
            c,
            order_id=paid,
            consumer_id=order_consumer(database, paid),
            payment=Money(50_000, "SEK"),
            at=clock.now(),
            channel="card",
        )
    )
    worker = Worker(
        database, clock=clock, settings=settings, kinds=(SEND_REMINDERS,), schedule_daily=False
    )
    assert worker.drain() == {"done": 1}

    sent = _subjects(database)
    assert set(sent) == {unpaid}
    assert "500" in sent[unpaid]


def test_a_retried_job_stores_each_email_once_and_sends_only_the_unsent(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    settings: Settings,
) -> None:
    clock.set(datetime(2026, 12, 16, 10, 0, tzinfo=UTC))
    _orders(client, merchant["headers"], "first", "second")
    _run_upcoming_day(database, clock, settings)
    [payload] = database.run(
        lambda c: (
            c.execute(select(jobs.c.payload).where(jobs.c.kind == SEND_REMINDERS)).scalars().all()
        ),
        readonly=True,
    )
    assert len(payload["instalments"]) == 2
    handler = SendReminders()
    context = JobContext(
        job_id="test",
        kind=SEND_REMINDERS,
        attempt=1,
        max_attempts=1,
        worker_id="test",
        now=clock.now(),
        clock=clock,
        settings=settings,
        database=database,
    )

    def count(connection: Any) -> int:
        query = select(func.count()).where(messages.c.kind == kinds.UPCOMING)
        return int(connection.execute(query).scalar_one())

    loaded = database.run(lambda c: handler.load(c, payload, context), readonly=True)
    assert loaded is not None and len(loaded) == 2
    handler.perform(loaded, context)
    handler.perform(loaded, context)  # a retry after a crash past the store
    assert database.run(count, readonly=True) == 2
    # Everything is stamped as sent: a later run of the job finds nothing left to do.
    assert database.run(lambda c: handler.load(c, payload, context), readonly=True) is None
