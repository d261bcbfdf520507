"""SCENARIOS.md S1, S2, S3, S5 and S6 end to end: merchant API, consumer payments, ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from paylater.billing.service import record_payment
from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, account, balance, balances_by_kind, verify
from tests.api.flows import (
    authorize,
    capture,
    consumer,
    create_order,
    order_consumer,
    place_order,
    read_order,
    refund,
)

S1_CAPTURE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _schedule(order: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    return [
        (i["due_date"], i["amount"], i["paid_amount"], i["status"])
        for i in order["payment_schedule"]
    ]


def _pay(
    database: Database,
    clock: FixedClock,
    order_id: str,
    consumer_id: str,
    amount: int,
    currency: str = "SEK",
) -> int:
    return database.run(
        lambda c: record_payment(
            c,
            order_id=order_id,
            consumer_id=consumer_id,
            payment=Money(amount, currency),
            at=clock.now(),
            channel="bank_transfer",
        )
    )


def _balances(
    database: Database, merchant_id: str, consumer_id: str, currency: str = "SEK"
) -> dict[str, int]:
    def work(connection: Any) -> dict[str, int]:
        return {
            "receivable": balance(
                connection, account(AccountKind.CONSUMER_RECEIVABLE, currency, consumer_id)
            ),
            "consumer_payable": balance(
                connection, account(AccountKind.CONSUMER_PAYABLE, currency, consumer_id)
            ),
            "merchant_payable": balance(
                connection, account(AccountKind.MERCHANT_PAYABLE, currency, merchant_id)
            ),
            "fee_income": balance(connection, account(AccountKind.FEE_INCOME, currency)),
            "bank": balance(connection, account(AccountKind.BANK_CLEARING, currency)),
        }

    return database.run(work, readonly=True)


def _s1_order(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> tuple[str, str]:
    clock.set(S1_CAPTURE)
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000, plan="pay_in_3")
    assert capture(client, headers, order_id, 100000).status_code == 201
    return order_id, order_consumer(database, order_id)


def test_s1_pay_in_3_in_sweden(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id, consumer_id = _s1_order(client, merchant, database, clock)
    order = read_order(client, merchant["headers"], order_id)
    assert _schedule(order) == [
        ("2026-12-01", 33334, 0, "open"),
        ("2026-12-31", 33333, 0, "open"),
        ("2027-02-01", 33333, 0, "open"),  # nominal 2027-01-30 is a Saturday
    ]
    capture_id = order["captures"][0]["capture_id"]
    assert {i["capture_id"] for i in order["payment_schedule"]} == {capture_id}
    # Capture: the consumer owes 1,000.00; the merchant is owed it less 2.9 % (29.00).
    assert _balances(database, merchant["id"], consumer_id) == {
        "receivable": 100000,
        "consumer_payable": 0,
        "merchant_payable": -97100,
        "fee_income": -2900,
        "bank": 0,
    }
    assert database.run(verify).ok


def test_s2_pay_later_in_france(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    clock.set(datetime(2026, 12, 20, 10, 0, tzinfo=UTC))
    order_id = place_order(client, headers, 8990, plan="pay_later", country="FR")
    assert capture(client, headers, order_id, 8990).status_code == 201
    assert _schedule(read_order(client, headers, order_id)) == [("2027-01-19", 8990, 0, "open")]


def test_s3_pay_in_4_in_germany(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 12000, plan="pay_in_4", country="DE")
    clock.set(datetime(2026, 12, 18, 15, 30, tzinfo=UTC))  # captured 17 days later
    assert capture(client, headers, order_id, 12000).status_code == 201
    assert _schedule(read_order(client, headers, order_id)) == [
        ("2026-12-18", 3000, 0, "open"),
        ("2027-01-04", 3000, 0, "open"),  # nominal 2027-01-01 is New Year's Day
        ("2027-01-15", 3000, 0, "open"),
        ("2027-01-29", 3000, 0, "open"),
    ]


def test_each_capture_starts_its_own_schedule(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    clock.set(datetime(2026, 12, 18, 8, 0, tzinfo=UTC))
    order_id = place_order(client, headers, 12000, plan="pay_in_4", country="DE")
    assert capture(client, headers, order_id, 4000).status_code == 201
    clock.set(datetime(2026, 12, 21, 8, 0, tzinfo=UTC))
    assert capture(client, headers, order_id, 8000).status_code == 201
    schedule = _schedule(read_order(client, headers, order_id))
    assert schedule == [
        ("2026-12-18", 1000, 0, "open"),
        ("2027-01-04", 1000, 0, "open"),
        ("2027-01-15", 1000, 0, "open"),
        ("2027-01-29", 1000, 0, "open"),
        ("2026-12-21", 2000, 0, "open"),
        ("2027-01-04", 2000, 0, "open"),
        ("2027-01-18", 2000, 0, "open"),
        ("2027-02-01", 2000, 0, "open"),
    ]


def test_s5_refund_after_one_payment(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    order_id, consumer_id = _s1_order(client, merchant, database, clock)
    assert _pay(database, clock, order_id, consumer_id, 33334) == 33334
    after_payment = _balances(database, merchant["id"], consumer_id)
    assert after_payment["receivable"] == 66666
    assert after_payment["bank"] == 33334

    clock.advance(timedelta(days=3))
    answer = refund(client, headers, order_id, 50000)
    assert answer.status_code == 201
    order = read_order(client, headers, order_id)
    assert _schedule(order) == [
        ("2026-12-01", 33334, 33334, "paid"),
        ("2026-12-31", 16666, 0, "open"),
        ("2027-02-01", 0, 0, "cancelled"),
    ]
    owed = sum(i["amount"] - i["paid_amount"] for i in order["payment_schedule"])
    assert owed == 16666
    assert 33334 + owed == 50000 == order["captured_amount"] - order["refunded_amount"]

    after_refund = _balances(database, merchant["id"], consumer_id)
    assert after_payment["receivable"] - after_refund["receivable"] == 50000
    assert after_refund["merchant_payable"] - after_payment["merchant_payable"] == 50000
    assert after_refund["receivable"] == 16666
    assert after_refund["merchant_payable"] == -47100
    assert after_refund["consumer_payable"] == 0  # nothing to pay back
    payback = database.run(
        lambda c: c.execute(
            text("SELECT payback_amount FROM refunds WHERE order_id = :o"), {"o": order_id}
        ).scalar_one()
    )
    assert payback == 0

    # The consumer pays the rest and the plan is done; the ledger still balances.
    assert _pay(database, clock, order_id, consumer_id, 16666) == 16666
    order = read_order(client, headers, order_id)
    assert [i["status"] for i in order["payment_schedule"]] == ["paid", "paid", "cancelled"]
    assert _balances(database, merchant["id"], consumer_id)["receivable"] == 0
    report = database.run(verify)
    assert report.ok, report


def test_s6_refund_after_two_payments(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    order_id, consumer_id = _s1_order(client, merchant, database, clock)
    assert _pay(database, clock, order_id, consumer_id, 33334) == 33334
    clock.set(datetime(2026, 12, 30, 12, 0, tzinfo=UTC))
    assert _pay(database, clock, order_id, consumer_id, 33333) == 33333
    before = _balances(database, merchant["id"], consumer_id)
    assert before["receivable"] == 33333

    assert refund(client, headers, order_id, 50000).status_code == 201
    order = read_order(client, headers, order_id)
    schedule = _schedule(order)
    assert schedule == [
        ("2026-12-01", 33334, 33334, "paid"),
        # 333.33 was paid on it; 166.67 of that goes back, so 166.66 counts as paid.
        ("2026-12-31", 16666, 16666, "paid"),
        ("2027-02-01", 0, 0, "cancelled"),  # the third instalment is cancelled
    ]
    assert sum(amount for _, amount, _, _ in schedule) == 50000  # the new total
    assert [status for *_, status in schedule] == ["paid", "paid", "cancelled"]
    payback = database.run(
        lambda c: c.execute(
            text("SELECT payback_amount FROM refunds WHERE order_id = :o"), {"o": order_id}
        ).scalar_one()
    )
    assert payback == 16667  # 666.67 paid − 500.00 new total

    after = _balances(database, merchant["id"], consumer_id)
    assert after["receivable"] == 0  # nothing more is owed
    assert after["consumer_payable"] == -16667  # the lender owes the consumer 166.67
    assert after["merchant_payable"] - before["merchant_payable"] == 50000
    assert after["bank"] == 66667
    # A later payment of the third instalment finds nothing owed: it is all a credit.
    assert _pay(database, clock, order_id, consumer_id, 100) == 0
    assert _balances(database, merchant["id"], consumer_id)["consumer_payable"] == -16767
    report = database.run(verify)
    assert report.ok, report
    totals = database.run(balances_by_kind)
    assert sum(v for (_, currency), v in totals.items() if currency == "SEK") == 0


def _financing_order(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock, amount: int
) -> str:
    """A returning consumer (account a day old, so no new-account review) on 12 months."""
    headers = merchant["headers"]
    person = consumer("financing@example.com", monthly_income=6_000_000, monthly_expenses=1_000_000)
    clock.set(datetime(2026, 12, 14, 12, 0, tzinfo=UTC))
    _, first = authorize(client, headers, 10_000, plan="pay_later", person=person)
    assert first["approved"]
    clock.set(datetime(2026, 12, 15, 12, 0, tzinfo=UTC))
    _, answer = authorize(
        client, headers, amount, plan="financing", person=person, financing_months=12
    )
    assert (answer["approved"], answer["fraud_status"]) == (True, "ACCEPTED"), answer
    created = create_order(client, headers, answer["authorization_token"], amount)
    assert created.status_code == 200
    assert created.json()["authorized_payment_method"]["number_of_installments"] == 12
    order_id = str(created.json()["order_id"])
    assert capture(client, headers, order_id, amount).status_code == 201
    return order_id


def test_s4_financing_in_sweden(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id = _financing_order(client, merchant, clock, 1_200_000)
    schedule = _schedule(read_order(client, merchant["headers"], order_id))
    assert len(schedule) == 12
    assert {amount for _, amount, _, _ in schedule} == {111_104}  # 1,111.04 SEK a month
    assert sum(amount for _, amount, _, _ in schedule) == 1_333_248  # 12,000.00 + 1,332.48
    assert [due for due, *_ in schedule][:5] == [
        "2027-01-15",
        "2027-02-15",
        "2027-03-15",
        "2027-04-15",
        "2027-05-17",  # the 15th is a Saturday
    ]
    assert schedule[-1][0] == "2027-12-15"
    consumer_id = order_consumer(database, order_id)
    receivable = database.run(
        lambda c: balance(c, account(AccountKind.CONSUMER_RECEIVABLE, "SEK", consumer_id))
    )
    deferred = database.run(lambda c: balance(c, account(AccountKind.DEFERRED_INTEREST, "SEK")))
    assert (receivable, deferred) == (1_333_248, -133_248)
    assert database.run(verify).ok


def test_a_fully_refunded_financing_purchase_leaves_nothing_owed(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id = _financing_order(client, merchant, clock, 600_000)
    clock.advance(timedelta(days=2))
    assert refund(client, merchant["headers"], order_id, 600_000).status_code == 201
    schedule = _schedule(read_order(client, merchant["headers"], order_id))
    assert sum(amount for _, amount, _, _ in schedule) == 0
    consumer_id = order_consumer(database, order_id)
    assert (
        database.run(
            lambda c: balance(c, account(AccountKind.CONSUMER_RECEIVABLE, "SEK", consumer_id))
        )
        == 0
    )


def test_a_partial_refund_of_financing_cancels_interest_in_proportion(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id = _financing_order(client, merchant, clock, 600_000)
    schedule = _schedule(read_order(client, merchant["headers"], order_id))
    total_before = sum(amount for _, amount, _, _ in schedule)
    interest_before = total_before - 600_000
    assert refund(client, merchant["headers"], order_id, 150_000).status_code == 201
    schedule = _schedule(read_order(client, merchant["headers"], order_id))
    cancelled = (interest_before * 150_000 + 300_000) // 600_000  # a quarter, rounded
    assert sum(amount for _, amount, _, _ in schedule) == total_before - 150_000 - cancelled
    deferred = database.run(lambda c: balance(c, account(AccountKind.DEFERRED_INTEREST, "SEK")))
    assert deferred == -(interest_before - cancelled)
    assert database.run(verify).ok
