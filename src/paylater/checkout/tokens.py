"""Customer tokens: a consumer's standing consent for a merchant's recurring orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from paylater.checkout.models import authorizations, customer_tokens
from paylater.checkout.schemas import CustomerTokenRequest, OrderData
from paylater.checkout.service import country_rules, load_authorization, order_details
from paylater.consumers.service import get as get_consumer
from paylater.credit import service as credit
from paylater.credit.rules import Outcome
from paylater.kit.errors import BadValue, InvalidOperation, NotFound, Rejected
from paylater.kit.ids import new_token
from paylater.orders.service import insert_order
from paylater.plans.schedule import PlanType


def create(
    connection: Connection,
    merchant_id: str,
    authorization_token: str,
    request: CustomerTokenRequest,
    *,
    now: datetime,
) -> str:
    authorization = load_authorization(connection, merchant_id, authorization_token, now=now)
    if request.purchase_currency.upper() != authorization["currency"]:
        raise BadValue("purchase_currency does not match the authorization")
    if authorization["plan"] == PlanType.financing.value:
        # Each financing contract needs its own terms (months, APR) shown and accepted; a
        # recurring order has neither, and could not be scheduled.
        raise InvalidOperation("a financing authorization cannot become a customer token")
    token = new_token("plctk_", 24)
    connection.execute(
        customer_tokens.insert().values(
            token=token,
            merchant_id=merchant_id,
            consumer_id=authorization["consumer_id"],
            plan=authorization["plan"],
            purchase_country=request.purchase_country.upper(),
            purchase_currency=request.purchase_currency.upper(),
            locale=request.locale,
            description=request.description,
            intended_use=request.intended_use,
            status="ACTIVE",
            created_at=now,
        )
    )
    connection.execute(
        authorizations.update()
        .where(authorizations.c.token == authorization_token)
        .values(status="used")
    )
    return token


def _load(connection: Connection, merchant_id: str, token: str) -> dict[str, Any]:
    row = connection.execute(
        select(customer_tokens)
        .where(customer_tokens.c.token == token)
        .where(customer_tokens.c.merchant_id == merchant_id)
    ).first()
    if row is None:
        raise NotFound("no such customer token")
    return dict(row._mapping)


def read(connection: Connection, merchant_id: str, token: str) -> dict[str, Any]:
    found = _load(connection, merchant_id, token)
    return {
        "token_id": found["token"],
        "status": found["status"],
        "payment_method_type": found["plan"],
        "description": found["description"],
        "purchase_country": found["purchase_country"],
        "purchase_currency": found["purchase_currency"],
    }


def cancel(connection: Connection, merchant_id: str, token: str) -> None:
    _load(connection, merchant_id, token)
    connection.execute(
        customer_tokens.update().where(customer_tokens.c.token == token).values(status="CANCELLED")
    )


def create_order(
    connection: Connection, merchant_id: str, token: str, request: OrderData, *, now: datetime
) -> dict[str, Any]:
    """A recurring order: the consumer is known, so the credit decision runs right away."""
    found = _load(connection, merchant_id, token)
    if found["status"] != "ACTIVE":
        raise Rejected("the customer token is cancelled")
    if request.purchase_currency != found["purchase_currency"]:
        raise BadValue("purchase_currency does not match the customer token")
    if request.purchase_country != found["purchase_country"]:
        raise BadValue("purchase_country does not match the customer token")
    rules = country_rules(request.purchase_country, request.purchase_currency)
    consumer = get_consumer(connection, found["consumer_id"])
    plan = PlanType(found["plan"])
    decision, _ = credit.authorize(
        connection,
        rules,
        merchant_id=merchant_id,
        consumer=consumer,
        plan=plan,
        amount=request.order_amount,
        currency=request.purchase_currency,
        billing_country=consumer.country,
        shipping_country=(request.shipping_address.country or "").upper()
        if request.shipping_address
        else "",
        now=now,
        today=now.date(),
    )
    if decision.outcome is Outcome.REJECTED:
        raise Rejected("the order was declined: " + ", ".join(decision.reason_codes))
    return insert_order(
        connection,
        merchant_id=merchant_id,
        consumer_id=consumer.id,
        plan=plan,
        financing_months=None,
        fraud_status=decision.outcome.value,
        data=request,
        details=order_details(request),
        now=now,
        customer_token=token,
    )
