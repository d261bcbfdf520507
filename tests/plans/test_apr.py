from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paylater.plans import apr as apr_module
from paylater.plans.apr import annual_percentage_rate, rounded_apr
from paylater.plans.schedule import amortise

S4_PAYMENTS = [111104] * 12


def _monthly(payments: list[int]) -> list[tuple[Fraction, int]]:
    return [(Fraction(k, 12), amount) for k, amount in enumerate(payments, start=1)]


def _float_root(net: int, flows: list[tuple[Fraction, int]]) -> float:
    """An independent check: plain float bisection on the same cash flows, in percent."""

    def value(x: float) -> float:
        total = 0.0
        for t, amount in flows:
            total += amount * math.pow(1 + x, -float(t))
        return total - net

    lo, hi = -0.99, 1.0
    while value(hi) > 0:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if value(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2 * 100


# --- S4 -------------------------------------------------------------------------------------


def test_s4_apr_without_fee() -> None:
    exact = annual_percentage_rate(1200000, _monthly(S4_PAYMENTS))
    assert exact == Decimal("21.8192572062")
    assert rounded_apr(exact) == Decimal("21.8")


def test_s4_apr_with_setup_fee() -> None:
    exact = annual_percentage_rate(1200000, _monthly(S4_PAYMENTS), upfront_charges=19500)
    # SCENARIOS.md's "25.688…" is this root rounded to three decimals.
    assert exact == Decimal("25.6878487167")
    assert rounded_apr(exact) == Decimal("25.7")


def test_s4_agrees_with_the_float_check() -> None:
    flows = _monthly(S4_PAYMENTS)
    assert abs(float(annual_percentage_rate(1200000, flows)) - 21.8192572062) < 1e-9
    assert abs(_float_root(1200000, flows) - 21.8192572062) < 1e-6
    assert abs(_float_root(1200000 - 19500, flows) - 25.6878487167) < 1e-6


def test_the_upfront_charge_equals_a_smaller_drawdown() -> None:
    flows = _monthly(S4_PAYMENTS)
    assert annual_percentage_rate(1200000, flows, 19500) == annual_percentage_rate(1180500, flows)


# --- closed forms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drawdown", "repayments", "expected"),
    [
        (1000, [(Fraction(1), 1100)], Decimal("10.0000000000")),
        (1000, [(Fraction(2), 1210)], Decimal("10.0000000000")),
        (1000, [(Fraction(1, 2), 1100)], Decimal("21.0000000000")),  # 1.1² − 1
        (1000, [(Fraction(1), 1000)], Decimal("0E-10")),
        (1000, [(Fraction(1), 900)], Decimal("-10.0000000000")),  # repaid less than lent
        (100, [(Fraction(1, 12), 200)], Decimal("409500.0000000000")),  # 2¹² − 1
        (1000, [(Fraction(0), 100), (Fraction(1), 990)], Decimal("10.0000000000")),
    ],
)
def test_closed_form_rates(
    drawdown: int, repayments: list[tuple[Fraction, int]], expected: Decimal
) -> None:
    assert annual_percentage_rate(drawdown, repayments) == expected


def test_repayments_on_a_day_grid() -> None:
    # 30-day steps over a 365-day year mix freely with other denominators.
    flows = [(Fraction(30, 365), 50000), (Fraction(1, 4), 30000), (Fraction(60, 365), 30000)]
    exact = annual_percentage_rate(100000, flows)
    assert abs(float(exact) - _float_root(100000, flows)) < 1e-6


def test_bisection_fallback_finds_the_same_root() -> None:
    with localcontext() as ctx:
        ctx.prec = 40
        flows = apr_module._CashFlows(1200000, _monthly(S4_PAYMENTS))
        by_newton = apr_module._newton(flows)
        by_bisection = apr_module._bisect(flows)
        negative = apr_module._bisect(apr_module._CashFlows(1000, [(Fraction(1), 900)]))
    assert by_newton is not None
    assert abs(by_newton - by_bisection) < Decimal("1e-12")
    assert abs(by_bisection - Decimal("0.218192572062")) < Decimal("1e-11")
    assert abs(negative - Decimal("-0.1")) < Decimal("1e-12")


# --- rounding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("21.8192572062", "21.8"),
        ("25.6878487167", "25.7"),
        ("21.85", "21.9"),  # half-up on an exact tie
        ("21.75", "21.8"),
        ("21.8499999999", "21.8"),
        ("0", "0.0"),
        ("-10.05", "-10.1"),
    ],
)
def test_rounded_apr_is_one_decimal_half_up(value: str, expected: str) -> None:
    result = rounded_apr(Decimal(value))
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -1


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drawdown", "repayments", "upfront", "message"),
    [
        (0, [(Fraction(1), 100)], 0, "drawdown"),
        (1000, [(Fraction(1), 1100)], -1, "upfront_charges"),
        (1000, [(Fraction(1), 1100)], 1000, "upfront_charges"),
        (1000, [(Fraction(-1, 12), 1100)], 0, "times"),
        (1000, [(Fraction(1), -1)], 0, "amounts"),
        (1000, [], 0, "later payments"),
        (1000, [(Fraction(0), 1100)], 0, "later payments"),
        (1000, [(Fraction(0), 1000), (Fraction(1), 5)], 0, "positive net credit"),
    ],
)
def test_validation(
    drawdown: int, repayments: list[tuple[Fraction, int]], upfront: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        annual_percentage_rate(drawdown, repayments, upfront)


def test_float_times_are_refused() -> None:
    with pytest.raises(TypeError, match="Fraction"):
        annual_percentage_rate(1000, [(0.5, 1100)])  # type: ignore[list-item]


# --- property: agrees with an independent float root finder ----------------------------------


@settings(max_examples=60, deadline=None)
@given(
    amount=st.integers(min_value=10000, max_value=10**9),
    months=st.sampled_from([6, 12, 24, 36]),
    rate=st.decimals(min_value=Decimal(0), max_value=Decimal("0.40"), places=4),
    fee_permille=st.integers(min_value=0, max_value=100),
)
def test_agrees_with_float_bisection(
    amount: int, months: int, rate: Decimal, fee_permille: int
) -> None:
    # Fees up to 10 % keep the APR within what a float bisection resolves to 1e-6 points.
    fee = amount * fee_permille // 1000
    rows = amortise(amount, months, rate)
    flows = _monthly([principal + interest for principal, interest in rows])
    exact = annual_percentage_rate(amount, flows, fee)
    assert abs(float(exact) - _float_root(amount - fee, flows)) < 1e-6
    assert rounded_apr(exact) == exact.quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
