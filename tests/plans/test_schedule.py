from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paylater.plans.calendar import is_business_day
from paylater.plans.schedule import (
    FinancingTerms,
    PlanType,
    ScheduledInstalment,
    amortise,
    build_schedule,
    financing_terms,
)

S4_RATE = Decimal("0.199")


def _dates(schedule: list[ScheduledInstalment]) -> list[date]:
    return [i.due_date for i in schedule]


def _amounts(schedule: list[ScheduledInstalment]) -> list[int]:
    return [i.amount for i in schedule]


# --- scenarios ------------------------------------------------------------------------------


def test_s1_pay_in_3_sweden() -> None:
    schedule = build_schedule(PlanType.pay_in_3, 100000, date(2026, 12, 1), "SE")
    assert schedule == [
        ScheduledInstalment(1, date(2026, 12, 1), 33334, 33334, 0),
        ScheduledInstalment(2, date(2026, 12, 31), 33333, 33333, 0),
        ScheduledInstalment(3, date(2027, 2, 1), 33333, 33333, 0),  # nominal Sat 2027-01-30
    ]


def test_s2_pay_later_france() -> None:
    schedule = build_schedule(PlanType.pay_later, 8990, date(2026, 12, 20), "FR")
    assert schedule == [ScheduledInstalment(1, date(2027, 1, 19), 8990, 8990, 0)]


def test_s3_pay_in_4_germany() -> None:
    schedule = build_schedule(PlanType.pay_in_4, 12000, date(2026, 12, 18), "DE")
    assert _amounts(schedule) == [3000, 3000, 3000, 3000]
    # 2027-01-01 moves to Monday the 4th; the next one stays on its own nominal date.
    assert _dates(schedule) == [
        date(2026, 12, 18),
        date(2027, 1, 4),
        date(2027, 1, 15),
        date(2027, 1, 29),
    ]


def test_s4_financing_amortisation() -> None:
    schedule = build_schedule(
        PlanType.financing, 1200000, date(2026, 12, 15), "SE", months=12, nominal_rate=S4_RATE
    )
    assert len(schedule) == 12
    assert [i.seq for i in schedule] == list(range(1, 13))
    assert all(i.amount == 111104 for i in schedule)
    first, last = schedule[0], schedule[-1]
    assert (first.interest, first.principal) == (19900, 91204)
    assert 1200000 - first.principal == 1108796
    assert (last.interest, last.principal, last.amount) == (1812, 109292, 111104)
    assert sum(i.interest for i in schedule) == 133248
    assert sum(i.principal for i in schedule) == 1200000
    assert sum(i.amount for i in schedule) == 1333248
    assert _dates(schedule) == [
        date(2027, 1, 15),
        date(2027, 2, 15),
        date(2027, 3, 15),
        date(2027, 4, 15),
        date(2027, 5, 17),  # 15th is a Saturday
        date(2027, 6, 15),
        date(2027, 7, 15),
        date(2027, 8, 16),  # 15th is a Sunday
        date(2027, 9, 15),
        date(2027, 10, 15),
        date(2027, 11, 15),
        date(2027, 12, 15),
    ]


def test_s4_financing_terms() -> None:
    terms = financing_terms(1200000, 12, S4_RATE)
    assert terms.monthly_payment == 111104
    assert terms.total_interest == 133248
    assert terms.total_repayable == 1333248
    assert terms.apr == Decimal("21.8")
    assert terms.apr_exact == Decimal("21.8192572062")


def test_s4_financing_terms_with_setup_fee() -> None:
    terms = financing_terms(1200000, 12, S4_RATE, setup_fee=19500)
    assert terms == FinancingTerms(
        monthly_payment=111104,
        total_interest=133248,
        total_repayable=1352748,
        apr=Decimal("25.7"),
        apr_exact=terms.apr_exact,
    )
    # SCENARIOS.md writes "25.688…": the root is 25.68785, i.e. 25.688 rounded to three places.
    assert terms.apr_exact == Decimal("25.6878487167")


def test_amortise_rows_match_s4() -> None:
    rows = amortise(1200000, 12, S4_RATE)
    assert rows[0] == (91204, 19900)
    assert rows[1] == (92716, 18388)
    assert rows[-1] == (109292, 1812)


def test_zero_rate_financing_splits_principal_evenly() -> None:
    schedule = build_schedule(
        PlanType.financing, 100000, date(2027, 3, 10), "SE", months=6, nominal_rate=Decimal(0)
    )
    assert _amounts(schedule) == [16670, 16666, 16666, 16666, 16666, 16666]
    assert all(i.interest == 0 and i.principal == i.amount for i in schedule)
    terms = financing_terms(100000, 6, Decimal(0))
    assert (terms.monthly_payment, terms.total_interest, terms.total_repayable) == (
        16670,
        0,
        100000,
    )
    assert terms.apr == Decimal("0.0")
    assert abs(terms.apr_exact) < Decimal("1e-9")


def test_pay_now_is_due_on_the_capture_date() -> None:
    assert build_schedule(PlanType.pay_now, 4999, date(2027, 3, 3), "GB") == [
        ScheduledInstalment(1, date(2027, 3, 3), 4999, 4999, 0)
    ]


def test_plan_may_be_given_as_its_string_value() -> None:
    assert build_schedule("pay_in_3", 100000, date(2026, 12, 1), "SE") == build_schedule(  # type: ignore[arg-type]
        PlanType.pay_in_3, 100000, date(2026, 12, 1), "SE"
    )


# --- business-day moves per country --------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "capture", "country", "expected"),
    [
        # France: Bastille Day (Tue 2026-07-14) and Ascension (Thu 2027-05-06).
        (PlanType.pay_later, date(2026, 6, 14), "FR", [date(2026, 7, 15)]),
        (PlanType.pay_later, date(2027, 4, 6), "FR", [date(2027, 5, 7)]),
        # France: Victory Day 2027-05-08 is a Saturday anyway.
        (PlanType.pay_later, date(2027, 4, 8), "FR", [date(2027, 5, 10)]),
        # Sweden: Christmas Day (Fri) moves to Monday; the next nominal date is untouched.
        (
            PlanType.pay_in_4,
            date(2026, 12, 11),
            "SE",
            [date(2026, 12, 11), date(2026, 12, 28), date(2027, 1, 8), date(2027, 1, 22)],
        ),
        # Sweden: Epiphany (Wed 2027-01-06).
        (PlanType.pay_later, date(2026, 12, 7), "SE", [date(2027, 1, 7)]),
        # Germany: Good Friday and Easter Monday 2027 (26 and 29 March).
        (PlanType.pay_later, date(2027, 2, 24), "DE", [date(2027, 3, 30)]),
        # UK: Christmas (Fri), Boxing Day observed (Mon 28th); then a Sunday.
        (
            PlanType.pay_in_3,
            date(2026, 11, 25),
            "GB",
            [date(2026, 11, 25), date(2026, 12, 29), date(2027, 1, 25)],
        ),
        # US: Independence Day observed on Monday 2027-07-05.
        (PlanType.pay_later, date(2027, 6, 5), "US", [date(2027, 7, 6)]),
        # US: Thanksgiving (Thu 2027-11-25).
        (PlanType.pay_later, date(2027, 10, 26), "US", [date(2027, 11, 26)]),
    ],
)
def test_business_day_moves(
    plan: PlanType, capture: date, country: str, expected: list[date]
) -> None:
    assert _dates(build_schedule(plan, 100000, capture, country)) == expected


# --- month-end capping ----------------------------------------------------------------------


def test_financing_due_dates_cap_at_month_end_and_recover() -> None:
    schedule = build_schedule(
        PlanType.financing, 600000, date(2027, 1, 31), "SE", months=6, nominal_rate=S4_RATE
    )
    assert _dates(schedule) == [
        date(2027, 3, 1),  # nominal Sun 2027-02-28
        date(2027, 3, 31),  # back to the 31st, not the 28th
        date(2027, 4, 30),
        date(2027, 5, 31),
        date(2027, 6, 30),
        date(2027, 8, 2),  # nominal Sat 2027-07-31
    ]


def test_financing_due_dates_in_a_leap_year() -> None:
    schedule = build_schedule(
        PlanType.financing, 600000, date(2027, 8, 31), "DE", months=6, nominal_rate=S4_RATE
    )
    assert _dates(schedule) == [
        date(2027, 9, 30),
        date(2027, 11, 1),  # nominal Sun 2027-10-31
        date(2027, 11, 30),
        date(2027, 12, 31),
        date(2028, 1, 31),
        date(2028, 2, 29),
    ]


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"plan": PlanType.pay_in_3, "amount": 0}, "at least 1"),
        ({"plan": PlanType.pay_later, "amount": -5}, "at least 1"),
        ({"plan": PlanType.pay_in_4, "amount": 3}, "too small"),
        ({"plan": PlanType.pay_in_3, "months": 12}, "only to financing"),
        ({"plan": PlanType.pay_later, "nominal_rate": S4_RATE}, "only to financing"),
        ({"plan": PlanType.financing, "months": 12}, "requires months and nominal_rate"),
        ({"plan": PlanType.financing, "nominal_rate": S4_RATE}, "requires months"),
        ({"plan": PlanType.financing, "months": 18, "nominal_rate": S4_RATE}, "one of 6, 12"),
        (
            {"plan": PlanType.financing, "months": 12, "nominal_rate": Decimal("-0.01")},
            "non-negative",
        ),
        (
            {"plan": PlanType.financing, "months": 12, "nominal_rate": Decimal("NaN")},
            "finite",
        ),
        ({"plan": "pay_in_5"}, "unknown plan type"),
        ({"plan": PlanType.pay_in_3, "country": "ZZ"}, "unknown country"),
    ],
)
def test_build_schedule_validation(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "amount": 100000,
        "capture_date": date(2027, 3, 1),
        "country": "SE",
    } | kwargs
    with pytest.raises(ValueError, match=message):
        build_schedule(**arguments)  # type: ignore[arg-type]


def test_float_rates_are_refused() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        build_schedule(
            PlanType.financing,
            100000,
            date(2027, 3, 1),
            "SE",
            months=12,
            nominal_rate=0.199,  # type: ignore[arg-type]
        )
    with pytest.raises(TypeError, match="Decimal"):
        financing_terms(100000, 12, 0.199)  # type: ignore[arg-type]


def test_financing_terms_validation() -> None:
    with pytest.raises(ValueError, match="one of"):
        financing_terms(100000, 10, S4_RATE)
    with pytest.raises(ValueError, match="setup_fee"):
        financing_terms(100000, 12, S4_RATE, setup_fee=-1)
    with pytest.raises(ValueError, match="setup_fee"):
        financing_terms(100000, 12, S4_RATE, setup_fee=100000)
    with pytest.raises(ValueError, match="at least 1"):
        financing_terms(0, 12, S4_RATE)


# --- properties -----------------------------------------------------------------------------

countries = st.sampled_from(["SE", "DE", "FR", "GB", "US"])
captures = st.dates(min_value=date(2025, 1, 1), max_value=date(2031, 12, 31))
rates = st.decimals(min_value=Decimal(0), max_value=Decimal("0.40"), places=4)
fixed_plans = st.sampled_from(
    [PlanType.pay_now, PlanType.pay_later, PlanType.pay_in_3, PlanType.pay_in_4]
)
_NOMINAL_DAYS = {
    PlanType.pay_now: [0],
    PlanType.pay_later: [30],
    PlanType.pay_in_3: [0, 30, 60],
    PlanType.pay_in_4: [0, 14, 28, 42],
}


def _months_later(day: date, k: int) -> date:
    year, month = divmod(day.month - 1 + k, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _check_dates(schedule: list[ScheduledInstalment], nominal: list[date], country: str) -> None:
    due = _dates(schedule)
    assert due == sorted(due)
    for actual, planned in zip(due, nominal, strict=True):
        assert is_business_day(actual, country)
        # Each date moves on its own: forward from its own nominal date, past non-business days
        # only.
        assert actual >= planned
        probe = planned
        while probe < actual:
            assert not is_business_day(probe, country)
            probe += timedelta(days=1)


@given(
    plan=fixed_plans,
    amount=st.integers(min_value=4, max_value=10**12),
    capture=captures,
    country=countries,
)
def test_fixed_plans_sum_exactly_on_business_days(
    plan: PlanType, amount: int, capture: date, country: str
) -> None:
    schedule = build_schedule(plan, amount, capture, country)
    offsets = _NOMINAL_DAYS[plan]
    assert [i.seq for i in schedule] == list(range(1, len(offsets) + 1))
    assert sum(_amounts(schedule)) == amount
    assert all(i.interest == 0 and i.principal == i.amount > 0 for i in schedule)
    base, remainder = divmod(amount, len(offsets))
    assert _amounts(schedule) == [base + remainder] + [base] * (len(offsets) - 1)
    _check_dates(schedule, [capture + timedelta(days=d) for d in offsets], country)


@settings(max_examples=200)
@given(
    # From 100.00 up: below that the rounded annuity payment can repay a tiny loan early.
    amount=st.integers(min_value=10000, max_value=10**10),
    months=st.sampled_from([6, 12, 24, 36]),
    rate=rates,
    capture=captures,
    country=countries,
)
def test_financing_amortises_exactly(
    amount: int, months: int, rate: Decimal, capture: date, country: str
) -> None:
    schedule = build_schedule(
        PlanType.financing, amount, capture, country, months=months, nominal_rate=rate
    )
    assert len(schedule) == months
    assert sum(i.principal for i in schedule) == amount
    assert all(i.amount == i.principal + i.interest for i in schedule)
    assert all(i.principal >= 0 and i.interest >= 0 for i in schedule)
    payments = _amounts(schedule)
    if rate == 0:
        assert sum(payments) == amount
        assert max(payments[1:]) == min(payments[1:]) == amount // months
    else:
        # Every month but the last pays the same annuity; the last differs by rounding only:
        # at most one unit a month (payment and interest rounding), each compounding since.
        assert len(set(payments[:-1])) == 1
        r = rate / 12
        rounding_bound = ((1 + r) ** months - 1) / r
        assert abs(payments[-1] - payments[0]) <= rounding_bound
    _check_dates(schedule, [_months_later(capture, k) for k in range(1, months + 1)], country)


@settings(max_examples=50)
@given(
    amount=st.integers(min_value=10000, max_value=10**9),
    months=st.sampled_from([6, 12, 24, 36]),
    rate=rates,
    fee=st.integers(min_value=0, max_value=50000),
)
def test_financing_terms_agree_with_the_schedule(
    amount: int, months: int, rate: Decimal, fee: int
) -> None:
    if fee >= amount:
        fee = 0
    terms = financing_terms(amount, months, rate, fee)
    schedule = build_schedule(
        PlanType.financing, amount, date(2027, 3, 1), "SE", months=months, nominal_rate=rate
    )
    assert terms.monthly_payment == schedule[0].amount
    assert terms.total_interest == sum(i.interest for i in schedule)
    assert terms.total_repayable == amount + terms.total_interest + fee
    assert terms.apr == terms.apr_exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    # The APR includes the fee and annual compounding, so it is never below the nominal rate,
    # up to the rounding of each month's interest to the minor unit: at most half a unit a
    # month, on a loan outstanding (months + 1) / 24 years on average. For 100.00 over 6 months
    # at 0.78 % that is worth 0.10 points; for 10,000.00, a thousandth of it.
    rounding = Decimal(100 * months) / 2 / (amount * Decimal(months + 1) / 24)
    assert terms.apr_exact >= rate * 100 - rounding - Decimal("0.01")
