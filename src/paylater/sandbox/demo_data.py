"""Purchases in several states for the embedded demo, so a newcomer has something to look at.

Made through the same services the API and the daily run use, dated in the past: a pay-in-3 with
one payment made and the next one overdue (with its reminders and the Swedish reminder fee), a
fresh pay-later invoice, a financing plan, a French invoice paused for a return, a German pay-in-4
partly refunded, and an order authorized but not yet captured. Then every day since the first
purchase is run for each country involved, as the worker would have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection

from paylater.billing.service import record_payment
from paylater.checkout import service as checkout
from paylater.checkout.schemas import (
    OrderData,
    SandboxAuthorizeRequest,
    SessionRequest,
    TestConsumer,
)
from paylater.config import Settings
from paylater.db import Database
from paylater.jobs.daily import run_country_day
from paylater.kit.clock import FixedClock
from paylater.kit.money import Money
from paylater.merchants.service import get_merchant
from paylater.orders import service as orders
from paylater.plans.schedule import PlanType
from paylater.servicing.pauses import ProblemReason, report_problem

CURRENCIES = {"SE": "SEK", "FR": "EUR", "DE": "EUR"}
LOCALES = {"SE": "sv-SE", "FR": "fr-FR", "DE": "de-DE"}
PEOPLE = {
    "SE": ("anna.svensson@example.se", "Anna", "Svensson"),
    "FR": ("lea.martin@example.fr", "Léa", "Martin"),
    "DE": ("max.mueller@example.de", "Max", "Müller"),
}


@dataclass(frozen=True)
class Purchase:
    country: str
    plan: PlanType
    amount: int
    days_ago: int
    product: str
    capture: bool = True
    months: int | None = None


def _order_data(purchase: Purchase) -> dict[str, Any]:
    return {
        "purchase_country": purchase.country,
        "purchase_currency": CURRENCIES[purchase.country],
        "locale": LOCALES[purchase.country],
        "order_amount": purchase.amount,
        "order_tax_amount": 0,
        "order_lines": [
            {
                "name": purchase.product,
                "quantity": 1,
                "unit_price": purchase.amount,
                "total_amount": purchase.amount,
                "tax_rate": 0,
                "total_tax_amount": 0,
            }
        ],
        "merchant_reference1": f"DEMO-{purchase.product[:12].upper().replace(' ', '-')}",
    }


def _buy(connection: Connection, *, merchant_id: str, purchase: Purchase, now: datetime) -> str:
    data = _order_data(purchase)
    session = checkout.create_session(
        connection, merchant_id, SessionRequest.model_validate(data), now=now
    )
    email, given, family = PEOPLE[purchase.country]
    outcome = checkout.authorize(
        connection,
        session.session_id,
        SandboxAuthorizeRequest(
            payment_method_category=purchase.plan,
            consumer=TestConsumer(
                email=email,
                given_name=given,
                family_name=family,
                date_of_birth=date(1988, 5, 17),
                monthly_income=4_500_000,  # minor units of the country's currency
                monthly_expenses=1_500_000,
            ),
            financing_months=purchase.months,
        ),
        now=now,
        today=now.date(),
    )
    if not outcome.approved or outcome.token is None:
        raise RuntimeError(f"demo purchase {purchase} was not approved: {outcome.reason_codes}")
    order = checkout.create_order(
        connection, merchant_id, outcome.token, OrderData.model_validate(data), now=now
    )
    order_id = str(order["id"])
    if purchase.capture:
        orders.capture(
            connection,
            get_merchant(connection, merchant_id),
            order_id,
            amount=purchase.amount,
            description="Shipped",
            reference="",
            order_lines=[],
            shipping_info=[
                {
                    "shipping_company": "PostNord",
                    "tracking_number": f"DEMO{order_id[:8].upper()}",
                }
            ],
            now=now + timedelta(minutes=5),
        )
    return order_id


def seed_demo_purchases(
    database: Database, merchant_id: str, settings: Settings, now: datetime
) -> list[str]:
    """Create the demo purchases and run the days since; returns the order ids."""
    start = now - timedelta(days=45)

    def at(days_ago: int) -> datetime:
        return now - timedelta(days=days_ago)

    overdue = Purchase("SE", PlanType.pay_in_3, 150_000, 45, "Rain jacket")
    fresh = Purchase("SE", PlanType.pay_later, 49_900, 12, "Wool socks")
    financed = Purchase("SE", PlanType.financing, 800_000, 20, "Cargo bike", months=12)
    paused = Purchase("FR", PlanType.pay_later, 8_990, 20, "Lampe de bureau")
    refunded = Purchase("DE", PlanType.pay_in_4, 12_000, 30, "Wanderschuhe")
    waiting = Purchase("FR", PlanType.pay_later, 4_500, 1, "Carnet de notes", capture=False)

    ids: dict[str, str] = {}

    def pay(connection: Connection, order_id: str, amount: Money, days_ago: int) -> None:
        consumer_id = orders.load_order(connection, merchant_id, order_id)["consumer_id"]
        record_payment(
            connection,
            order_id=order_id,
            consumer_id=consumer_id,
            payment=amount,
            at=at(days_ago),
            channel="card",
        )

    for name, purchase in (
        ("overdue", overdue),
        ("refunded", refunded),
        ("financed", financed),
        ("paused", paused),
        ("fresh", fresh),
        ("waiting", waiting),
    ):
        ids[name] = database.run(
            partial(_buy, merchant_id=merchant_id, purchase=purchase, now=at(purchase.days_ago))
        )
        if name == "overdue":  # the first part is paid at checkout; the second will be late
            database.run(lambda c: pay(c, ids["overdue"], Money(50_000, "SEK"), 45))

    database.run(lambda c: pay(c, ids["refunded"], Money(6_000, "EUR"), 16))
    database.run(
        lambda c: orders.refund(
            c,
            get_merchant(c, merchant_id),
            ids["refunded"],
            amount=3_000,
            description="One pair returned",
            reference="",
            order_lines=[],
            now=at(10),
        )
    )
    clock = FixedClock(start)
    day = start.date()
    while day <= now.date():
        if day == at(5).date():
            database.run(
                lambda c: report_problem(
                    c,
                    consumer_id=orders.load_order(c, merchant_id, ids["paused"])["consumer_id"],
                    order_id=ids["paused"],
                    reason=ProblemReason.returning_items,
                    details="Sent back with La Poste",
                    now=at(5),
                )
            )
        moment = datetime.combine(day, now.timetz())
        clock.set(moment)
        for country in CURRENCIES:
            run_country_day(database, country, day, now=moment, clock=clock, settings=settings)
        day += timedelta(days=1)
    return list(ids.values())
