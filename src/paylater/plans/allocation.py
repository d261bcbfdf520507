"""Refund and payment waterfalls over a plan's instalments.

A refund first removes what is still owed, starting from the last instalment, because the consumer
should keep paying the earliest instalments on their original dates and never be asked for money
that is about to be returned. Only when nothing is owed any more does the refund eat into amounts
already paid; that part is paid back to the consumer. Payments go the other way: the earliest unpaid
instalment first, anything beyond what is owed becomes a credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Slot:
    """An instalment's current amount due and what has been paid on it.

    ``paid`` may exceed ``amount`` after a refund that paid money back (S6: amount 166.66, paid
    333.33). The excess is taken as already returned or credited, so only ``min(paid, amount)``
    counts as paid here; a second refund or a payment then behaves as if ``paid`` had been lowered.
    """

    amount: int
    paid: int


@dataclass(frozen=True, slots=True)
class RefundAllocation:
    """New instalment amounts after a refund; ``payback`` goes back to the consumer.

    ``receivable_reduction`` is what the consumer no longer owes (``refund − payback``).
    """

    new_amounts: tuple[int, ...]
    payback: int
    receivable_reduction: int


@dataclass(frozen=True, slots=True)
class PaymentAllocation:
    """How much of a payment goes to each instalment, and the excess kept as ``credit``."""

    applied: tuple[int, ...]
    credit: int


def allocate_refund(slots: Sequence[Slot], refund: int) -> RefundAllocation:
    """Lower instalment amounts by ``refund``: unpaid parts from the last backwards, then paid ones.

    Afterwards ``sum(new_amounts) = sum(amounts) − refund`` and
    ``payback = max(0, total_paid − new_total)``, where ``total_paid`` counts ``min(paid, amount)``
    per instalment. A refund above the total raises ``ValueError``.
    """
    _validate_slots(slots)
    if refund < 0:
        raise ValueError("refund must not be negative")
    total = sum(slot.amount for slot in slots)
    if refund > total:
        raise ValueError(f"refund {refund} exceeds the plan total {total}")

    amounts = [slot.amount for slot in slots]
    remaining = refund
    for i in reversed(range(len(slots))):
        if remaining == 0:
            break
        cut = min(remaining, max(0, amounts[i] - slots[i].paid))
        amounts[i] -= cut
        remaining -= cut

    # Every unpaid part is gone now, so whatever is left comes out of paid money.
    payback = remaining
    for i in reversed(range(len(slots))):
        if remaining == 0:
            break
        cut = min(remaining, amounts[i])
        amounts[i] -= cut
        remaining -= cut

    return RefundAllocation(tuple(amounts), payback, refund - payback)


def allocate_payment(slots: Sequence[Slot], payment: int) -> PaymentAllocation:
    """Apply ``payment`` to the earliest unpaid instalment first; the excess is ``credit``."""
    _validate_slots(slots)
    if payment < 0:
        raise ValueError("payment must not be negative")
    applied: list[int] = []
    remaining = payment
    for slot in slots:
        share = min(remaining, max(0, slot.amount - slot.paid))
        applied.append(share)
        remaining -= share
    return PaymentAllocation(tuple(applied), remaining)


def _validate_slots(slots: Sequence[Slot]) -> None:
    for seq, slot in enumerate(slots, start=1):
        if slot.amount < 0 or slot.paid < 0:
            raise ValueError(f"instalment {seq}: amount and paid must not be negative")
