"""Annual percentage rate by the EU consumer-credit directive (2008/48/EC, Annex I).

The APR is the rate ``X`` at which the drawdowns equal the repayments and charges, each discounted
by ``(1 + X) ** -t`` with ``t`` in years from the drawdown (equal months count as ``k/12``). Charges
paid at the start are a cash flow at ``t = 0``, which is the same as lowering the drawdown.

Everything is solved in ``Decimal`` at 40 significant digits: the displayed APR is a legal figure,
and rounding it to one decimal is only safe when the root itself is far more precise than that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

_PRECISION = 40
_TOLERANCE = Decimal("1e-12")
_MAX_NEWTON_STEPS = 60
_MAX_BISECTION_STEPS = 400
_PERCENT_QUANTUM = Decimal("1e-10")
_ONE_DECIMAL = Decimal("0.1")


class _CashFlows:
    """Repayments on a common time grid so each evaluation costs one ``ln`` and one ``exp``."""

    def __init__(self, net_drawdown: int, repayments: Sequence[tuple[Fraction, int]]) -> None:
        flows = [(t, amount) for t, amount in repayments if amount != 0]
        self.grid = math.lcm(*(t.denominator for t, _ in flows)) if flows else 1
        self.net = Decimal(net_drawdown)
        # (steps on the grid, t in years, amount)
        self.flows = [
            (int(t * self.grid), Decimal(t.numerator) / Decimal(t.denominator), Decimal(amount))
            for t, amount in flows
        ]

    def value_and_slope(self, x: Decimal) -> tuple[Decimal, Decimal]:
        """f(x) = present value of the repayments − net drawdown, and f'(x)."""
        one_plus = 1 + x
        step = (-one_plus.ln() / self.grid).exp()  # (1 + x) ** (-1/grid)
        value = -self.net
        slope = Decimal(0)
        for steps, years, amount in self.flows:
            discounted = amount * step**steps
            value += discounted
            slope -= years * discounted
        return value, slope / one_plus


def annual_percentage_rate(
    drawdown: int,
    repayments: Sequence[tuple[Fraction, int]],
    upfront_charges: int = 0,
) -> Decimal:
    """The exact APR as a percentage, e.g. ``Decimal("21.8192572062")`` for S4.

    ``drawdown`` is the credit paid out at ``t = 0``; ``repayments`` are ``(t in years, amount)``
    pairs of everything the consumer pays later (instalments and charges); ``upfront_charges`` are
    charges the consumer pays at ``t = 0``. The root is found with Newton's method, falling back to
    bisection when a Newton step leaves the domain or stalls, and is quantized to 1e-10 percent.
    """
    _validate(drawdown, repayments, upfront_charges)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        flows = _CashFlows(drawdown - upfront_charges, repayments)
        root = _newton(flows)
        if root is None:
            root = _bisect(flows)
        return (root * 100).quantize(_PERCENT_QUANTUM, rounding=ROUND_HALF_EVEN)


def rounded_apr(value: Decimal) -> Decimal:
    """Round an APR percentage to one decimal, half-up (EU practice shows one decimal).

    Half-up rather than half-even so the shown rate never understates an exact tie.
    """
    return value.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _validate(
    drawdown: int, repayments: Sequence[tuple[Fraction, int]], upfront_charges: int
) -> None:
    if drawdown < 1:
        raise ValueError("drawdown must be at least 1 minor unit")
    if upfront_charges < 0:
        raise ValueError("upfront_charges must not be negative")
    if upfront_charges >= drawdown:
        raise ValueError("upfront_charges must be smaller than the drawdown")
    for t, amount in repayments:
        if not isinstance(t, Fraction | int) or isinstance(t, bool):
            raise TypeError("repayment times must be Fractions of a year, never floats")
        if t < 0:
            raise ValueError("repayment times must not be negative")
        if amount < 0:
            raise ValueError("repayment amounts must not be negative")
    immediate = sum(amount for t, amount in repayments if t == 0)
    later = sum(amount for t, amount in repayments if t > 0)
    # f falls strictly from +inf (x -> -1) to immediate - net (x -> inf): a root exists and is
    # unique exactly when something is repaid later and the immediate part alone does not cover
    # what was lent.
    if later == 0 or immediate >= drawdown - upfront_charges:
        raise ValueError("repayments must include later payments and leave a positive net credit")


def _newton(flows: _CashFlows) -> Decimal | None:
    x = Decimal("0.1")
    for _ in range(_MAX_NEWTON_STEPS):
        value, slope = flows.value_and_slope(x)
        if slope == 0:
            return None
        step = value / slope
        x -= step
        if not x.is_finite() or x <= -1:
            return None
        if abs(step) < _TOLERANCE:
            return x
    return None


def _bisect(flows: _CashFlows) -> Decimal:
    # f is strictly decreasing, so bracket with f(lo) > 0 > f(hi) and halve.
    lo, hi = Decimal(0), Decimal(1)
    if flows.value_and_slope(lo)[0] < 0:
        # Negative APR (repaid less than lent): walk lo towards -1, where f grows without bound.
        gap = Decimal("0.5")
        hi, lo = lo, gap - 1
        while flows.value_and_slope(lo)[0] < 0:
            gap /= 2
            hi, lo = lo, gap - 1
    else:
        while flows.value_and_slope(hi)[0] > 0:
            lo, hi = hi, hi * 2
    for _ in range(_MAX_BISECTION_STEPS):
        if hi - lo < _TOLERANCE:
            break
        mid = (lo + hi) / 2
        if flows.value_and_slope(mid)[0] > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
