"""Helpers for the collections tests: debts placed in the past, payments, pauses, look-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from paylater.billing.models import instalments
from paylater.billing.service import record_payment
from paylater.collections.models import collection_cases
from paylater.db import Database
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money
from paylater.notifications.models import messages
from paylater.servicing.models import pauses

ADMIN = {"Authorization": "Bearer test-admin-token"}
# A Monday with no public holiday near it in Sweden or France.
TODAY = date(2027, 3, 15)


def at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


@dataclass(frozen=True)
class Debt:
    order_id: str
    consumer_id: str


def set_due_dates(database: Database, order_id: str, due_dates: list[date]) -> None:
    def work(connection: Any) -> None:
        for seq, due in enumerate(due_dates, start=1):
            updated = connection.execute(
                instalments.update()
                .where(instalments.c.order_id == order_id)
                .where(instalments.c.seq == seq)
                .values(due_date=due)
            )
            assert updated.rowcount == 1

    database.run(work)


def pay(database: Database, debt: Debt, amount: int, day: date, currency: str = "SEK") -> None:
    database.run(
        lambda c: record_payment(
            c,
            order_id=debt.order_id,
            consumer_id=debt.consumer_id,
            payment=Money(amount, currency),
            at=at_nine(day),
            channel="bank_transfer",
        )
    )


def pause(database: Database, debt: Debt, *, status: str = "active") -> str:
    pause_id = new_uuid()
    database.run(
        lambda c: c.execute(
            pauses.insert().values(
                id=pause_id,
                order_id=debt.order_id,
                consumer_id=debt.consumer_id,
                reason="payment_not_registered",
                note="",
                starts_on=TODAY - timedelta(days=2),
                ends_on=TODAY + timedelta(days=19),
                days=21,
                status=status,
                created_at=at_nine(TODAY),
            )
        )
    )
    return pause_id


def end_pause(database: Database, pause_id: str) -> None:
    database.run(
        lambda c: c.execute(
            pauses.update().where(pauses.c.id == pause_id).values(status="ended", ended_on=TODAY)
        )
    )


def cases(database: Database, **where: str) -> list[Any]:
    query = select(collection_cases).order_by(collection_cases.c.opened_on, collection_cases.c.id)
    for name, value in where.items():
        query = query.where(collection_cases.c[name] == value)
    return list(database.run(lambda c: c.execute(query).all(), readonly=True))


def emails(database: Database, kind: str = "collections.case_opened") -> list[Any]:
    return list(
        database.run(
            lambda c: c.execute(
                select(messages).where(messages.c.kind == kind).order_by(messages.c.created_at)
            ).all(),
            readonly=True,
        )
    )


def count_cases(database: Database) -> int:
    return int(
        database.run(
            lambda c: c.execute(select(func.count()).select_from(collection_cases)).scalar_one(),
            readonly=True,
        )
    )
