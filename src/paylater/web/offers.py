"""What a shopper sees before committing: each plan with its instalments, dates, cost and APR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from paylater.checkout.service import PLAN_NAMES
from paylater.credit.countries import rules_for
from paylater.plans.schedule import PlanType, build_schedule, financing_terms


@dataclass(frozen=True, slots=True)
class Offer:
    """One choice: a plan (for financing, with a number of months)."""

    key: str  # "pay_in_3", or "financing:12"
    plan: PlanType
    months: int | None
    name: str
    instalments: list[tuple[date, int]]
    amount: int  # the purchase
    total: int  # everything the consumer pays
    interest: int
    setup_fee: int
    apr: Decimal | None
    nominal_rate: Decimal | None

    @property
    def cost(self) -> int:
        return self.total - self.amount


def offers_for(plans: list[str], amount: int, country: str, today: date) -> list[Offer]:
    """The offers of a session's plans, as if captured today."""
    rules = rules_for(country)
    offers: list[Offer] = []
    for value in plans:
        plan = PlanType(value)
        if plan is PlanType.financing:
            if rules is None:
                continue
            for months in rules.financing_months:
                try:
                    terms = financing_terms(
                        amount, months, rules.financing_rate, rules.financing_setup_fee
                    )
                    schedule = build_schedule(
                        plan,
                        amount,
                        today,
                        country,
                        months=months,
                        nominal_rate=rules.financing_rate,
                    )
                except ValueError:
                    continue
                offers.append(
                    Offer(
                        key=f"financing:{months}",
                        plan=plan,
                        months=months,
                        name=PLAN_NAMES[plan],
                        instalments=[(part.due_date, part.amount) for part in schedule],
                        amount=amount,
                        total=terms.total_repayable,
                        interest=terms.total_interest,
                        setup_fee=rules.financing_setup_fee,
                        apr=terms.apr,
                        nominal_rate=rules.financing_rate,
                    )
                )
            continue
        try:
            schedule = build_schedule(plan, amount, today, country)
        except ValueError:
            continue
        offers.append(
            Offer(
                key=plan.value,
                plan=plan,
                months=None,
                name=PLAN_NAMES[plan],
                instalments=[(part.due_date, part.amount) for part in schedule],
                amount=amount,
                total=amount,
                interest=0,
                setup_fee=0,
                apr=Decimal(0),
                nominal_rate=None,
            )
        )
    return offers


def parse_key(key: str) -> tuple[PlanType, int | None]:
    """``"financing:12"`` → (financing, 12); ``"pay_in_3"`` → (pay_in_3, None)."""
    plan_text, _, months_text = key.partition(":")
    plan = PlanType(plan_text)
    months = int(months_text) if months_text.isdigit() else None
    if plan is PlanType.financing and months is None:
        months = 12
    return plan, months
