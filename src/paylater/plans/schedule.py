"""Instalment schedules and financing terms.

Nominal due dates are counted from the capture date and each one is moved forward to a business
day on its own, so a holiday move in one instalment never shifts the next. Amounts are split with
:func:`paylater.kit.money.split` (remainder to the first instalment); financing is an annuity with
interest rounded half-even to the minor unit once per month.
"""

from __future__ import annotations

import calendar as _gregorian
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction

from paylater.kit.money import round_minor, split
from paylater.plans.apr import annual_percentage_rate, rounded_apr
from paylater.plans.calendar import next_business_day

FINANCING_MONTHS = frozenset({6, 12, 24, 36})
_RATE_PRECISION = 40
_MONTHS_PER_YEAR = 12


class PlanType(StrEnum):
    pay_later = "pay_later"
    pay_in_3 = "pay_in_3"
    pay_in_4 = "pay_in_4"
    financing = "financing"
    pay_now = "pay_now"


@dataclass(frozen=True, slots=True)
class ScheduledInstalment:
    """One instalment: ``amount = principal + interest``; interest is 0 except for financing."""

    seq: int
    due_date: date
    amount: int
    principal: int
    interest: int


@dataclass(frozen=True, slots=True)
class FinancingTerms:
    """What the shopper sees before authorizing a financing plan.

    ``monthly_payment`` is the first month's payment: the annuity payment (only the last month
    may differ, by rounding), or for 0 % the first part of the even split, which carries any
    remainder. ``apr`` is ``apr_exact`` rounded to one decimal, half-up.
    """

    monthly_payment: int
    total_interest: int
    total_repayable: int
    apr: Decimal
    apr_exact: Decimal


# Offsets in days of the nominal due dates from the capture date, for the fixed-day plans.
_DAY_OFFSETS: dict[PlanType, tuple[timedelta, ...]] = {
    PlanType.pay_now: (timedelta(0),),
    PlanType.pay_later: (timedelta(days=30),),
    PlanType.pay_in_3: tuple(timedelta(days=30 * k) for k in range(3)),
    PlanType.pay_in_4: tuple(timedelta(days=14 * k) for k in range(4)),
}


def build_schedule(
    plan: PlanType,
    amount: int,
    capture_date: date,
    country: str,
    *,
    months: int | None = None,
    nominal_rate: Decimal | None = None,
) -> list[ScheduledInstalment]:
    """The instalments of a plan captured on ``capture_date`` for a consumer in ``country``.

    ``amount`` is in minor units. ``months`` (6, 12, 24 or 36) and ``nominal_rate`` (yearly, as a
    fraction: ``Decimal("0.199")`` for 19.90 %) are required for financing and refused otherwise.
    """
    _validate_amount(amount)
    if plan == PlanType.financing:
        months, rate = _validate_financing(months, nominal_rate)
        _require_splittable(amount, months)
        return _financing_schedule(amount, capture_date, country, months, rate)
    if months is not None or nominal_rate is not None:
        raise ValueError("months and nominal_rate apply only to financing")
    offsets = _DAY_OFFSETS.get(plan)
    if offsets is None:
        raise ValueError(f"unknown plan type {plan!r}")
    _require_splittable(amount, len(offsets))
    parts = split(amount, len(offsets))
    return [
        ScheduledInstalment(seq, next_business_day(capture_date + offset, country), part, part, 0)
        for seq, (offset, part) in enumerate(zip(offsets, parts, strict=True), start=1)
    ]


def financing_terms(
    amount: int, months: int, nominal_rate: Decimal, setup_fee: int = 0
) -> FinancingTerms:
    """Monthly payment, total cost and APR of a financing plan, for display before authorization.

    Uses the same amortisation as :func:`build_schedule` over equal months (payment ``k`` at
    ``k/12`` years); ``setup_fee`` is paid at the start.
    """
    _validate_amount(amount)
    checked_months, rate = _validate_financing(months, nominal_rate)
    _require_splittable(amount, checked_months)
    if setup_fee < 0:
        raise ValueError("setup_fee must not be negative")
    if setup_fee >= amount:
        raise ValueError("setup_fee must be smaller than the amount")
    rows = amortise(amount, checked_months, rate)
    total_interest = sum(interest for _, interest in rows)
    repayments = [
        (Fraction(k, _MONTHS_PER_YEAR), principal + interest)
        for k, (principal, interest) in enumerate(rows, start=1)
    ]
    apr_exact = annual_percentage_rate(amount, repayments, setup_fee)
    return FinancingTerms(
        monthly_payment=rows[0][0] + rows[0][1],
        total_interest=total_interest,
        total_repayable=amount + total_interest + setup_fee,
        apr=rounded_apr(apr_exact),
        apr_exact=apr_exact,
    )


def amortise(amount: int, months: int, nominal_rate: Decimal) -> list[tuple[int, int]]:
    """``(principal, interest)`` per month of an annuity loan, in minor units.

    The payment is ``round(P·r / (1 − (1+r)^−n))`` with ``r`` the nominal rate / 12; each month's
    interest is ``round(balance·r)``; the last month clears the balance left by rounding. At 0 %
    the principal is split evenly, remainder to the first month.
    """
    if nominal_rate == 0:
        return [(part, 0) for part in split(amount, months)]
    with localcontext() as ctx:
        ctx.prec = _RATE_PRECISION
        r = nominal_rate / _MONTHS_PER_YEAR
        payment = round_minor(amount * r / (1 - (1 + r) ** -months))
        rows: list[tuple[int, int]] = []
        balance = amount
        for _ in range(months - 1):
            interest = round_minor(balance * r)
            # Rounding can only make the payment run ahead of the balance for absurdly small
            # loans; clamping keeps every principal within what is still owed.
            principal = min(payment - interest, balance)
            rows.append((principal, interest))
            balance -= principal
        rows.append((balance, round_minor(balance * r)))
    return rows


def _financing_schedule(
    amount: int, capture_date: date, country: str, months: int, rate: Decimal
) -> list[ScheduledInstalment]:
    rows = amortise(amount, months, rate)
    return [
        ScheduledInstalment(
            seq,
            next_business_day(_add_months(capture_date, seq), country),
            principal + interest,
            principal,
            interest,
        )
        for seq, (principal, interest) in enumerate(rows, start=1)
    ]


def _add_months(day: date, months: int) -> date:
    # Always from the capture day, never from the previous (possibly capped) date, so a Jan 31
    # capture is due Feb 28/29 and then Mar 31 again.
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = _gregorian.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def _validate_amount(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amount must be an int of minor units")
    if amount < 1:
        raise ValueError("amount must be at least 1 minor unit")


def _require_splittable(amount: int, parts: int) -> None:
    # A zero-amount instalment would be collected, reminded and reconciled for nothing.
    if amount < parts:
        raise ValueError(f"amount {amount} is too small for {parts} instalments")


def _validate_financing(months: int | None, nominal_rate: Decimal | None) -> tuple[int, Decimal]:
    if months is None or nominal_rate is None:
        raise ValueError("financing requires months and nominal_rate")
    if months not in FINANCING_MONTHS:
        allowed = ", ".join(str(m) for m in sorted(FINANCING_MONTHS))
        raise ValueError(f"months must be one of {allowed}, got {months}")
    if not isinstance(nominal_rate, Decimal):
        raise TypeError("nominal_rate must be a Decimal, never a float")
    if not nominal_rate.is_finite() or nominal_rate < 0:
        raise ValueError("nominal_rate must be a finite, non-negative Decimal")
    return months, nominal_rate
