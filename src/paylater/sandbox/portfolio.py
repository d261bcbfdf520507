"""Synthetic portfolios: many open instalments written in bulk, for load tests and benchmarks.

The rows are what checkout and capture would have written for pay-in-4 purchases (consumers,
orders, captures, plans, instalments) but without the ledger entries, so use it only on a
database meant for measuring, never on one whose books matter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from paylater.billing.models import instalments, payment_plans
from paylater.consumers.models import consumers
from paylater.db import Database
from paylater.fastsql import execute
from paylater.kit.ids import new_uuid
from paylater.orders.models import captures, orders

INSTALMENTS_PER_ORDER = 4
ORDERS_PER_CONSUMER = 2


def instalment_amount(index: int) -> int:
    """Amounts vary by order (10.00 to 509.99), as real baskets do."""
    return 1_000 + (index * 7_919) % 50_000


@dataclass(frozen=True)
class Portfolio:
    consumers: int
    orders: int
    instalments: int


def _rows_for_order(
    index: int,
    consumer_id: str,
    *,
    merchant_id: str,
    country: str,
    currency: str,
    locale: str,
    first_due: date,
    spread_days: int,
    now: datetime,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    order_id, capture_id, plan_id = new_uuid(), new_uuid(), new_uuid()
    part = instalment_amount(index)
    amount = part * INSTALMENTS_PER_ORDER
    order: dict[str, Any] = {
        "id": order_id,
        "merchant_id": merchant_id,
        "consumer_id": consumer_id,
        "authorization_token": None,
        "customer_token": None,
        "status": "CAPTURED",
        "fraud_status": "ACCEPTED",
        "plan": "pay_in_4",
        "financing_months": None,
        "purchase_country": country,
        "purchase_currency": currency,
        "locale": locale,
        "order_amount": amount,
        "original_order_amount": amount,
        "captured_amount": amount,
        "refunded_amount": 0,
        "details": {},
        "merchant_reference1": "",
        "merchant_reference2": "",
        "fees_agreed": True,
        "created_at": now,
        "expires_at": now + timedelta(days=28),
    }
    capture = {
        "id": capture_id,
        "order_id": order_id,
        "captured_amount": amount,
        "fee_amount": 0,
        "description": "",
        "reference": "",
        "order_lines": [],
        "shipping_info": [],
        "captured_at": now,
    }
    plan = {
        "id": plan_id,
        "order_id": order_id,
        "capture_id": capture_id,
        "consumer_id": consumer_id,
        "plan": "pay_in_4",
        "currency": currency,
        "country": country,
        "principal": amount,
        "interest": 0,
        "interest_recognized": 0,
        "status": "active",
        "created_at": now,
    }
    base = first_due + timedelta(days=index % spread_days)
    parts = [
        {
            "id": new_uuid(),
            "plan_id": plan_id,
            "consumer_id": consumer_id,
            "order_id": order_id,
            "country": country,
            "seq": seq + 1,
            "due_date": base + timedelta(days=14 * seq),
            "original_amount": part,
            "amount": part,
            "interest": 0,
            "paid_amount": 0,
            "fee_amount": 0,
            "processing_until": None,
            "interest_recognized_on": None,
            "currency": currency,
            "status": "open",
            "paid_at": None,
        }
        for seq in range(INSTALMENTS_PER_ORDER)
    ]
    return order, capture, plan, parts


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def create_portfolio(
    database: Database,
    *,
    instalment_count: int,
    merchant_id: str,
    country: str,
    currency: str,
    locale: str,
    first_due: date,
    spread_days: int,
    now: datetime,
    batch_orders: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> Portfolio:
    """Write ``instalment_count`` open instalments (pay in 4, amounts varying by order) due
    from ``first_due`` over ``spread_days`` days, for ``instalment_count / 8`` consumers."""
    order_count = instalment_count // INSTALMENTS_PER_ORDER
    consumer_ids: list[str] = []
    for batch in _batches(order_count, batch_orders):
        rows: dict[str, list[dict[str, Any]]] = {
            "consumers": [],
            "orders": [],
            "captures": [],
            "plans": [],
            "instalments": [],
        }
        for index in batch:
            if index % ORDERS_PER_CONSUMER == 0:
                consumer_id = f"con_{new_uuid().replace('-', '')[:16]}"
                consumer_ids.append(consumer_id)
                rows["consumers"].append(
                    {
                        "id": consumer_id,
                        "email": f"{consumer_id}@example.com",
                        "given_name": "Bench",
                        "family_name": f"Consumer {index}",
                        "date_of_birth": date(1990, 1, 1),
                        "country": country,
                        "locale": locale,
                        "phone": "",
                        "monthly_income": None,
                        "monthly_expenses": None,
                        "created_at": now,
                    }
                )
            order, capture, plan, parts = _rows_for_order(
                index,
                consumer_ids[-1],
                merchant_id=merchant_id,
                country=country,
                currency=currency,
                locale=locale,
                first_due=first_due,
                spread_days=spread_days,
                now=now,
            )
            rows["orders"].append(order)
            rows["captures"].append(capture)
            rows["plans"].append(plan)
            rows["instalments"].extend(parts)

        def write(connection: Any, rows: dict[str, list[dict[str, Any]]] = rows) -> None:
            for table, key in (
                (consumers, "consumers"),
                (orders, "orders"),
                (captures, "captures"),
                (payment_plans, "plans"),
                (instalments, "instalments"),
            ):
                if rows[key]:
                    execute(connection, table.insert(), rows[key])

        database.run(write)
        if progress is not None:
            progress(batch.stop * INSTALMENTS_PER_ORDER)
    return Portfolio(len(consumer_ids), order_count, order_count * INSTALMENTS_PER_ORDER)
