"""Invoices written straight into the database (consumer, order, capture, plan, instalments, and
the capture's ledger entry), so bank tests can make hundreds of them quickly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, func, insert, select

from paylater.bank.models import bank_entries
from paylater.billing.models import instalments, payment_plans
from paylater.consumers.models import consumers
from paylater.db import Database
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Posting, account, post
from paylater.merchants import service as merchants
from paylater.notifications.models import messages
from paylater.orders.models import captures, orders

AT = datetime(2027, 1, 21, 9, 0, tzinfo=UTC)


@dataclass
class Invoice:
    order_id: str
    consumer_id: str
    instalment_ids: list[str]
    amounts: list[int]
    currency: str


def make_consumer(
    connection: Connection,
    given: str = "Marie",
    family: str = "Dupont",
    country: str = "FR",
    locale: str = "fr-FR",
) -> str:
    consumer_id = "con_" + new_uuid().replace("-", "")[:20]
    connection.execute(
        insert(consumers).values(
            id=consumer_id,
            email=f"{consumer_id}@example.com",
            given_name=given,
            family_name=family,
            country=country,
            locale=locale,
            phone="",
            created_at=AT,
        )
    )
    return consumer_id


def make_merchant(connection: Connection) -> str:
    return merchants.create_merchant(connection, name="Boutique", country="FR", at=AT).id


def make_invoice(
    connection: Connection,
    merchant_id: str,
    consumer_id: str,
    amounts: list[int],
    *,
    currency: str = "EUR",
    country: str = "FR",
    first_due: date = date(2027, 1, 19),
) -> Invoice:
    order_id, capture_id, plan_id = new_uuid(), new_uuid(), new_uuid()
    total = sum(amounts)
    connection.execute(
        insert(orders).values(
            id=order_id,
            merchant_id=merchant_id,
            consumer_id=consumer_id,
            status="CAPTURED",
            fraud_status="ACCEPTED",
            plan="pay_in_3" if len(amounts) > 1 else "pay_later",
            purchase_country=country,
            purchase_currency=currency,
            locale="fr-FR",
            order_amount=total,
            original_order_amount=total,
            captured_amount=total,
            refunded_amount=0,
            details={},
            fees_agreed=True,
            created_at=AT,
            expires_at=AT + timedelta(days=28),
        )
    )
    connection.execute(
        insert(captures).values(
            id=capture_id,
            order_id=order_id,
            captured_amount=total,
            fee_amount=0,
            order_lines=[],
            shipping_info=[],
            captured_at=AT,
        )
    )
    connection.execute(
        insert(payment_plans).values(
            id=plan_id,
            order_id=order_id,
            capture_id=capture_id,
            consumer_id=consumer_id,
            plan="pay_in_3",
            currency=currency,
            country=country,
            principal=total,
            interest=0,
            status="active",
            created_at=AT,
        )
    )
    ids = [new_uuid() for _ in amounts]
    connection.execute(
        insert(instalments),
        [
            {
                "id": instalment_id,
                "plan_id": plan_id,
                "consumer_id": consumer_id,
                "order_id": order_id,
                "country": country,
                "seq": seq,
                "due_date": first_due + timedelta(days=30 * seq),
                "original_amount": amount,
                "amount": amount,
                "interest": 0,
                "paid_amount": 0,
                "fee_amount": 0,
                "processing_until": None,
                "currency": currency,
                "status": "open",
                "paid_at": None,
            }
            for seq, (instalment_id, amount) in enumerate(zip(ids, amounts, strict=True))
        ],
    )
    post(
        connection,
        kind="capture",
        reference=order_id,
        at=AT,
        entry_postings=[
            Posting(
                account(AccountKind.CONSUMER_RECEIVABLE, currency, consumer_id),
                Money(total, currency),
            ),
            Posting(
                account(AccountKind.MERCHANT_PAYABLE, currency, merchant_id),
                Money(-total, currency),
            ),
        ],
    )
    return Invoice(order_id, consumer_id, ids, list(amounts), currency)


def instalment_rows(connection: Connection, ids: list[str]) -> dict[str, Any]:
    rows = connection.execute(select(instalments).where(instalments.c.id.in_(ids))).all()
    return {row.id: row for row in rows}


def entry_states(connection: Connection) -> dict[str, int]:
    rows = connection.execute(
        select(bank_entries.c.state, func.count()).group_by(bank_entries.c.state)
    ).all()
    return {row[0]: int(row[1]) for row in rows}


def mail_kinds(connection: Connection, consumer_id: str) -> list[str]:
    return list(
        connection.execute(
            select(messages.c.kind).where(messages.c.consumer_id == consumer_id)
        ).scalars()
    )


@pytest.fixture
def shop(database: Database) -> str:
    return database.run(make_merchant)
