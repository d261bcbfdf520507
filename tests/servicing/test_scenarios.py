"""SCENARIOS.md S8 (Swedish reminder fee) and S9 (a registered return pauses the invoice)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.ledger.service import AccountKind, account, balance, verify
from paylater.servicing.models import fees, notices
from paylater.servicing.pauses import ProblemReason, report_problem
from tests.api.flows import capture, order_consumer, place_order, read_order, refund
from tests.servicing.conftest import DayRunner, emails

OVERDUE_KINDS = ("reminder.overdue", "reminder.overdue_fee")


def _s8_order(client: TestClient, merchant: dict[str, Any], clock: FixedClock, **extra: Any) -> str:
    clock.set(datetime(2026, 12, 16, 10, 0, tzinfo=UTC))
    headers = merchant["headers"]
    order_id = place_order(client, headers, 50_000, plan="pay_later", country="SE", **extra)
    assert capture(client, headers, order_id, 50_000).status_code == 201
    return order_id


def _schedule(client: TestClient, merchant: dict[str, Any], order_id: str) -> list[Any]:
    order = read_order(client, merchant["headers"], order_id)
    return [(i["due_date"], i["amount"], i["status"]) for i in order["payment_schedule"]]


def _count(database: Database, table: Any) -> int:
    return int(database.run(lambda c: c.execute(select(func.count()).select_from(table)).scalar()))


def test_s8_overdue_invoice_in_sweden_gets_one_reminder_fee(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    order_id = _s8_order(client, merchant, clock)
    consumer_id = order_consumer(database, order_id)
    assert _schedule(client, merchant, order_id) == [("2027-01-15", 50_000, "open")]

    run_days("SE", date(2026, 12, 16), date(2027, 1, 21))
    sent = [e for e in emails(database, consumer_id) if e[1].startswith("reminder.")]
    assert sent == [
        ("2027-01-12", "reminder.upcoming"),
        ("2027-01-15", "reminder.due"),
        ("2027-01-21", "reminder.overdue_fee"),
    ]
    assert _schedule(client, merchant, order_id) == [("2027-01-15", 56_000, "open")]

    def ledger(connection: Any) -> tuple[int, int]:
        return (
            balance(connection, account(AccountKind.LATE_FEE_INCOME, "SEK")),
            balance(connection, account(AccountKind.CONSUMER_RECEIVABLE, "SEK", consumer_id)),
        )

    assert database.run(ledger) == (-6_000, 56_000)

    # The same day again changes nothing.
    before = (_count(database, notices), _count(database, fees), len(emails(database, consumer_id)))
    run_days("SE", date(2027, 1, 21), date(2027, 1, 21))
    after = (_count(database, notices), _count(database, fees), len(emails(database, consumer_id)))
    assert after == before

    # Later reminders carry no fee: owed stays 560.00.
    run_days("SE", date(2027, 1, 22), date(2027, 2, 28))
    overdue = [e for e in emails(database, consumer_id) if e[1] in OVERDUE_KINDS]
    assert overdue == [
        ("2027-01-21", "reminder.overdue_fee"),
        ("2027-02-04", "reminder.overdue"),
        ("2027-02-18", "reminder.overdue"),
    ]
    assert _schedule(client, merchant, order_id) == [("2027-01-15", 56_000, "open")]
    assert database.run(verify).ok


def test_s8_without_the_fee_in_the_terms_the_reminder_has_no_fee(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    order_id = _s8_order(client, merchant, clock, accept_reminder_fee=False)
    consumer_id = order_consumer(database, order_id)
    run_days("SE", date(2027, 1, 12), date(2027, 1, 21))
    sent = [e for e in emails(database, consumer_id) if e[1].startswith("reminder.")]
    assert sent[-1] == ("2027-01-21", "reminder.overdue")
    assert _schedule(client, merchant, order_id) == [("2027-01-15", 50_000, "open")]
    assert _count(database, fees) == 0


def _report_return(database: Database, clock: FixedClock, order_id: str) -> Any:
    clock.set(datetime(2027, 1, 5, 9, 0, tzinfo=UTC))
    consumer_id = order_consumer(database, order_id)
    return database.run(
        lambda c: report_problem(
            c,
            consumer_id=consumer_id,
            order_id=order_id,
            reason=ProblemReason.returning_items,
            details="sent back with PostNord",
            now=clock.now(),
        )
    )


def test_s9_a_registered_return_pauses_and_a_full_refund_closes_it(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    order_id = _s8_order(client, merchant, clock)
    consumer_id = order_consumer(database, order_id)
    run_days("SE", date(2026, 12, 16), date(2027, 1, 4))
    outcome = _report_return(database, clock, order_id)
    assert (outcome.status, outcome.ends_on) == ("open", date(2027, 2, 2))
    assert _schedule(client, merchant, order_id) == [("2027-02-12", 50_000, "open")]

    run_days("SE", date(2027, 1, 5), date(2027, 1, 19))
    clock.set(datetime(2027, 1, 20, 10, 0, tzinfo=UTC))
    assert refund(client, merchant["headers"], order_id, 50_000).status_code == 201
    run_days("SE", date(2027, 1, 20), date(2027, 3, 1))
    assert [kind for _day, kind in emails(database, consumer_id)] == [
        "purchase.confirmed",
        "invoice.paused",
        "refund.processed",
    ]
    assert _schedule(client, merchant, order_id) == [("2027-02-12", 0, "cancelled")]
    assert database.run(verify).ok


def test_s9_without_a_refund_the_pause_ends_and_reminders_follow_the_new_date(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    order_id = _s8_order(client, merchant, clock)
    consumer_id = order_consumer(database, order_id)
    run_days("SE", date(2026, 12, 16), date(2027, 1, 4))
    _report_return(database, clock, order_id)
    run_days("SE", date(2027, 1, 5), date(2027, 2, 12))
    assert emails(database, consumer_id) == [
        ("2026-12-16", "purchase.confirmed"),
        ("2027-01-05", "invoice.paused"),
        ("2027-02-02", "invoice.resumed"),
        ("2027-02-09", "reminder.upcoming"),
        ("2027-02-12", "reminder.due"),
    ]
