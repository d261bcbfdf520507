"""The pure credit rules (PRODUCT.md §4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from paylater.credit.countries import CountryRules, rules_for
from paylater.credit.rules import (
    AuthorizationInputs,
    Outcome,
    age_on,
    decide_authorization,
    decide_offer,
    exposure_limit,
)
from paylater.credit.service import overdue_cutoff
from paylater.plans.schedule import PlanType


def _sweden() -> CountryRules:
    rules = rules_for("SE")
    assert rules is not None
    return rules


SE = _sweden()
GOOD = AuthorizationInputs(
    plan=PlanType.pay_in_3,
    amount=100_000,
    currency="SEK",
    age=35,
    overdue_instalments=0,
    exposure=0,
    repaid_on_time=0,
    account_age_days=30,
    authorizations_today=0,
    device_authorizations_today=0,
    billing_country="SE",
    shipping_country="SE",
)


def _decide(**changes: object) -> tuple[Outcome, list[str]]:
    decision = decide_authorization(SE, replace(GOOD, **changes))  # type: ignore[arg-type]
    return decision.outcome, decision.reason_codes


def test_a_good_application_is_accepted() -> None:
    decision = decide_authorization(SE, GOOD)
    assert decision.outcome is Outcome.ACCEPTED
    assert decision.reason_codes == []
    assert decision.plans == [PlanType.pay_in_3]
    ran = [r.rule for r in decision.results]
    assert ran == [
        "CURRENCY",
        "AMOUNT_OUT_OF_RANGE",
        "DATE_OF_BIRTH_REQUIRED",
        "AGE_BELOW_MINIMUM",
        "OVERDUE_DEBT",
        "IN_COLLECTIONS",
        "EXPOSURE_LIMIT",
        "VELOCITY_LIMIT",
        "COUNTRY_MISMATCH",
        "NEW_ACCOUNT_HIGH_AMOUNT",
    ]
    assert all(r.passed for r in decision.results)
    assert all(r.detail for r in decision.results)


@pytest.mark.parametrize(
    ("born", "today", "age"),
    [
        (date(2000, 3, 1), date(2018, 2, 28), 17),
        (date(2000, 3, 1), date(2018, 3, 1), 18),
        (date(2000, 2, 29), date(2018, 2, 28), 17),
        (date(2000, 2, 29), date(2018, 3, 1), 18),
        (date(1990, 12, 31), date(2026, 12, 1), 35),
    ],
)
def test_age_on(born: date, today: date, age: int) -> None:
    assert age_on(born, today) == age


def test_under_18_is_rejected() -> None:
    assert _decide(age=17) == (Outcome.REJECTED, ["AGE_BELOW_MINIMUM"])
    assert _decide(age=18) == (Outcome.ACCEPTED, [])


def test_no_date_of_birth_is_rejected() -> None:
    assert _decide(age=None) == (Outcome.REJECTED, ["DATE_OF_BIRTH_REQUIRED"])


def test_overdue_debt_is_rejected() -> None:
    assert _decide(overdue_instalments=1) == (Outcome.REJECTED, ["OVERDUE_DEBT"])


def test_exposure_limit_grows_with_repayment_and_is_capped() -> None:
    assert SE.new_consumer_limit == 1_500_000
    assert exposure_limit(SE, 0) == 1_500_000
    # A quarter of everything repaid on time is added.
    assert exposure_limit(SE, 400_000) == 1_600_000
    assert exposure_limit(SE, 4_000_003) == 2_500_000
    assert exposure_limit(SE, 54_000_000) == 15_000_000
    assert exposure_limit(SE, 10**12) == SE.max_limit == 15_000_000


def test_exposure_limit_decides() -> None:
    assert _decide(exposure=1_400_000, amount=100_000) == (Outcome.ACCEPTED, [])
    assert _decide(exposure=1_400_001, amount=100_000) == (Outcome.REJECTED, ["EXPOSURE_LIMIT"])
    # The same purchase passes for a consumer who has repaid 4,000.00 on time.
    assert _decide(exposure=1_400_001, amount=100_000, repaid_on_time=400_000) == (
        Outcome.ACCEPTED,
        [],
    )


def test_velocity_limit() -> None:
    assert SE.velocity_per_day == 10
    assert _decide(authorizations_today=9) == (Outcome.ACCEPTED, [])
    assert _decide(authorizations_today=10) == (Outcome.REJECTED, ["VELOCITY_LIMIT"])
    assert _decide(device_authorizations_today=10) == (Outcome.REJECTED, ["VELOCITY_LIMIT"])


def test_amount_outside_the_plan_range() -> None:
    assert _decide(amount=34_999) == (Outcome.REJECTED, ["AMOUNT_OUT_OF_RANGE"])
    assert _decide(amount=35_000) == (Outcome.ACCEPTED, [])


def test_a_raised_authorization_checks_the_range_on_the_whole_order() -> None:
    # Only 20.00 SEK more is asked, on a 410.00 SEK order: the range is the order's.
    assert _decide(amount=20_000, order_amount=410_000) == (Outcome.ACCEPTED, [])
    assert _decide(amount=20_000) == (Outcome.REJECTED, ["AMOUNT_OUT_OF_RANGE"])
    assert _decide(amount=20_000, order_amount=1_500_001) == (
        Outcome.REJECTED,
        ["AMOUNT_OUT_OF_RANGE"],
    )


def test_wrong_currency() -> None:
    assert _decide(currency="EUR") == (Outcome.REJECTED, ["CURRENCY"])


FINANCING = dict(plan=PlanType.financing, amount=600_000, monthly_cost=55_000)


def test_financing_needs_a_stated_income() -> None:
    assert _decide(**FINANCING) == (Outcome.REJECTED, ["INCOME_REQUIRED"])


def test_financing_needs_affordability() -> None:
    # Disposable 1,000.00 SEK: at most 40 % (400.00) can go to the monthly cost.
    base = {**FINANCING, "monthly_income": 3_000_000, "monthly_expenses": 2_000_000}
    assert _decide(**{**base, "monthly_cost": 400_000}) == (Outcome.ACCEPTED, [])
    assert _decide(**{**base, "monthly_cost": 400_001}) == (Outcome.REJECTED, ["NOT_AFFORDABLE"])
    # Expenses above income: nothing is affordable.
    assert _decide(**{**base, "monthly_expenses": 4_000_000, "monthly_cost": 1}) == (
        Outcome.REJECTED,
        ["NOT_AFFORDABLE"],
    )


def test_income_is_not_asked_for_other_plans() -> None:
    decision = decide_authorization(SE, GOOD)
    assert "INCOME_REQUIRED" not in [r.rule for r in decision.results]


def test_billing_and_shipping_in_different_countries_goes_to_review() -> None:
    assert _decide(shipping_country="DE") == (Outcome.PENDING, ["COUNTRY_MISMATCH"])
    assert _decide(shipping_country="") == (Outcome.ACCEPTED, [])


def test_new_account_with_a_high_amount_goes_to_review() -> None:
    threshold = SE.review_amount_new_account
    assert threshold == 1_000_000
    assert _decide(account_age_days=0, amount=threshold) == (Outcome.ACCEPTED, [])
    assert _decide(account_age_days=0, amount=threshold + 1) == (
        Outcome.PENDING,
        ["NEW_ACCOUNT_HIGH_AMOUNT"],
    )
    assert _decide(account_age_days=1, amount=threshold + 1) == (Outcome.ACCEPTED, [])


def test_a_decline_outranks_a_review() -> None:
    assert _decide(shipping_country="DE", age=16) == (
        Outcome.REJECTED,
        ["AGE_BELOW_MINIMUM", "COUNTRY_MISMATCH"],
    )


def test_offer_decision() -> None:
    offered = decide_offer(SE, currency="SEK", amount=100_000, age=None)
    assert offered.outcome is Outcome.ACCEPTED
    assert offered.plans == [
        PlanType.pay_now,
        PlanType.pay_later,
        PlanType.pay_in_3,
        PlanType.pay_in_4,
    ]
    young = decide_offer(SE, currency="SEK", amount=100_000, age=17)
    assert (young.outcome, young.plans) == (Outcome.REJECTED, [])
    assert "AGE_BELOW_MINIMUM" in young.reason_codes
    foreign = decide_offer(SE, currency="EUR", amount=100_000, age=30)
    assert (foreign.outcome, foreign.plans) == (Outcome.REJECTED, [])
    assert foreign.reason_codes == ["CURRENCY", "AMOUNT_OUT_OF_RANGE"]
    huge = decide_offer(SE, currency="SEK", amount=10_000_001, age=30)
    assert (huge.outcome, huge.reason_codes) == (Outcome.REJECTED, ["AMOUNT_OUT_OF_RANGE"])


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [
        # S8: due Friday 2027-01-15, grace 18-20 January, overdue from the 21st.
        ("2027-01-20", "2027-01-14"),
        ("2027-01-21", "2027-01-17"),
        ("2027-01-22", "2027-01-18"),
    ],
)
def test_overdue_only_after_the_grace_period(today: str, cutoff: str) -> None:
    assert overdue_cutoff(date.fromisoformat(today), "SE") == date.fromisoformat(cutoff)
