"""Deadlines the job queue enforces on orders: authorization expiry and unreviewed fraud checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from paylater.checkout.models import authorizations, payment_sessions
from paylater.credit.rules import Outcome
from paylater.jobs.daily import daily_task
from paylater.jobs.registry import JobContext, register
from paylater.notifications import webhooks
from paylater.orders.models import orders
from paylater.orders.service import CAPTURABLE, FRAUD_REVIEW_DEADLINE


@register(FRAUD_REVIEW_DEADLINE)
def reject_unreviewed(connection: Connection, payload: dict[str, Any], context: JobContext) -> None:
    """A PENDING order nobody reviewed within 24 hours is rejected and cancelled."""
    row = connection.execute(
        select(orders).where(orders.c.id == payload["order_id"]).with_for_update()
    ).first()
    if row is None or row.fraud_status != Outcome.PENDING.value:
        return  # reviewed in time (or gone): nothing to do
    connection.execute(
        orders.update()
        .where(orders.c.id == row.id)
        .values(fraud_status=Outcome.REJECTED.value, status="CANCELLED")
    )
    webhooks.emit(
        connection,
        row.merchant_id,
        "order.cancelled",
        {
            "order_id": row.id,
            "merchant_reference1": row.merchant_reference1,
            "reason": "fraud_review_timeout",
        },
        at=context.now,
    )


@daily_task("orders.expire_authorizations")
def expire_authorizations(connection: Connection, day: date, now: datetime) -> int:
    """Release every authorization past its expiry and tell the merchant.

    Nothing captured → EXPIRED; partly captured → the order becomes what was captured. Only
    orders still open are touched, so running it twice changes nothing the second time.
    """
    due = connection.execute(
        select(
            orders.c.id,
            orders.c.merchant_id,
            orders.c.status,
            orders.c.order_amount,
            orders.c.captured_amount,
            orders.c.merchant_reference1,
            orders.c.purchase_currency,
        )
        .where(orders.c.status.in_(CAPTURABLE))
        .where(orders.c.expires_at <= now)
        .order_by(orders.c.expires_at)
        .with_for_update()
    ).all()
    for order in due:
        expired = order.status == "AUTHORIZED"
        connection.execute(
            orders.update()
            .where(orders.c.id == order.id)
            .values(
                status="EXPIRED" if expired else "CAPTURED",
                order_amount=order.order_amount if expired else order.captured_amount,
            )
        )
        webhooks.emit(
            connection,
            order.merchant_id,
            "order.authorization_expired",
            {
                "order_id": order.id,
                "released_amount": order.order_amount - order.captured_amount,
                "purchase_currency": order.purchase_currency,
                "merchant_reference1": order.merchant_reference1,
            },
            at=now,
        )
    return len(due)


@daily_task("checkout.expire_sessions")
def expire_sessions(connection: Connection, day: date, now: datetime) -> int:
    """Mark payment sessions past their 48 hours and unused authorization tokens past theirs as
    expired, so stored statuses agree with what the API already answers."""
    sessions = connection.execute(
        payment_sessions.update()
        .where(payment_sessions.c.status == "incomplete", payment_sessions.c.expires_at <= now)
        .values(status="expired")
    ).rowcount
    tokens = connection.execute(
        authorizations.update()
        .where(authorizations.c.status == "authorized", authorizations.c.expires_at <= now)
        .values(status="expired")
    ).rowcount
    return int(sessions or 0) + int(tokens or 0)
