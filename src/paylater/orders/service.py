"""The order lifecycle after authorization: capture, refund, cancel, release, extend, update.

Every operation locks the order row first (lock order: order → plan → instalment → payment), checks
the state machine, then writes. A capture creates the consumer's schedule for what was captured and
posts receivable against merchant payable and fee income; a refund lowers the last unpaid
instalments first and posts the reverse, paying back what the consumer paid beyond the new total.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from paylater.billing import service as billing
from paylater.checkout.schemas import OrderData, OrderLine
from paylater.consumers.models import consumers
from paylater.consumers.service import get as get_consumer
from paylater.credit import service as credit
from paylater.credit.countries import rules_for
from paylater.credit.rules import Outcome
from paylater.fastsql import execute
from paylater.jobs.queue import enqueue
from paylater.kit.errors import (
    BadValue,
    CaptureNotAllowed,
    NoSuchOrder,
    NotAllowed,
    RefundNotAllowed,
)
from paylater.kit.ids import new_ordered_uuid
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Posting, account, post
from paylater.merchants.service import Merchant
from paylater.notifications import webhooks
from paylater.notifications.consumer_mail import Contact
from paylater.orders.models import captures, orders, refunds
from paylater.plans.schedule import PlanType
from paylater.servicing import pauses
from paylater.settlement.models import merchant_fee_plans
from paylater.settlement.settings import FeePlan, capture_fee

AUTHORIZATION_VALIDITY = timedelta(days=28)
MAXIMUM_AUTHORIZATION_AGE = timedelta(days=180)
CAPTURABLE = ("AUTHORIZED", "PART_CAPTURED")
FRAUD_REVIEW_DEADLINE = "orders.fraud_review_deadline"
FRAUD_REVIEW_WINDOW = timedelta(hours=24)
_INSTALMENT_COUNT = {PlanType.pay_in_3.value: 3, PlanType.pay_in_4.value: 4}
_ORDER = select(orders).where(orders.c.id == bindparam("id"))
_ORDER_FOR_UPDATE = _ORDER.with_for_update()
# What a capture needs beside the order, read (and the order locked) in the same statement: the
# merchant's fee plan for the order's plan type, if it has one, and the consumer's contact
# details for the purchase confirmation.
_ORDER_TO_CAPTURE = (
    select(
        orders,
        merchant_fee_plans.c.rate_bp.label("own_fee_rate_bp"),
        merchant_fee_plans.c.fixed_minor.label("own_fee_fixed_minor"),
        consumers.c.email.label("consumer_email"),
        consumers.c.locale.label("consumer_locale"),
        consumers.c.given_name.label("consumer_given_name"),
    )
    .select_from(
        orders.join(consumers, consumers.c.id == orders.c.consumer_id).outerjoin(
            merchant_fee_plans,
            and_(
                merchant_fee_plans.c.merchant_id == orders.c.merchant_id,
                merchant_fee_plans.c.plan == orders.c.plan,
            ),
        )
    )
    .where(orders.c.id == bindparam("id"))
    .with_for_update(of=orders)
)
_INSERT_ORDER = orders.insert()
_INSERT_CAPTURE = captures.insert()
_SET_CAPTURED = (
    orders.update()
    .where(orders.c.id == bindparam("b_id"))
    .values(captured_amount=bindparam("b_captured"), status=bindparam("b_status"))
)


def insert_order(
    connection: Connection,
    *,
    merchant_id: str,
    consumer_id: str,
    plan: PlanType,
    financing_months: int | None,
    fraud_status: str,
    data: OrderData,
    details: dict[str, Any],
    now: datetime,
    authorization_token: str | None = None,
    customer_token: str | None = None,
    fees_agreed: bool = True,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": new_ordered_uuid(),
        "merchant_id": merchant_id,
        "consumer_id": consumer_id,
        "authorization_token": authorization_token,
        "customer_token": customer_token,
        "status": "AUTHORIZED",
        "fraud_status": fraud_status,
        "plan": plan.value,
        "financing_months": financing_months,
        "purchase_country": data.purchase_country,
        "purchase_currency": data.purchase_currency,
        "locale": data.locale,
        "order_amount": data.order_amount,
        "original_order_amount": data.order_amount,
        "captured_amount": 0,
        "refunded_amount": 0,
        "details": details,
        "merchant_reference1": data.merchant_reference1 or "",
        "merchant_reference2": data.merchant_reference2 or "",
        "fees_agreed": fees_agreed,
        "created_at": now,
        "expires_at": now + AUTHORIZATION_VALIDITY,
    }
    execute(connection, _INSERT_ORDER, values)
    if fraud_status == Outcome.PENDING.value:
        enqueue(
            connection,
            FRAUD_REVIEW_DEADLINE,
            {"order_id": values["id"]},
            run_at=now + FRAUD_REVIEW_WINDOW,
            dedupe_key=values["id"],
            created_at=now,
        )
    return values


def effective_status(order: dict[str, Any], now: datetime) -> str:
    """The order's status as of ``now``, with an expired authorization's remainder released."""
    if order["expires_at"] <= now:
        # What remains authorized is released at expiry: nothing captured → EXPIRED, else the
        # order is what was captured.
        if order["status"] == "AUTHORIZED":
            return "EXPIRED"
        if order["status"] == "PART_CAPTURED":
            return "CAPTURED"
    return str(order["status"])


def load_order(
    connection: Connection, merchant_id: str, order_id: str, *, lock: bool = False
) -> dict[str, Any]:
    return _read_order(connection, _ORDER_FOR_UPDATE if lock else _ORDER, merchant_id, order_id)


def _read_order(
    connection: Connection, query: Any, merchant_id: str, order_id: str
) -> dict[str, Any]:
    row = execute(connection, query, {"id": order_id}).first()
    if row is None or row.merchant_id != merchant_id:
        raise NoSuchOrder(f"no order {order_id}")
    return dict(row._mapping)


def capture(
    connection: Connection,
    merchant: Merchant,
    order_id: str,
    *,
    amount: int,
    description: str,
    reference: str,
    order_lines: list[OrderLine],
    shipping_info: list[dict[str, Any]],
    now: datetime,
) -> str:
    """Capture part or all of what remains authorized; returns the capture id."""
    # The webhook endpoints are read with the order, in one round trip.
    subscribers = webhooks.subscribers_soon(connection, merchant.id)
    order = _read_order(connection, _ORDER_TO_CAPTURE, merchant.id, order_id)
    status = effective_status(order, now)
    if order["fraud_status"] != Outcome.ACCEPTED.value:
        raise CaptureNotAllowed(f"order fraud_status is {order['fraud_status']}")
    if order["status"] in CAPTURABLE and order["expires_at"] <= now:
        raise CaptureNotAllowed("the authorization has expired")
    if status not in CAPTURABLE:
        raise CaptureNotAllowed(f"order is {status}")
    remaining = order["order_amount"] - order["captured_amount"]
    if amount < 1:
        raise BadValue("captured_amount must be at least 1")
    if amount > remaining:
        raise CaptureNotAllowed(
            f"captured_amount {amount} exceeds the remaining authorized amount {remaining}"
        )
    parts = order["financing_months"] or _INSTALMENT_COUNT.get(order["plan"], 1)
    if amount < parts:
        # Every instalment must be at least one minor unit.
        raise BadValue(f"captured_amount {amount} is too small to split into {parts} instalments")
    currency = order["purchase_currency"]
    own_fee_plan = (
        FeePlan(order["own_fee_rate_bp"], order["own_fee_fixed_minor"])
        if order["own_fee_rate_bp"] is not None
        else None
    )
    fee = capture_fee(merchant, own_fee_plan, amount, first_capture=order["captured_amount"] == 0)
    capture_id = new_ordered_uuid()
    execute(
        connection,
        _INSERT_CAPTURE,
        {
            "id": capture_id,
            "order_id": order_id,
            "captured_amount": amount,
            "fee_amount": fee,
            "description": description,
            "reference": reference,
            "order_lines": [
                line.model_dump(mode="json", exclude_none=True) for line in order_lines
            ],
            "shipping_info": shipping_info,
            "captured_at": now,
        },
    )
    rules = rules_for(order["purchase_country"])
    plan = PlanType(order["plan"])
    created = billing.create_plan(
        connection,
        order_id=order_id,
        capture_id=capture_id,
        consumer_id=order["consumer_id"],
        plan=plan,
        amount=amount,
        currency=currency,
        country=order["purchase_country"],
        capture_date=now.date(),
        at=now,
        financing_months=order["financing_months"],
        financing_rate=rules.financing_rate if rules and plan is PlanType.financing else None,
    )
    billing.confirm_purchase(
        connection,
        consumer_id=order["consumer_id"],
        order_id=order_id,
        merchant_name=merchant.name,
        created=created,
        currency=currency,
        at=now,
        contact=Contact(
            order["consumer_email"], order["consumer_locale"], order["consumer_given_name"]
        ),
    )
    captured = order["captured_amount"] + amount
    execute(
        connection,
        _SET_CAPTURED,
        {
            "b_id": order_id,
            "b_captured": captured,
            "b_status": "CAPTURED" if captured == order["order_amount"] else "PART_CAPTURED",
        },
    )
    webhooks.emit(
        connection,
        merchant.id,
        "order.captured",
        {
            "order_id": order_id,
            "capture_id": capture_id,
            "captured_amount": amount,
            "purchase_currency": currency,
            "merchant_reference1": order["merchant_reference1"],
            "shipping_info": shipping_info,
        },
        at=now,
        subscribers=subscribers,
    )
    # The postings add to the merchant's and the lender's shared balance rows, which every
    # capture of every merchant updates: on PostgreSQL that happens as the transaction commits
    # (migration 0018), so the rows stay locked only for the commit.
    post(
        connection,
        kind="capture",
        reference=order_id,
        at=now,
        entry_postings=[
            Posting(
                account(AccountKind.CONSUMER_RECEIVABLE, currency, order["consumer_id"]),
                Money(amount + created.interest, currency),
            ),
            Posting(
                account(AccountKind.MERCHANT_PAYABLE, currency, merchant.id),
                Money(-(amount - fee), currency),
            ),
            Posting(account(AccountKind.FEE_INCOME, currency), Money(-fee, currency)),
            Posting(
                account(AccountKind.DEFERRED_INTEREST, currency), Money(-created.interest, currency)
            ),
        ],
    )
    return capture_id


def refund(
    connection: Connection,
    merchant: Merchant,
    order_id: str,
    *,
    amount: int,
    description: str,
    reference: str,
    order_lines: list[OrderLine],
    now: datetime,
) -> str:
    """Refund up to what was captured and not yet refunded; returns the refund id."""
    order = load_order(connection, merchant.id, order_id, lock=True)
    refundable = order["captured_amount"] - order["refunded_amount"]
    if amount < 1:
        raise BadValue("refunded_amount must be at least 1")
    if amount > refundable:
        raise RefundNotAllowed(
            f"refunded_amount {amount} exceeds the captured amount not yet refunded ({refundable})"
        )
    effect = billing.apply_refund(connection, order_id, amount, outstanding_principal=refundable)
    currency = order["purchase_currency"]
    refund_id = new_ordered_uuid()
    connection.execute(
        refunds.insert().values(
            id=refund_id,
            order_id=order_id,
            refunded_amount=amount,
            payback_amount=effect.payback,
            description=description,
            reference=reference,
            order_lines=[line.model_dump(mode="json", exclude_none=True) for line in order_lines],
            refunded_at=now,
        )
    )
    post(
        connection,
        kind="refund",
        reference=order_id,
        at=now,
        entry_postings=[
            Posting(
                account(AccountKind.MERCHANT_PAYABLE, currency, merchant.id),
                Money(amount, currency),
            ),
            Posting(
                account(AccountKind.CONSUMER_RECEIVABLE, currency, order["consumer_id"]),
                Money(-effect.receivable_reduction, currency),
            ),
            Posting(
                account(AccountKind.CONSUMER_PAYABLE, currency, order["consumer_id"]),
                Money(-effect.payback, currency),
            ),
            Posting(
                account(AccountKind.DEFERRED_INTEREST, currency),
                Money(effect.interest_cancelled, currency),
            ),
        ],
    )
    connection.execute(
        orders.update()
        .where(orders.c.id == order_id)
        .values(refunded_amount=order["refunded_amount"] + amount)
    )
    webhooks.emit(
        connection,
        merchant.id,
        "order.refunded",
        {
            "order_id": order_id,
            "refund_id": refund_id,
            "refunded_amount": amount,
            "purchase_currency": currency,
            "merchant_reference1": order["merchant_reference1"],
        },
        at=now,
    )
    pauses.after_refund(
        connection,
        order_id=order_id,
        consumer_id=order["consumer_id"],
        refund_id=refund_id,
        amount=Money(amount, currency),
        payback=Money(effect.payback, currency),
        now=now,
    )
    return refund_id


def cancel(connection: Connection, merchant: Merchant, order_id: str, *, now: datetime) -> None:
    order = load_order(connection, merchant.id, order_id, lock=True)
    status = effective_status(order, now)
    if status != "AUTHORIZED":
        raise NotAllowed(
            "only an order with nothing captured can be cancelled; "
            f"this one is {status}" + ("; refund instead" if order["captured_amount"] else "")
        )
    connection.execute(orders.update().where(orders.c.id == order_id).values(status="CANCELLED"))
    webhooks.emit(
        connection,
        merchant.id,
        "order.cancelled",
        {"order_id": order_id, "merchant_reference1": order["merchant_reference1"]},
        at=now,
    )


def release_remaining(
    connection: Connection, merchant: Merchant, order_id: str, *, now: datetime
) -> None:
    order = load_order(connection, merchant.id, order_id, lock=True)
    status = effective_status(order, now)
    if status == "CAPTURED":
        return
    if status != "PART_CAPTURED":
        raise NotAllowed(
            f"nothing to release: the order is {status}; cancel it instead"
            if status == "AUTHORIZED"
            else f"nothing to release: order is {status}"
        )
    connection.execute(
        orders.update()
        .where(orders.c.id == order_id)
        .values(order_amount=order["captured_amount"], status="CAPTURED")
    )


def extend_authorization(
    connection: Connection, merchant: Merchant, order_id: str, *, now: datetime
) -> datetime:
    """Push the expiry to 28 days from now, never past 180 days after creation."""
    order = load_order(connection, merchant.id, order_id, lock=True)
    status = effective_status(order, now)
    if status not in CAPTURABLE or order["expires_at"] <= now:
        raise NotAllowed(
            f"cannot extend the authorization of an order that is {status}"
            if order["expires_at"] > now
            else "the authorization has expired"
        )
    limit: datetime = order["created_at"] + MAXIMUM_AUTHORIZATION_AGE
    new_expiry = min(now + AUTHORIZATION_VALIDITY, limit)
    if new_expiry <= order["expires_at"]:
        if order["expires_at"] >= limit:
            raise NotAllowed("the authorization cannot be extended beyond 180 days after creation")
        # Asked again at the moment of the last extension: it already runs 28 days from now.
        current: datetime = order["expires_at"]
        return current
    connection.execute(orders.update().where(orders.c.id == order_id).values(expires_at=new_expiry))
    return new_expiry


def update_authorization(
    connection: Connection,
    merchant: Merchant,
    order_id: str,
    *,
    order_amount: int,
    order_lines: list[OrderLine] | None,
    now: datetime,
) -> None:
    """Change the authorized amount; an increase is a new credit decision."""
    order = load_order(connection, merchant.id, order_id, lock=True)
    status = effective_status(order, now)
    if status not in CAPTURABLE:
        raise NotAllowed(f"cannot update the authorization of an order that is {status}")
    if order_amount < order["captured_amount"] or order_amount < 1:
        raise NotAllowed(
            f"order_amount {order_amount} is below what is already captured "
            f"({order['captured_amount']})"
        )
    if order_lines is not None and sum(line.total_amount for line in order_lines) != order_amount:
        raise BadValue("order_amount must equal the sum of order_lines total_amount")
    if order_amount > order["order_amount"]:
        rules = rules_for(order["purchase_country"])
        if rules is None:
            raise NotAllowed("purchase country no longer served")
        consumer = get_consumer(connection, order["consumer_id"])
        remaining = order["order_amount"] - order["captured_amount"]
        details = order["details"]
        decision, _ = credit.authorize(
            connection,
            rules,
            merchant_id=merchant.id,
            consumer=consumer,
            plan=PlanType(order["plan"]),
            amount=order_amount - order["captured_amount"],
            currency=order["purchase_currency"],
            billing_country=(details.get("billing_address") or {}).get("country")
            or consumer.country,
            shipping_country=(details.get("shipping_address") or {}).get("country") or "",
            now=now,
            today=now.date(),
            order_id=order_id,
            stage="update",
            exposure_offset=remaining,
            order_amount=order_amount,
        )
        if decision.outcome is not Outcome.ACCEPTED:
            raise NotAllowed(
                "the new amount was not approved: " + ", ".join(decision.reason_codes),
                code="NOT_ALLOWED",
            )
    values: dict[str, Any] = {"order_amount": order_amount}
    if order_lines is not None:
        values["details"] = {
            **order["details"],
            "order_lines": [
                line.model_dump(mode="json", exclude_none=True) for line in order_lines
            ],
        }
    if order["captured_amount"]:
        values["status"] = (
            "CAPTURED" if order["captured_amount"] == order_amount else "PART_CAPTURED"
        )
    connection.execute(orders.update().where(orders.c.id == order_id).values(**values))


def update_merchant_references(
    connection: Connection,
    merchant: Merchant,
    order_id: str,
    *,
    reference1: str | None,
    reference2: str | None,
) -> None:
    load_order(connection, merchant.id, order_id, lock=True)
    values = {}
    if reference1 is not None:
        values["merchant_reference1"] = reference1
    if reference2 is not None:
        values["merchant_reference2"] = reference2
    if values:
        connection.execute(orders.update().where(orders.c.id == order_id).values(**values))


def add_shipping_info(
    connection: Connection,
    merchant: Merchant,
    order_id: str,
    capture_id: str,
    shipping_info: list[dict[str, Any]],
) -> None:
    load_order(connection, merchant.id, order_id, lock=True)
    row = connection.execute(
        select(captures.c.shipping_info)
        .where(captures.c.id == capture_id)
        .where(captures.c.order_id == order_id)
    ).first()
    if row is None:
        raise NoSuchOrder(f"no capture {capture_id} on order {order_id}", code="NOT_FOUND")
    connection.execute(
        captures.update()
        .where(captures.c.id == capture_id)
        .values(shipping_info=list(row.shipping_info) + shipping_info)
    )
