"""Credit decisions against the database: gather the inputs, run the rules, store the record."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, or_, select

from paylater.billing.models import instalments
from paylater.checkout.models import authorizations
from paylater.consumers.service import Consumer
from paylater.credit.countries import CountryRules
from paylater.credit.models import credit_decisions
from paylater.credit.rules import (
    AuthorizationInputs,
    Decision,
    age_on,
    decide_authorization,
    decide_offer,
)
from paylater.kit.ids import new_uuid
from paylater.orders.models import orders
from paylater.plans.schedule import PlanType

_OPEN_ORDER_STATUSES = ("AUTHORIZED", "PART_CAPTURED")


def _record(
    connection: Connection,
    decision: Decision,
    *,
    stage: str,
    merchant_id: str,
    inputs: dict[str, Any],
    at: datetime,
    session_id: str | None = None,
    order_id: str | None = None,
    consumer: Consumer | None = None,
    device_id: str | None = None,
) -> str:
    decision_id = new_uuid()
    connection.execute(
        credit_decisions.insert().values(
            id=decision_id, stage=stage, merchant_id=merchant_id, session_id=session_id,
            order_id=order_id, consumer_id=consumer.id if consumer else None,
            email=consumer.email if consumer else None, device_id=device_id,
            outcome=decision.outcome.value, reason_codes=decision.reason_codes,
            rules=[r.as_dict() for r in decision.results], inputs=inputs, created_at=at,
        )
    )
    return decision_id


def offer(
    connection: Connection,
    rules: CountryRules,
    *,
    merchant_id: str,
    session_id: str,
    currency: str,
    amount: int,
    date_of_birth: date | None,
    today: date,
    at: datetime,
) -> tuple[Decision, str]:
    age = age_on(date_of_birth, today) if date_of_birth else None
    decision = decide_offer(rules, currency=currency, amount=amount, age=age)
    inputs = {"country": rules.country, "currency": currency, "amount": amount, "age": age}
    decision_id = _record(connection, decision, stage="offer", merchant_id=merchant_id,
                          inputs=inputs, at=at, session_id=session_id)
    return decision, decision_id


def exposure(connection: Connection, consumer_id: str, *, now: datetime) -> int:
    """Open authorizations not yet captured, plus every unpaid instalment."""
    authorized = connection.execute(
        select(func.coalesce(func.sum(orders.c.order_amount - orders.c.captured_amount), 0))
        .where(orders.c.consumer_id == consumer_id)
        .where(orders.c.status.in_(_OPEN_ORDER_STATUSES))
        .where(orders.c.expires_at > now)
    ).scalar_one()
    unpaid = connection.execute(
        select(func.coalesce(func.sum(instalments.c.amount - instalments.c.paid_amount), 0))
        .where(instalments.c.consumer_id == consumer_id)
        .where(instalments.c.status == "open")
    ).scalar_one()
    # Authorized but not yet turned into an order (tokens live one hour).
    pending = connection.execute(
        select(func.coalesce(func.sum(authorizations.c.amount), 0))
        .where(authorizations.c.consumer_id == consumer_id)
        .where(authorizations.c.status == "authorized")
        .where(authorizations.c.expires_at > now)
    ).scalar_one()
    return int(authorized) + int(unpaid) + int(pending)


def _history(connection: Connection, consumer_id: str, today: date) -> tuple[int, int]:
    """(overdue instalments, amount repaid on time) for one consumer."""
    overdue = connection.execute(
        select(func.count())
        .where(instalments.c.consumer_id == consumer_id)
        .where(instalments.c.status == "open")
        .where(instalments.c.due_date < today)
    ).scalar_one()
    repaid = connection.execute(
        select(func.coalesce(func.sum(instalments.c.paid_amount), 0))
        .where(instalments.c.consumer_id == consumer_id)
        .where(instalments.c.status == "paid")
        .where(func.date(instalments.c.paid_at) <= instalments.c.due_date)
    ).scalar_one()
    return int(overdue), int(repaid)


def _velocity(
    connection: Connection, consumer: Consumer, device_id: str | None, since: datetime
) -> tuple[int, int]:
    recent = (
        select(func.count())
        .select_from(credit_decisions)
        .where(credit_decisions.c.stage == "authorization")
        .where(credit_decisions.c.created_at > since)
    )
    by_consumer = connection.execute(
        recent.where(or_(credit_decisions.c.consumer_id == consumer.id,
                         credit_decisions.c.email == consumer.email))
    ).scalar_one()
    by_device = 0
    if device_id:
        by_device = connection.execute(
            recent.where(credit_decisions.c.device_id == device_id)
        ).scalar_one()
    return int(by_consumer), int(by_device)


def authorize(
    connection: Connection,
    rules: CountryRules,
    *,
    merchant_id: str,
    consumer: Consumer,
    plan: PlanType,
    amount: int,
    currency: str,
    billing_country: str,
    shipping_country: str,
    now: datetime,
    today: date,
    session_id: str | None = None,
    order_id: str | None = None,
    device_id: str | None = None,
    monthly_cost: int | None = None,
    stage: str = "authorization",
    exposure_offset: int = 0,
) -> tuple[Decision, str]:
    """Approve, send to review, or decline one purchase by one consumer; stored with inputs.

    ``exposure_offset`` removes an amount already counted in the exposure (an order whose
    authorization is being raised counts its current amount once, not twice).
    """
    overdue, repaid = _history(connection, consumer.id, today)
    by_consumer, by_device = _velocity(connection, consumer, device_id, now - timedelta(days=1))
    inputs = AuthorizationInputs(
        plan=plan,
        amount=amount,
        currency=currency,
        age=age_on(consumer.date_of_birth, today) if consumer.date_of_birth else None,
        overdue_instalments=overdue,
        exposure=exposure(connection, consumer.id, now=now) - exposure_offset,
        repaid_on_time=repaid,
        account_age_days=(now - consumer.created_at).days,
        authorizations_today=by_consumer,
        device_authorizations_today=by_device,
        billing_country=billing_country,
        shipping_country=shipping_country,
        monthly_cost=monthly_cost,
        monthly_income=consumer.monthly_income,
        monthly_expenses=consumer.monthly_expenses,
    )
    decision = decide_authorization(rules, inputs)
    recorded = {k: (v.value if isinstance(v, PlanType) else v) for k, v in asdict(inputs).items()}
    decision_id = _record(
        connection, decision, stage=stage, merchant_id=merchant_id, inputs=recorded, at=now,
        session_id=session_id, order_id=order_id, consumer=consumer, device_id=device_id,
    )
    return decision, decision_id
