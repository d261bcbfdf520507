"""Helpers shared by the settlement and dispute tests."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, func, select

from paylater.db import Database
from paylater.disputes.models import disputes
from paylater.kit.clock import FixedClock
from paylater.ledger.service import AccountKind, account, balance
from paylater.notifications.webhook_models import webhook_events
from paylater.settlement import payouts as payout_service
from paylater.settlement import transactions
from paylater.settlement.models import payouts, settlement_transactions
from tests.api.flows import consumer

ADMIN = {"Authorization": "Bearer test-admin-token"}
SE_IBAN = "SE4550000000058398257466"
DE_IBAN = "DE89370400440532013000"

_counter = iter(range(1, 1_000_000))


def shopper() -> dict[str, Any]:
    """A new consumer for each purchase (so credit limits never get in the way)."""
    return consumer(f"shopper{next(_counter)}@example.com")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def run(database: Database, clock: FixedClock, day: date) -> payout_service.RunResult:
    """The payout run of ``day``, made early that morning."""
    clock.set(at(day, 2))
    return database.run(lambda c: payout_service.run_payouts(c, day, now=clock.now()))


def all_payouts(database: Database) -> list[dict[str, Any]]:
    return database.run(
        lambda c: [dict(r._mapping) for r in c.execute(select(payouts).order_by(payouts.c.id))],
        readonly=True,
    )


def statement(database: Database) -> list[dict[str, Any]]:
    return database.run(
        lambda c: [
            dict(r._mapping)
            for r in c.execute(
                select(settlement_transactions).order_by(settlement_transactions.c.id)
            )
        ],
        readonly=True,
    )


def events(database: Database, merchant_id: str, kind: str) -> list[dict[str, Any]]:
    return database.run(
        lambda c: [
            dict(r.data)
            for r in c.execute(
                select(webhook_events)
                .where(webhook_events.c.merchant_id == merchant_id, webhook_events.c.type == kind)
                .order_by(webhook_events.c.created_at)
            )
        ],
        readonly=True,
    )


def check_books(connection: Connection) -> None:
    """Statement and ledger agree for every merchant: what the payable account owes is what the
    statement holds beyond sent payouts; holds equal open disputes."""
    transactions.sync(connection)
    accrued: dict[tuple[str, str], int] = defaultdict(int)
    for row in connection.execute(select(settlement_transactions)):
        accrued[(row.merchant_id, row.currency)] += row.amount
    for row in connection.execute(select(payouts).where(payouts.c.status == "sent")):
        accrued[(row.merchant_id, row.currency)] -= row.amount
    for (merchant_id, currency), owed in accrued.items():
        payable = balance(connection, account(AccountKind.MERCHANT_PAYABLE, currency, merchant_id))
        assert -payable == owed, (merchant_id, currency, payable, owed)
        held = connection.execute(
            select(func.coalesce(func.sum(disputes.c.amount), 0)).where(
                disputes.c.merchant_id == merchant_id,
                disputes.c.currency == currency,
                disputes.c.status != "closed",
            )
        ).scalar()
        hold = balance(connection, account(AccountKind.DISPUTE_HOLD, currency, merchant_id))
        assert -hold == held, (merchant_id, currency, hold, held)
