"""Financing interest moves from deferred to earned on each due date; a refund cancels only what
is not yet earned."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from paylater.billing.models import instalments
from paylater.billing.service import record_payment
from paylater.collections.models import collection_cases
from paylater.collections.service import write_off
from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, account, balance, verify
from tests.api.flows import order_consumer, read_order, refund
from tests.billing.test_scenarios_api import _financing_order
from tests.servicing.conftest import DayRunner


def _interest(database: Database) -> tuple[int, int]:
    return database.run(
        lambda c: (
            balance(c, account(AccountKind.DEFERRED_INTEREST, "SEK")),
            balance(c, account(AccountKind.INTEREST_INCOME, "SEK")),
        )
    )


def _instalment_interest(database: Database, order_id: str) -> list[int]:
    return list(
        database.run(
            lambda c: (
                c.execute(
                    select(instalments.c.interest)
                    .where(instalments.c.order_id == order_id)
                    .order_by(instalments.c.seq)
                )
                .scalars()
                .all()
            )
        )
    )


def test_interest_is_earned_on_each_due_date_once(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    order_id = _financing_order(client, merchant, clock, 1_200_000)
    per_instalment = _instalment_interest(database, order_id)
    assert sum(per_instalment) == 133_248
    assert _interest(database) == (-133_248, 0)

    # Due 15 January, 15 February and 15 March: three instalments' interest earned by the 15th.
    run_days("SE", date(2026, 12, 15), date(2027, 3, 15))
    earned = sum(per_instalment[:3])
    assert _interest(database) == (-133_248 + earned, -earned)
    run_days("SE", date(2027, 3, 15), date(2027, 3, 16))  # the same day again: nothing more
    assert _interest(database) == (-133_248 + earned, -earned)
    assert database.run(verify).ok


def test_a_full_refund_cancels_only_the_interest_not_yet_earned(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    order_id = _financing_order(client, merchant, clock, 600_000)
    per_instalment = _instalment_interest(database, order_id)
    run_days("SE", date(2026, 12, 15), date(2027, 1, 15))
    earned = per_instalment[0]
    assert _interest(database) == (-sum(per_instalment) + earned, -earned)

    clock.advance(timedelta(hours=1))
    assert refund(client, merchant["headers"], order_id, 600_000).status_code == 201
    deferred, income = _interest(database)
    assert (deferred, income) == (0, -earned)  # nothing left deferred; earned interest stays
    owed = sum(
        i["amount"] - i["paid_amount"]
        for i in read_order(client, merchant["headers"], order_id)["payment_schedule"]
    )
    assert owed == earned  # the consumer still owes the interest of the month that passed
    run_days("SE", date(2027, 1, 16), date(2027, 3, 1))
    assert _interest(database) == (0, -earned)
    assert database.run(verify).ok


def test_a_write_off_takes_back_the_interest_not_yet_earned_and_a_recovery_earns_it(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    """Once written off, an instalment's interest is never earned by the daily run; paid after
    all, it is earned then, once the loss is recovered."""
    order_id = _financing_order(client, merchant, clock, 1_200_000)
    per_instalment = _instalment_interest(database, order_id)
    run_days("SE", date(2026, 12, 15), date(2027, 4, 20))  # nothing paid: a case opens
    [case_id] = database.run(
        lambda c: (
            c.execute(select(collection_cases.c.id).where(collection_cases.c.order_id == order_id))
            .scalars()
            .all()
        )
    )
    earned = sum(per_instalment[:4])  # due 15 January to 15 April
    assert _interest(database) == (-133_248 + earned, -earned)
    written = database.run(lambda c: write_off(c, case_id, at=clock.now()))
    assert _interest(database) == (0, -earned)  # the rest taken back from deferred interest
    run_days("SE", date(2027, 4, 21), date(2027, 7, 16))  # three more due dates pass
    assert _interest(database) == (0, -earned)

    consumer_id = order_consumer(database, order_id)
    database.run(
        lambda c: record_payment(
            c,
            order_id=order_id,
            consumer_id=consumer_id,
            payment=Money(written["written_off_amount"], "SEK"),
            at=clock.now(),
            channel="bank_transfer",
        )
    )
    losses = database.run(lambda c: balance(c, account(AccountKind.CREDIT_LOSSES, "SEK")))
    assert (losses, *_interest(database)) == (0, 0, -133_248)
    assert database.run(verify).ok
