from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paylater.plans.allocation import (
    PaymentAllocation,
    RefundAllocation,
    Slot,
    allocate_payment,
    allocate_refund,
)

S1_AMOUNTS = (33334, 33333, 33333)


# --- scenarios ------------------------------------------------------------------------------


def test_s5_refund_after_one_payment() -> None:
    slots = [Slot(33334, 33334), Slot(33333, 0), Slot(33333, 0)]
    assert allocate_refund(slots, 50000) == RefundAllocation(
        new_amounts=(33334, 16666, 0), payback=0, receivable_reduction=50000
    )


def test_s6_refund_after_two_payments() -> None:
    slots = [Slot(33334, 33334), Slot(33333, 33333), Slot(33333, 0)]
    allocation = allocate_refund(slots, 50000)
    assert allocation == RefundAllocation(
        new_amounts=(33334, 16666, 0), payback=16667, receivable_reduction=33333
    )
    assert sum(allocation.new_amounts) == 50000


@pytest.mark.parametrize(
    ("paid", "refund", "expected"),
    [
        # Nothing paid: the last instalments disappear first.
        ((0, 0, 0), 40000, RefundAllocation((33334, 26666, 0), 0, 40000)),
        # Full refund before any payment.
        ((0, 0, 0), 100000, RefundAllocation((0, 0, 0), 0, 100000)),
        # Full refund after one payment: it all comes back.
        ((33334, 0, 0), 100000, RefundAllocation((0, 0, 0), 33334, 66666)),
        # Everything paid: every cent of the refund is paid back, last instalment first.
        ((33334, 33333, 33333), 50000, RefundAllocation((33334, 16666, 0), 50000, 0)),
        # A part payment on the second instalment is respected before eating paid money.
        ((33334, 10000, 0), 60000, RefundAllocation((33334, 6666, 0), 3334, 56666)),
        ((33334, 10000, 0), 0, RefundAllocation(S1_AMOUNTS, 0, 0)),
    ],
)
def test_refund_waterfall(
    paid: tuple[int, int, int], refund: int, expected: RefundAllocation
) -> None:
    slots = [Slot(amount, p) for amount, p in zip(S1_AMOUNTS, paid, strict=True)]
    assert allocate_refund(slots, refund) == expected


def test_refund_larger_than_the_total_is_refused() -> None:
    with pytest.raises(ValueError, match="exceeds the plan total 100000"):
        allocate_refund([Slot(a, 0) for a in S1_AMOUNTS], 100001)


@pytest.mark.parametrize(
    ("slots", "amount", "message"),
    [
        ([Slot(100, 0)], -1, "negative"),
        ([Slot(-1, 0)], 0, "negative"),
        ([Slot(100, -1)], 0, "negative"),
    ],
)
def test_bad_input_is_refused(slots: list[Slot], amount: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        allocate_refund(slots, amount)
    with pytest.raises(ValueError, match=message):
        allocate_payment(slots, amount)


@pytest.mark.parametrize(
    ("paid", "payment", "expected"),
    [
        ((0, 0, 0), 33334, PaymentAllocation((33334, 0, 0), 0)),
        ((0, 0, 0), 50000, PaymentAllocation((33334, 16666, 0), 0)),
        ((33334, 0, 0), 33333, PaymentAllocation((0, 33333, 0), 0)),
        ((33334, 20000, 0), 20000, PaymentAllocation((0, 13333, 6667), 0)),
        ((33334, 33333, 0), 40000, PaymentAllocation((0, 0, 33333), 6667)),
        ((33334, 33333, 33333), 500, PaymentAllocation((0, 0, 0), 500)),
        ((0, 0, 0), 0, PaymentAllocation((0, 0, 0), 0)),
    ],
)
def test_payment_waterfall(
    paid: tuple[int, int, int], payment: int, expected: PaymentAllocation
) -> None:
    slots = [Slot(amount, p) for amount, p in zip(S1_AMOUNTS, paid, strict=True)]
    assert allocate_payment(slots, payment) == expected


def test_second_refund_after_a_payback() -> None:
    # After S6 the second instalment shows amount 16666 with 33333 paid: 16667 went back.
    slots = [Slot(33334, 33334), Slot(16666, 33333), Slot(0, 0)]
    assert allocate_refund(slots, 10000) == RefundAllocation((33334, 6666, 0), 10000, 0)
    assert allocate_refund(slots, 50000) == RefundAllocation((0, 0, 0), 50000, 0)
    assert allocate_payment(slots, 500) == PaymentAllocation((0, 0, 0), 500)


def test_overpaid_instalment_is_not_owed_again() -> None:
    slots = [Slot(100, 150), Slot(100, 0)]
    assert allocate_refund(slots, 100) == RefundAllocation((100, 0), 0, 100)
    assert allocate_refund(slots, 150) == RefundAllocation((50, 0), 50, 100)
    assert allocate_payment(slots, 120) == PaymentAllocation((0, 100), 20)


def test_empty_plan() -> None:
    assert allocate_refund([], 0) == RefundAllocation((), 0, 0)
    assert allocate_payment([], 700) == PaymentAllocation((), 700)


# --- properties -----------------------------------------------------------------------------


@st.composite
def slots_strategy(draw: st.DrawFn) -> list[Slot]:
    amounts = draw(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12))
    # Sometimes allow paid > amount, the state an instalment is left in after a payback.
    ceiling = draw(st.sampled_from([1, 1, 1, 2]))
    return [Slot(a, draw(st.integers(min_value=0, max_value=a * ceiling))) for a in amounts]


def _paid(slot: Slot) -> int:
    return min(slot.paid, slot.amount)


@st.composite
def slots_and_refund(draw: st.DrawFn) -> tuple[list[Slot], int]:
    slots = draw(slots_strategy())
    return slots, draw(st.integers(min_value=0, max_value=sum(s.amount for s in slots)))


@given(case=slots_and_refund())
def test_refund_invariants(case: tuple[list[Slot], int]) -> None:
    slots, refund = case
    result = allocate_refund(slots, refund)
    old_total = sum(s.amount for s in slots)
    new_total = sum(result.new_amounts)
    # Equal to sum(s.paid) unless an instalment was overpaid by an earlier payback.
    total_paid = sum(_paid(s) for s in slots)
    assert len(result.new_amounts) == len(slots)
    assert new_total == old_total - refund
    assert result.payback == max(0, total_paid - new_total)
    assert result.receivable_reduction == refund - result.payback
    assert all(0 <= new <= s.amount for new, s in zip(result.new_amounts, slots, strict=True))
    # The outstanding balance (what is still owed) never goes up and falls by exactly the
    # receivable reduction.
    owed_before = old_total - total_paid
    owed_after = sum(max(0, new - s.paid) for new, s in zip(result.new_amounts, slots, strict=True))
    assert owed_after == owed_before - result.receivable_reduction
    # Paid money is only touched once nothing is owed any more.
    if result.payback > 0:
        assert owed_after == 0


@given(case=slots_and_refund())
def test_refund_reduces_later_instalments_first(case: tuple[list[Slot], int]) -> None:
    slots, refund = case
    result = allocate_refund(slots, refund)
    reduced = [
        i
        for i, (new, s) in enumerate(zip(result.new_amounts, slots, strict=True))
        if new < s.amount
    ]
    if result.payback == 0 and reduced:
        # Pass 1 only: every instalment after the first one touched has lost all its unpaid part.
        first = reduced[0]
        for later in range(first + 1, len(slots)):
            assert result.new_amounts[later] == _paid(slots[later])


@given(slots=slots_strategy(), payment=st.integers(min_value=0, max_value=10**10))
def test_payment_invariants(slots: list[Slot], payment: int) -> None:
    result = allocate_payment(slots, payment)
    owed = [s.amount - _paid(s) for s in slots]
    assert sum(result.applied) + result.credit == payment
    assert all(0 <= a <= o for a, o in zip(result.applied, owed, strict=True))
    assert result.credit == max(0, payment - sum(owed))
    # Earliest first: an instalment only receives money once all earlier ones are settled.
    for i, applied in enumerate(result.applied):
        if applied > 0:
            assert all(result.applied[j] == owed[j] for j in range(i))
