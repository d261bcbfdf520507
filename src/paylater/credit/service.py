"""Credit decisions against the database: gather the inputs, run the rules, store the record."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Connection, Date, bindparam, func, or_, select

from paylater.billing.models import instalments
from paylater.checkout.models import authorizations
from paylater.collections.models import BLOCKING_STATUSES, collection_cases
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
from paylater.db import UTCDateTime
from paylater.fastsql import constant, execute
from paylater.kit.ids import new_ordered_uuid
from paylater.orders.models import orders
from paylater.plans.calendar import add_business_days
from paylater.plans.schedule import PlanType

_OPEN_ORDER_STATUSES = ("AUTHORIZED", "PART_CAPTURED")
_INSERT_DECISION = credit_decisions.insert()


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
    decision_id = new_ordered_uuid()
    execute(
        connection,
        _INSERT_DECISION,
        {
            "id": decision_id,
            "stage": stage,
            "merchant_id": merchant_id,
            "session_id": session_id,
            "order_id": order_id,
            "consumer_id": consumer.id if consumer else None,
            "email": consumer.email if consumer else None,
            "device_id": device_id,
            "outcome": decision.outcome.value,
            "reason_codes": decision.reason_codes,
            "rules": [r.as_dict() for r in decision.results],
            "inputs": inputs,
            "created_at": at,
        },
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
    decision_id = _record(
        connection,
        decision,
        stage="offer",
        merchant_id=merchant_id,
        inputs=inputs,
        at=at,
        session_id=session_id,
    )
    return decision, decision_id


def _scalar(query: Any) -> Any:
    return query.scalar_subquery()


_CONSUMER: BindParameter[str] = bindparam("consumer_id")
_NOW = bindparam("now", type_=UTCDateTime())
_OPEN_AUTHORIZED = _scalar(
    select(func.coalesce(func.sum(orders.c.order_amount - orders.c.captured_amount), 0))
    .where(orders.c.consumer_id == _CONSUMER)
    .where(or_(*(orders.c.status == status for status in _OPEN_ORDER_STATUSES)))
    .where(orders.c.expires_at > _NOW)
)
_UNPAID = _scalar(
    select(func.coalesce(func.sum(instalments.c.amount - instalments.c.paid_amount), 0))
    .where(instalments.c.consumer_id == _CONSUMER)
    .where(instalments.c.status == "open")
)
# Authorized but not yet turned into an order (tokens live one hour).
_TOKENS = _scalar(
    select(func.coalesce(func.sum(authorizations.c.amount), 0))
    .where(authorizations.c.consumer_id == _CONSUMER)
    .where(authorizations.c.status == "authorized")
    .where(authorizations.c.expires_at > _NOW)
)
_OVERDUE = _scalar(
    select(func.count())
    .where(instalments.c.consumer_id == _CONSUMER)
    .where(instalments.c.status == "open")
    .where(instalments.c.due_date <= bindparam("overdue_cutoff", type_=Date()))
)
_IN_COLLECTIONS = _scalar(
    select(func.count())
    .where(collection_cases.c.consumer_id == _CONSUMER)
    # Constants, not bound values: a partial index names this status (see fastsql.constant).
    .where(or_(*(collection_cases.c.status == constant(status) for status in BLOCKING_STATUSES)))
)
_REPAID_ON_TIME = _scalar(
    select(func.coalesce(func.sum(instalments.c.paid_amount), 0))
    .where(instalments.c.consumer_id == _CONSUMER)
    .where(instalments.c.status == "paid")
    .where(func.date(instalments.c.paid_at) <= instalments.c.due_date)
)
_RECENT = (
    select(func.count())
    .select_from(credit_decisions)
    .where(credit_decisions.c.stage == "authorization")
    .where(credit_decisions.c.created_at > bindparam("since", type_=UTCDateTime()))
)
_BY_CONSUMER = _scalar(
    _RECENT.where(
        or_(
            credit_decisions.c.consumer_id == _CONSUMER,
            credit_decisions.c.email == bindparam("email"),
        )
    )
)
_BY_DEVICE = _scalar(_RECENT.where(credit_decisions.c.device_id == bindparam("device_id")))
# Everything the authorization rules need about one consumer, in one round trip.
_PROFILE = select(
    _OPEN_AUTHORIZED.label("authorized"),
    _UNPAID.label("unpaid"),
    _TOKENS.label("tokens"),
    _OVERDUE.label("overdue"),
    _IN_COLLECTIONS.label("in_collections"),
    _REPAID_ON_TIME.label("repaid"),
    _BY_CONSUMER.label("by_consumer"),
    _BY_DEVICE.label("by_device"),
)


GRACE_BUSINESS_DAYS = 3


@lru_cache(maxsize=1024)
def overdue_cutoff(today: date, country: str, grace: int = GRACE_BUSINESS_DAYS) -> date:
    """The latest due date whose grace period (business days for transfers in flight) is over.

    An instalment due on or before it and still unpaid is overdue today; one due later may still
    be paid by a transfer on its way (due Friday 2027-01-15 in Sweden: grace 18–20, overdue from
    the 21st).
    """
    day = today - timedelta(days=1)
    while add_business_days(day, grace, country) >= today:
        day -= timedelta(days=1)
    return day


def exposure(connection: Connection, consumer_id: str, *, now: datetime) -> int:
    """Open authorizations not yet captured, plus every unpaid instalment."""
    row = connection.execute(
        select(_OPEN_AUTHORIZED, _UNPAID, _TOKENS), {"consumer_id": consumer_id, "now": now}
    ).one()
    return int(sum(row))


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
    order_amount: int | None = None,
) -> tuple[Decision, str]:
    """Approve, send to review, or decline one purchase by one consumer; stored with inputs.

    ``exposure_offset`` removes an amount already counted in the exposure (an order whose
    authorization is being raised counts its current amount once, not twice); ``order_amount``
    is then the whole new order amount, which the plan's range applies to.
    """
    profile = execute(
        connection,
        _PROFILE,
        {
            "consumer_id": consumer.id,
            "email": consumer.email,
            "device_id": device_id or "",
            "now": now,
            "overdue_cutoff": overdue_cutoff(today, rules.country),
            "since": now - timedelta(days=1),
        },
    ).one()
    inputs = AuthorizationInputs(
        plan=plan,
        amount=amount,
        currency=currency,
        age=age_on(consumer.date_of_birth, today) if consumer.date_of_birth else None,
        overdue_instalments=int(profile.overdue),
        exposure=int(profile.authorized)
        + int(profile.unpaid)
        + int(profile.tokens)
        - exposure_offset,
        repaid_on_time=int(profile.repaid),
        account_age_days=(now - consumer.created_at).days,
        authorizations_today=int(profile.by_consumer),
        device_authorizations_today=int(profile.by_device) if device_id else 0,
        billing_country=billing_country,
        shipping_country=shipping_country,
        monthly_cost=monthly_cost,
        monthly_income=consumer.monthly_income,
        monthly_expenses=consumer.monthly_expenses,
        order_amount=order_amount,
        collection_cases=int(profile.in_collections),
    )
    decision = decide_authorization(rules, inputs)
    # The inputs are all scalars: a shallow read is what ``asdict`` would give, without its copies.
    recorded = {
        name: (value.value if isinstance(value, PlanType) else value)
        for name, value in ((f.name, getattr(inputs, f.name)) for f in fields(inputs))
    }
    decision_id = _record(
        connection,
        decision,
        stage=stage,
        merchant_id=merchant_id,
        inputs=recorded,
        at=now,
        session_id=session_id,
        order_id=order_id,
        consumer=consumer,
        device_id=device_id,
    )
    return decision, decision_id
