"""Checkout: payment sessions, the shopper's authorization, and orders made from it.

A session holds the merchant's cart and the plans it qualifies for; the shopper authorizes one
plan (hosted page, widget or the sandbox helper), which runs the credit decision and yields a
one-hour authorization token; the merchant's server turns that token into an order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select

from paylater.checkout.models import authorizations, payment_sessions
from paylater.checkout.schemas import (
    OrderData,
    SandboxAuthorizeRequest,
    SessionRequest,
    SessionUpdate,
)
from paylater.consumers.service import ConsumerDetails, find_by_email_soon, find_or_create
from paylater.credit import service as credit
from paylater.credit.countries import CountryRules, rules_for
from paylater.credit.rules import Decision, Outcome
from paylater.fastsql import execute
from paylater.kit.errors import BadValue, InvalidOperation, NotFound
from paylater.kit.ids import new_ordered_uuid, new_token
from paylater.kit.money import is_currency
from paylater.orders.service import insert_order
from paylater.plans.schedule import PlanType, financing_terms

SESSION_LIFETIME = timedelta(hours=48)
AUTHORIZATION_TOKEN_LIFETIME = timedelta(hours=1)
DEFAULT_FINANCING_MONTHS = 12

_SESSION = select(payment_sessions).where(payment_sessions.c.id == bindparam("id"))
_SESSION_FOR_UPDATE = _SESSION.with_for_update()
_INSERT_SESSION = payment_sessions.insert()
_COMPLETE_SESSION = (
    payment_sessions.update()
    .where(payment_sessions.c.id == bindparam("b_id"))
    .values(status="complete", authorization_token=bindparam("b_token"))
)
_INSERT_AUTHORIZATION = authorizations.insert()
# With its session's purchase country, which an order from it must match: one read, not two.
_AUTHORIZATION_FOR_UPDATE = (
    select(authorizations, payment_sessions.c.purchase_country)
    .join(payment_sessions, payment_sessions.c.id == authorizations.c.session_id)
    .where(authorizations.c.token == bindparam("token"))
    .with_for_update(of=authorizations)
)
_USE_AUTHORIZATION = (
    authorizations.update()
    .where(authorizations.c.token == bindparam("b_token"))
    .values(status="used", order_id=bindparam("b_order_id"))
)

PLAN_NAMES = {
    PlanType.pay_now: "Pay now",
    PlanType.pay_later: "Pay in 30 days",
    PlanType.pay_in_3: "Pay in 3 interest-free instalments",
    PlanType.pay_in_4: "Pay in 4 interest-free instalments",
    PlanType.financing: "Financing",
}


@dataclass(frozen=True, slots=True)
class SessionCreated:
    session_id: str
    client_token: str
    plans: list[PlanType]


@dataclass(frozen=True, slots=True)
class AuthorizationOutcome:
    approved: bool
    token: str | None
    fraud_status: str
    reason_codes: list[str]
    decision_id: str


def country_rules(country: str, currency: str) -> CountryRules:
    rules = rules_for(country)
    if rules is None:
        raise BadValue(f"purchase_country {country} is not served")
    if not is_currency(currency):
        raise BadValue(f"purchase_currency {currency} is not an ISO 4217 currency")
    if currency != rules.currency:
        raise BadValue(f"purchase_currency for {country} must be {rules.currency}")
    return rules


def order_details(data: OrderData) -> dict[str, Any]:
    dumped = data.model_dump(mode="json", exclude_none=True)
    keep = (
        "order_lines",
        "merchant_reference1",
        "merchant_reference2",
        "merchant_urls",
        "billing_address",
        "shipping_address",
        "customer",
        "merchant_data",
        "acquiring_channel",
    )
    return {key: dumped[key] for key in keep if key in dumped}


def _offer(
    connection: Connection,
    merchant_id: str,
    session_id: str,
    request: SessionRequest,
    now: datetime,
) -> tuple[Decision, str]:
    """Decide which plans the cart qualifies for, and record the decision."""
    rules = country_rules(request.purchase_country, request.purchase_currency)
    return credit.offer(
        connection,
        rules,
        merchant_id=merchant_id,
        session_id=session_id,
        currency=request.purchase_currency,
        amount=request.order_amount,
        date_of_birth=request.customer.date_of_birth if request.customer else None,
        today=now.date(),
        at=now,
    )


def create_session(
    connection: Connection, merchant_id: str, request: SessionRequest, *, now: datetime
) -> SessionCreated:
    session_id = new_ordered_uuid()
    decision, decision_id = _offer(connection, merchant_id, session_id, request, now)
    client_token = new_token("plct_", 32)
    execute(
        connection,
        _INSERT_SESSION,
        {
            "id": session_id,
            "merchant_id": merchant_id,
            "status": "incomplete",
            "client_token": client_token,
            "purchase_country": request.purchase_country,
            "purchase_currency": request.purchase_currency,
            "locale": request.locale,
            "order_amount": request.order_amount,
            "order_tax_amount": request.order_tax_amount,
            "intent": request.intent,
            "details": order_details(request),
            "offered_plans": [plan.value for plan in decision.plans],
            "decision_id": decision_id,
            "authorization_token": None,
            "created_at": now,
            "expires_at": now + SESSION_LIFETIME,
        },
    )
    return SessionCreated(session_id, client_token, decision.plans)


def load_session(
    connection: Connection,
    session_id: str,
    *,
    merchant_id: str | None,
    now: datetime,
    lock: bool = False,
) -> dict[str, Any]:
    """The session as a dict, with ``status`` reading ``expired`` once its 48 h are over."""
    row = execute(connection, _SESSION_FOR_UPDATE if lock else _SESSION, {"id": session_id}).first()
    if row is None or (merchant_id is not None and row.merchant_id != merchant_id):
        raise NotFound(f"no session {session_id}")
    session = dict(row._mapping)
    if session["status"] == "incomplete" and session["expires_at"] <= now:
        session["status"] = "expired"
    return session


def update_session(
    connection: Connection,
    merchant_id: str,
    session_id: str,
    update: SessionUpdate,
    *,
    now: datetime,
) -> None:
    session = load_session(connection, session_id, merchant_id=merchant_id, now=now, lock=True)
    if session["status"] != "incomplete":
        raise NotFound(f"session {session_id} is {session['status']}", code="SESSION_COMPLETED")
    current = {
        "purchase_country": session["purchase_country"],
        "purchase_currency": session["purchase_currency"],
        "locale": session["locale"],
        "order_amount": session["order_amount"],
        "order_tax_amount": session["order_tax_amount"],
        **session["details"],
    }
    current.update(update.model_dump(mode="json", exclude_unset=True, exclude_none=True))
    try:
        merged = SessionRequest.model_validate({**current, "intent": session["intent"]})
    except ValueError as error:
        raise BadValue(*_messages(error)) from error
    decision, decision_id = _offer(connection, merchant_id, session_id, merged, now)
    connection.execute(
        payment_sessions.update()
        .where(payment_sessions.c.id == session_id)
        .values(
            purchase_country=merged.purchase_country,
            purchase_currency=merged.purchase_currency,
            locale=merged.locale,
            order_amount=merged.order_amount,
            order_tax_amount=merged.order_tax_amount,
            details=order_details(merged),
            offered_plans=[p.value for p in decision.plans],
            decision_id=decision_id,
        )
    )


def _messages(error: ValueError) -> list[str]:
    errors = getattr(error, "errors", None)
    if callable(errors):
        return [
            f"{'.'.join(str(p) for p in item.get('loc', ()))}: {item.get('msg')}".lstrip(": ")
            for item in errors()
        ]
    return [str(error)]


def authorize(
    connection: Connection,
    session_id: str,
    request: SandboxAuthorizeRequest,
    *,
    now: datetime,
    today: date,
    merchant_id: str | None = None,
) -> AuthorizationOutcome:
    """The shopper picks a plan and identifies: run the credit decision, issue a token.

    ``merchant_id``: the session must be this merchant's (the sandbox helper, called with the
    merchant's credentials); the hosted checkout identifies the session by its client token.
    """
    # The consumer's lookup needs only the e-mail: it shares the session read's round trip.
    looked_up = find_by_email_soon(connection, request.consumer.email)
    session = load_session(connection, session_id, merchant_id=merchant_id, now=now, lock=True)
    if session["status"] != "incomplete":
        raise InvalidOperation(f"session {session_id} is {session['status']}")
    plan = request.payment_method_category
    if plan.value not in session["offered_plans"]:
        raise BadValue(f"payment_method_category {plan.value} is not offered for this session")
    rules = country_rules(session["purchase_country"], session["purchase_currency"])
    details = session["details"]
    birth = request.consumer.date_of_birth
    if birth is None and details.get("customer", {}).get("date_of_birth"):
        birth = date.fromisoformat(details["customer"]["date_of_birth"])
    consumer, _created = find_or_create(
        connection,
        ConsumerDetails(
            email=request.consumer.email,
            given_name=request.consumer.given_name,
            family_name=request.consumer.family_name,
            date_of_birth=birth,
            country=request.consumer.country or session["purchase_country"],
            locale=session["locale"],
            phone=request.consumer.phone,
            monthly_income=request.consumer.monthly_income,
            monthly_expenses=request.consumer.monthly_expenses,
        ),
        default_country=session["purchase_country"],
        default_locale=session["locale"],
        at=now,
        looked_up=looked_up,
    )
    months = None
    monthly_cost = None
    if plan is PlanType.financing:
        months = request.financing_months or DEFAULT_FINANCING_MONTHS
        if months not in rules.financing_months:
            raise BadValue(f"financing_months must be one of {list(rules.financing_months)}")
        monthly_cost = financing_terms(
            session["order_amount"], months, rules.financing_rate, rules.financing_setup_fee
        ).monthly_payment
    billing_country = (details.get("billing_address") or {}).get("country") or consumer.country
    shipping_country = (details.get("shipping_address") or {}).get("country") or ""
    decision, decision_id = credit.authorize(
        connection,
        rules,
        merchant_id=session["merchant_id"],
        consumer=consumer,
        plan=plan,
        amount=session["order_amount"],
        currency=session["purchase_currency"],
        billing_country=billing_country.upper(),
        shipping_country=shipping_country.upper(),
        now=now,
        today=today,
        session_id=session_id,
        device_id=request.device_id,
        monthly_cost=monthly_cost,
    )
    if decision.outcome is Outcome.REJECTED:
        return AuthorizationOutcome(False, None, "REJECTED", decision.reason_codes, decision_id)
    token = new_token("plat_", 24)
    execute(
        connection,
        _INSERT_AUTHORIZATION,
        {
            "token": token,
            "session_id": session_id,
            "merchant_id": session["merchant_id"],
            "consumer_id": consumer.id,
            "plan": plan.value,
            "financing_months": months,
            "fees_agreed": request.accept_reminder_fee,
            "amount": session["order_amount"],
            "currency": session["purchase_currency"],
            "fraud_status": decision.outcome.value,
            "decision_id": decision_id,
            "status": "authorized",
            "order_id": None,
            "created_at": now,
            "expires_at": now + AUTHORIZATION_TOKEN_LIFETIME,
        },
    )
    execute(connection, _COMPLETE_SESSION, {"b_id": session_id, "b_token": token})
    return AuthorizationOutcome(
        True, token, decision.outcome.value, decision.reason_codes, decision_id
    )


def load_authorization(
    connection: Connection, merchant_id: str, token: str, *, now: datetime
) -> dict[str, Any]:
    row = execute(connection, _AUTHORIZATION_FOR_UPDATE, {"token": token}).first()
    if row is None or row.merchant_id != merchant_id:
        raise NotFound("no such authorization token")
    authorization = dict(row._mapping)
    if authorization["status"] == "expired":
        raise NotFound("authorization token has expired")
    if authorization["status"] != "authorized":
        raise InvalidOperation(f"authorization token is {authorization['status']}")
    if authorization["expires_at"] <= now:
        raise NotFound("authorization token has expired")
    return authorization


def create_order(
    connection: Connection, merchant_id: str, token: str, request: OrderData, *, now: datetime
) -> dict[str, Any]:
    """Turn an authorization token into an order; returns the order row's values."""
    authorization = load_authorization(connection, merchant_id, token, now=now)
    if request.purchase_currency != authorization["currency"]:
        raise BadValue("purchase_currency does not match the authorization")
    if request.purchase_country != authorization["purchase_country"]:
        raise BadValue("purchase_country does not match the authorization")
    if request.order_amount > authorization["amount"]:
        raise BadValue(
            f"order_amount {request.order_amount} exceeds the authorized amount "
            f"{authorization['amount']}; update the session and authorize again"
        )
    order = insert_order(
        connection,
        merchant_id=merchant_id,
        consumer_id=authorization["consumer_id"],
        plan=PlanType(authorization["plan"]),
        financing_months=authorization["financing_months"],
        fraud_status=authorization["fraud_status"],
        data=request,
        details=order_details(request),
        now=now,
        authorization_token=token,
        fees_agreed=bool(authorization["fees_agreed"]),
    )
    execute(connection, _USE_AUTHORIZATION, {"b_token": token, "b_order_id": order["id"]})
    return order


def cancel_authorization(
    connection: Connection, merchant_id: str, token: str, *, now: datetime
) -> None:
    load_authorization(connection, merchant_id, token, now=now)
    connection.execute(
        authorizations.update().where(authorizations.c.token == token).values(status="cancelled")
    )
