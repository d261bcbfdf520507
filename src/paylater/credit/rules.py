"""Pure credit rules: which plans to offer, and approve / review / decline at authorization.

Every rule that runs is recorded with whether it passed and why, so a decision can be explained
to the consumer, reviewed by a human, and audited. Inputs are plain numbers about the purchase and
the consumer's own history with the lender; nothing about health or social media is ever an input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from paylater.credit.countries import CountryRules
from paylater.plans.schedule import PlanType


class Outcome(StrEnum):
    ACCEPTED = "ACCEPTED"
    PENDING = "PENDING"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    passed: bool
    detail: str
    # What failing this rule leads to: a decline, or a manual review.
    on_fail: Outcome = Outcome.REJECTED

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "passed": self.passed, "detail": self.detail}


@dataclass(slots=True)
class Decision:
    outcome: Outcome
    results: list[RuleResult] = field(default_factory=list)
    plans: list[PlanType] = field(default_factory=list)

    @property
    def reason_codes(self) -> list[str]:
        return [r.rule for r in self.results if not r.passed]


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def exposure_limit(rules: CountryRules, repaid_on_time: int) -> int:
    """A new consumer starts low; every amount repaid on time raises the limit, up to a cap."""
    grown = rules.new_consumer_limit + repaid_on_time * rules.limit_growth_percent // 100
    return min(grown, rules.max_limit)


def _conclude(results: list[RuleResult], plans: list[PlanType] | None = None) -> Decision:
    failed = [r for r in results if not r.passed]
    if any(r.on_fail is Outcome.REJECTED for r in failed):
        outcome = Outcome.REJECTED
    elif failed:
        outcome = Outcome.PENDING
    else:
        outcome = Outcome.ACCEPTED
    return Decision(outcome=outcome, results=results, plans=plans or [])


def decide_offer(rules: CountryRules, *, currency: str, amount: int, age: int | None) -> Decision:
    """The plans a purchase qualifies for before the shopper is known in detail."""
    results = [
        RuleResult(
            "CURRENCY",
            currency == rules.currency,
            f"{rules.country} purchases are in {rules.currency}, got {currency}",
        ),
    ]
    if age is not None:
        results.append(
            RuleResult(
                "AGE_BELOW_MINIMUM",
                age >= rules.minimum_age,
                f"age {age}, minimum {rules.minimum_age}",
            )
        )
    plans: list[PlanType] = []
    if all(r.passed for r in results):
        for plan, (low, high) in rules.plan_ranges.items():
            if low <= amount <= high:
                plans.append(plan)
    results.append(
        RuleResult("AMOUNT_OUT_OF_RANGE", bool(plans), f"{amount} fits {len(plans)} plan(s)")
    )
    return _conclude(results, plans)


@dataclass(frozen=True, slots=True)
class AuthorizationInputs:
    plan: PlanType
    amount: int
    currency: str
    age: int | None
    overdue_instalments: int
    exposure: int  # open authorizations plus unpaid instalments, before this purchase
    repaid_on_time: int
    account_age_days: int
    authorizations_today: int  # by this consumer or e-mail in the last 24 h
    device_authorizations_today: int
    billing_country: str
    shipping_country: str
    monthly_cost: int | None = None  # financing only
    monthly_income: int | None = None
    monthly_expenses: int | None = None
    # The whole order when ``amount`` is only what a raised authorization adds to the exposure:
    # the plan's amount range and the review threshold apply to the purchase, not the increment.
    order_amount: int | None = None
    # Debts of this consumer in collections (open or written off): declined until paid in full.
    collection_cases: int = 0


def decide_authorization(rules: CountryRules, inputs: AuthorizationInputs) -> Decision:
    low, high = rules.plan_ranges.get(inputs.plan, (1, 0))
    limit = exposure_limit(rules, inputs.repaid_on_time)
    purchase = inputs.amount if inputs.order_amount is None else inputs.order_amount
    results = [
        RuleResult(
            "CURRENCY",
            inputs.currency == rules.currency,
            f"{rules.country} purchases are in {rules.currency}",
        ),
        RuleResult(
            "AMOUNT_OUT_OF_RANGE",
            low <= purchase <= high,
            f"{inputs.plan.value} allows {low}..{high}, asked {purchase}",
        ),
        RuleResult(
            "DATE_OF_BIRTH_REQUIRED",
            inputs.age is not None,
            "a date of birth is needed to check the minimum age",
        ),
    ]
    if inputs.age is not None:
        results.append(
            RuleResult(
                "AGE_BELOW_MINIMUM",
                inputs.age >= rules.minimum_age,
                f"age {inputs.age}, minimum {rules.minimum_age}",
            )
        )
    results += [
        RuleResult(
            "OVERDUE_DEBT",
            inputs.overdue_instalments == 0,
            f"{inputs.overdue_instalments} overdue instalment(s)",
        ),
        RuleResult(
            "IN_COLLECTIONS",
            inputs.collection_cases == 0,
            f"{inputs.collection_cases} debt(s) in collections",
        ),
        RuleResult(
            "EXPOSURE_LIMIT",
            inputs.exposure + inputs.amount <= limit,
            f"exposure {inputs.exposure} + {inputs.amount} against limit {limit}",
        ),
        RuleResult(
            "VELOCITY_LIMIT",
            inputs.authorizations_today < rules.velocity_per_day
            and inputs.device_authorizations_today < rules.velocity_per_day,
            f"{inputs.authorizations_today} today by this consumer, "
            f"{inputs.device_authorizations_today} by this device",
        ),
    ]
    if inputs.plan is PlanType.financing:
        stated = inputs.monthly_income is not None
        results.append(RuleResult("INCOME_REQUIRED", stated, "financing needs a stated income"))
        if stated and inputs.monthly_cost is not None:
            disposable = (inputs.monthly_income or 0) - (inputs.monthly_expenses or 0)
            ceiling = disposable * rules.affordability_share_percent // 100
            results.append(
                RuleResult(
                    "NOT_AFFORDABLE",
                    inputs.monthly_cost <= ceiling,
                    f"monthly cost {inputs.monthly_cost} against {ceiling} "
                    f"({rules.affordability_share_percent} % of disposable {disposable})",
                )
            )
    results += [
        RuleResult(
            "COUNTRY_MISMATCH",
            not inputs.shipping_country or inputs.billing_country == inputs.shipping_country,
            f"billing {inputs.billing_country}, shipping {inputs.shipping_country}",
            on_fail=Outcome.PENDING,
        ),
        RuleResult(
            "NEW_ACCOUNT_HIGH_AMOUNT",
            inputs.account_age_days > 0 or purchase <= rules.review_amount_new_account,
            f"account {inputs.account_age_days} day(s) old, amount {purchase}",
            on_fail=Outcome.PENDING,
        ),
    ]
    decision = _conclude(results, [inputs.plan])
    return decision
