"""Read models: an order as the Order Management API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from paylater.billing.service import schedule_rows
from paylater.orders.models import captures, refunds
from paylater.orders.service import effective_status, load_order
from paylater.plans.schedule import PlanType

_INSTALMENTS = {
    PlanType.pay_in_3: 3,
    PlanType.pay_in_4: 4,
    PlanType.pay_later: 1,
    PlanType.pay_now: 1,
}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def short_reference(order_id: str) -> str:
    """A short human reference printed on receipts and shown to support."""
    return order_id.replace("-", "")[:10].upper()


def capture_view(row: Any) -> dict[str, Any]:
    return {
        "capture_id": row.id,
        "klarna_reference": short_reference(row.id),
        "captured_amount": row.captured_amount,
        "captured_at": _iso(row.captured_at),
        "description": row.description,
        "reference": row.reference,
        "order_lines": row.order_lines,
        "shipping_info": row.shipping_info,
    }


def refund_view(row: Any) -> dict[str, Any]:
    return {
        "refund_id": row.id,
        "refunded_amount": row.refunded_amount,
        "refunded_at": _iso(row.refunded_at),
        "description": row.description,
        "reference": row.reference,
        "order_lines": row.order_lines,
    }


def order_view(
    connection: Connection, merchant_id: str, order_id: str, *, now: datetime
) -> dict[str, Any]:
    order = load_order(connection, merchant_id, order_id)
    status = effective_status(order, now)
    capture_rows = connection.execute(
        select(captures).where(captures.c.order_id == order_id).order_by(captures.c.captured_at)
    ).all()
    refund_rows = connection.execute(
        select(refunds).where(refunds.c.order_id == order_id).order_by(refunds.c.refunded_at)
    ).all()
    plan = PlanType(order["plan"])
    remaining = 0
    if status in ("AUTHORIZED", "PART_CAPTURED") and order["expires_at"] > now:
        remaining = order["order_amount"] - order["captured_amount"]
    return {
        "order_id": order["id"],
        "status": status,
        "fraud_status": order["fraud_status"],
        # An expired partial capture released the rest: the order is what was captured.
        "order_amount": order["captured_amount"]
        if status == "CAPTURED" and order["status"] == "PART_CAPTURED"
        else order["order_amount"],
        "original_order_amount": order["original_order_amount"],
        "captured_amount": order["captured_amount"],
        "refunded_amount": order["refunded_amount"],
        "remaining_authorized_amount": remaining,
        "purchase_currency": order["purchase_currency"],
        "purchase_country": order["purchase_country"],
        "locale": order["locale"],
        "order_lines": order["details"].get("order_lines", []),
        "merchant_reference1": order["merchant_reference1"],
        "merchant_reference2": order["merchant_reference2"],
        "klarna_reference": short_reference(order["id"]),
        "created_at": _iso(order["created_at"]),
        "expires_at": _iso(order["expires_at"]),
        "initial_payment_method": {
            "type": plan.value.upper(),
            "description": plan.value,
            "number_of_installments": order["financing_months"] or _INSTALMENTS.get(plan, 1),
        },
        "captures": [capture_view(row) for row in capture_rows],
        "refunds": [refund_view(row) for row in refund_rows],
        "payment_schedule": schedule_rows(connection, [order_id])[order_id],
    }


def capture_by_id(
    connection: Connection, merchant_id: str, order_id: str, capture_id: str
) -> dict[str, Any] | None:
    load_order(connection, merchant_id, order_id)
    row = connection.execute(
        select(captures).where(captures.c.id == capture_id).where(captures.c.order_id == order_id)
    ).first()
    return capture_view(row) if row is not None else None


def refund_by_id(
    connection: Connection, merchant_id: str, order_id: str, refund_id: str
) -> dict[str, Any] | None:
    load_order(connection, merchant_id, order_id)
    row = connection.execute(
        select(refunds).where(refunds.c.id == refund_id).where(refunds.c.order_id == order_id)
    ).first()
    return refund_view(row) if row is not None else None
