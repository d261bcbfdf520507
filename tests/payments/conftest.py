"""Fixtures for card payments: a captured pay-in-3 order in Sweden and helpers around it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select, text

from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.ledger.service import AccountKind, account, balance
from paylater.payments import service
from paylater.payments.processor import SandboxProcessor
from tests.api.flows import capture, consumer, order_consumer, place_order

APPROVE = "4111 1111 1111 1111"
APPROVE_MC = "5555555555554444"
DECLINE = "4000000000000002"
NO_FUNDS = "4000000000009995"
EXPIRED = "4000000000000069"


@dataclass(frozen=True)
class Purchase:
    order_id: str
    consumer_id: str


@pytest.fixture
def processor() -> SandboxProcessor:
    return SandboxProcessor()


@pytest.fixture
def buy(client: TestClient, merchant: dict[str, Any], database: Database) -> Any:
    """Place and fully capture an order (pay in 3, SEK, captured at the clock's time)."""

    def make(
        amount: int = 100_000, *, email: str = "anna@example.com", plan: str = "pay_in_3"
    ) -> Purchase:
        order_id = place_order(
            client, merchant["headers"], amount, plan=plan, person=consumer(email)
        )
        assert capture(client, merchant["headers"], order_id, amount).status_code == 201
        return Purchase(order_id, order_consumer(database, order_id))

    return make


@pytest.fixture
def add_card(database: Database, clock: FixedClock, processor: SandboxProcessor) -> Any:
    def make(consumer_id: str, number: str = APPROVE, *, autopay: bool = False) -> str:
        def work(connection: Connection) -> str:
            card = service.add_card(
                connection,
                consumer_id=consumer_id,
                number=number,
                exp_month=12,
                exp_year=2030,
                cvc="737",
                processor=processor,
                at=clock.now(),
            )
            if autopay:
                service.set_autopay(connection, consumer_id, card.id)
            return card.id

        return database.run(work)

    return make


def receivable(database: Database, consumer_id: str, currency: str = "SEK") -> int:
    key = account(AccountKind.CONSUMER_RECEIVABLE, currency, consumer_id)
    return database.run(lambda c: balance(c, key), readonly=True)


def bank(database: Database, currency: str = "SEK") -> int:
    key = account(AccountKind.BANK_CLEARING, currency)
    return database.run(lambda c: balance(c, key), readonly=True)


def schedule(database: Database, order_id: str) -> list[tuple[str, int, int, str]]:
    rows = database.run(
        lambda c: c.execute(
            text(
                "SELECT due_date, amount, paid_amount, status FROM instalments"
                " WHERE order_id = :o ORDER BY seq"
            ),
            {"o": order_id},
        ).all(),
        readonly=True,
    )
    return [(str(row[0]), int(row[1]), int(row[2]), str(row[3])) for row in rows]


def messages_of(database: Database, consumer_id: str, kind: str | None = None) -> list[Any]:
    from paylater.notifications.models import messages

    query = select(messages).where(messages.c.consumer_id == consumer_id)
    if kind is not None:
        query = query.where(messages.c.kind == kind)
    return list(
        database.run(
            lambda c: c.execute(query.order_by(messages.c.created_at, messages.c.id)).all(),
            readonly=True,
        )
    )


def count(database: Database, table: Any) -> int:
    query = select(func.count()).select_from(table)
    return int(database.run(lambda c: c.execute(query).scalar_one(), readonly=True))
