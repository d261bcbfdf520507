"""The daily run: once per day whatever the number of workers; expiry releases authorizations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paylater.config import Settings
from paylater.db import Database
from paylater.jobs import DONE, Worker
from paylater.jobs.daily import DAILY
from paylater.jobs.models import jobs
from paylater.kit.clock import FixedClock
from paylater.ledger.service import verify
from paylater.notifications.webhook_models import webhook_events
from paylater.orders.models import orders
from tests.api.flows import capture, place_order


def _worker(database: Database, clock: FixedClock, settings: Settings, name: str) -> Worker:
    worker = Worker(database, clock=clock, settings=settings, worker_id=name)
    worker.DAILY_CHECK_SECONDS = 0.0  # check for due days on every claim
    return worker


def _expiry_events(database: Database) -> int:
    return int(
        database.run(
            lambda c: c.execute(
                select(func.count()).where(webhook_events.c.type == "order.authorization_expired")
            ).scalar_one()
        )
    )


def test_expired_authorizations_are_released_once_per_day(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    settings: Settings,
) -> None:
    headers = merchant["headers"]
    untouched = place_order(client, headers, 100_000)
    partly = place_order(
        client,
        headers,
        100_000,
        person={
            "email": "bo@example.com",
            "given_name": "Bo",
            "family_name": "Ek",
            "date_of_birth": "1985-01-01",
        },
    )
    assert capture(client, headers, partly, 40_000).status_code == 201
    first, second = _worker(database, clock, settings, "a"), _worker(database, clock, settings, "b")

    first.drain()
    assert _expiry_events(database) == 0  # nothing has expired yet: the day ran and did nothing

    clock.advance(timedelta(days=29))
    first.drain()
    second.drain()
    rows = dict(
        database.run(
            lambda c: c.execute(
                select(orders.c.id, orders.c.status).where(orders.c.id.in_([untouched, partly]))
            ).all()
        )
    )
    assert rows == {untouched: "EXPIRED", partly: "CAPTURED"}
    amount = database.run(
        lambda c: c.execute(select(orders.c.order_amount).where(orders.c.id == partly)).scalar_one()
    )
    assert amount == 40_000
    assert _expiry_events(database) == 2

    clock.advance(timedelta(days=3))
    second.drain()
    first.drain()
    assert _expiry_events(database) == 2  # later days find nothing more to release
    days = database.run(
        lambda c: c.execute(
            select(jobs.c.dedupe_key, jobs.c.status)
            .where(jobs.c.kind == DAILY)
            .order_by(jobs.c.dedupe_key)
        ).all()
    )
    start = clock.now().date() - timedelta(days=32)
    # Every day in turn, each once, although two workers and a moved clock scheduled them.
    assert [day for day, _ in days] == [(start + timedelta(days=n)).isoformat() for n in range(33)]
    assert {status for _, status in days} == {DONE}
    assert database.run(verify).ok


def test_each_country_runs_its_days_from_its_own_local_midnight(
    database: Database, clock: FixedClock, settings: Settings
) -> None:
    from datetime import UTC, datetime

    from paylater.jobs.daily import COUNTRY_DAILY, schedule_due_days

    def keys() -> set[str]:
        return set(
            database.run(
                lambda c: (
                    c.execute(select(jobs.c.dedupe_key).where(jobs.c.kind == COUNTRY_DAILY))
                    .scalars()
                    .all()
                )
            )
        )

    # 23:30 UTC on 1 December: already the 2nd in Stockholm (UTC+1), still the 1st in New York.
    clock.set(datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    database.run(lambda c: schedule_due_days(c, now=clock.now()))
    first = keys()
    assert "SE:2026-12-02" in first and "US:2026-12-01" in first and "GB:2026-12-01" in first
    assert "US:2026-12-02" not in first

    # Three days later every country has each day in turn, once, however often it is asked.
    clock.set(datetime(2026, 12, 4, 23, 30, tzinfo=UTC))
    for _ in range(3):
        database.run(lambda c: schedule_due_days(c, now=clock.now()))
    later = keys()
    assert {k for k in later if k.startswith("SE:")} == {f"SE:2026-12-0{d}" for d in (2, 3, 4, 5)}
    assert {k for k in later if k.startswith("US:")} == {f"US:2026-12-0{d}" for d in (1, 2, 3, 4)}


def test_the_daily_run_stores_expired_sessions_and_tokens(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    from paylater.checkout.models import authorizations, payment_sessions
    from paylater.orders.deadlines import expire_sessions
    from tests.api.flows import authorize, session_body

    headers = merchant["headers"]
    idle = client.post("/payments/v1/sessions", json=session_body(100_000), headers=headers)
    session_id, authorization = authorize(client, headers, 100_000)
    clock.advance(timedelta(days=3))
    changed = database.run(lambda c: expire_sessions(c, clock.now().date(), clock.now()))
    assert changed == 2  # the idle session and the unused token (the authorized session is done)
    statuses = database.run(
        lambda c: (
            c.execute(
                select(payment_sessions.c.status).where(
                    payment_sessions.c.id == idle.json()["session_id"]
                )
            ).scalar_one(),
            c.execute(
                select(authorizations.c.status).where(
                    authorizations.c.token == authorization["authorization_token"]
                )
            ).scalar_one(),
        )
    )
    assert statuses == ("expired", "expired")
    answer = client.post(
        f"/payments/v1/authorizations/{authorization['authorization_token']}/order",
        json=session_body(100_000),
        headers=headers,
    )
    assert answer.status_code == 404
    assert database.run(lambda c: expire_sessions(c, clock.now().date(), clock.now())) == 0
    del session_id


def test_done_jobs_older_than_thirty_days_are_purged_but_daily_jobs_stay(
    database: Database, clock: FixedClock
) -> None:
    from paylater.jobs import enqueue
    from paylater.jobs.daily import purge_done_jobs

    now = clock.now()

    def seed(connection: Any) -> None:
        for age_days, status in ((40, DONE), (40, "dead"), (10, DONE)):
            job_id = enqueue(
                connection, "email.send", {"n": age_days}, run_at=now - timedelta(days=age_days)
            )
            connection.execute(
                jobs.update()
                .where(jobs.c.id == job_id)
                .values(status=status, finished_at=now - timedelta(days=age_days))
            )
        daily = enqueue(
            connection,
            DAILY,
            {"day": "x"},
            run_at=now - timedelta(days=40),
            dedupe_key="2026-10-01",
        )
        connection.execute(
            jobs.update()
            .where(jobs.c.id == daily)
            .values(status=DONE, finished_at=now - timedelta(days=40))
        )

    database.run(seed)
    assert database.run(lambda c: purge_done_jobs(c, now.date(), now)) == 1
    left = database.run(
        lambda c: sorted(
            (row.kind, row.status) for row in c.execute(select(jobs.c.kind, jobs.c.status))
        )
    )
    assert left == [(DAILY, DONE), ("email.send", "dead"), ("email.send", DONE)]
    assert database.run(lambda c: purge_done_jobs(c, now.date(), now)) == 0
