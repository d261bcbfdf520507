"""Manual fraud reviews: orders the credit decision left PENDING, approved or rejected by an
operator before the 24-hour deadline job rejects them (see :mod:`paylater.orders.deadlines`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from paylater.consumers.models import consumers
from paylater.credit.rules import Outcome
from paylater.kit.errors import NotAllowed, NotFound
from paylater.merchants.models import merchants
from paylater.notifications import webhooks
from paylater.orders.models import orders
from paylater.orders.service import FRAUD_REVIEW_WINDOW


def pending(connection: Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """Orders waiting for a review, oldest first (the closest to their deadline)."""
    rows = connection.execute(
        select(
            orders.c.id,
            orders.c.merchant_id,
            merchants.c.name.label("merchant_name"),
            consumers.c.email,
            consumers.c.country.label("consumer_country"),
            orders.c.purchase_country,
            orders.c.order_amount,
            orders.c.purchase_currency,
            orders.c.plan,
            orders.c.details,
            orders.c.created_at,
        )
        .join(merchants, merchants.c.id == orders.c.merchant_id)
        .join(consumers, consumers.c.id == orders.c.consumer_id)
        .where(orders.c.fraud_status == Outcome.PENDING.value)
        .order_by(orders.c.created_at, orders.c.id)
        .limit(limit)
    ).all()
    found = []
    for row in rows:
        item = dict(row._mapping)
        item["deadline"] = row.created_at + FRAUD_REVIEW_WINDOW
        shipping = (row.details or {}).get("shipping_address") or {}
        item["shipping_country"] = shipping.get("country", "")
        found.append(item)
    return found


def _lock_pending(connection: Connection, order_id: str) -> Any:
    row = connection.execute(
        select(orders).where(orders.c.id == order_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"no order {order_id}")
    if row.fraud_status != Outcome.PENDING.value:
        raise NotAllowed(f"order {order_id} is not waiting for a review ({row.fraud_status})")
    return row


def approve(connection: Connection, order_id: str) -> dict[str, Any]:
    """The order may be captured from now on. Returns the state before."""
    row = _lock_pending(connection, order_id)
    connection.execute(
        orders.update().where(orders.c.id == order_id).values(fraud_status=Outcome.ACCEPTED.value)
    )
    return {"fraud_status": row.fraud_status, "status": row.status}


def reject(connection: Connection, order_id: str, *, now: datetime) -> dict[str, Any]:
    """Reject and cancel the order, telling the merchant as the deadline job would."""
    row = _lock_pending(connection, order_id)
    connection.execute(
        orders.update()
        .where(orders.c.id == order_id)
        .values(fraud_status=Outcome.REJECTED.value, status="CANCELLED")
    )
    webhooks.emit(
        connection,
        row.merchant_id,
        "order.cancelled",
        {
            "order_id": row.id,
            "merchant_reference1": row.merchant_reference1,
            "reason": "fraud_review_rejected",
        },
        at=now,
    )
    return {"fraud_status": row.fraud_status, "status": row.status}
