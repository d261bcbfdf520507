"""Errors of card payments, each with its code and HTTP status."""

from __future__ import annotations

from paylater.kit.errors import BadValue, DomainError, NotFound


class CardDeclined(DomainError):
    """The processor refused the charge; nothing was paid (the declined charge is recorded)."""

    code = "CARD_DECLINED"
    status = 402

    def __init__(self, reason: str, *, charge_id: str) -> None:
        super().__init__(f"the card was declined: {reason}")
        self.reason = reason
        self.charge_id = charge_id


class NoSuchPaymentMethod(NotFound):
    code = "NO_SUCH_PAYMENT_METHOD"


class AmountExceedsOutstanding(BadValue):
    code = "AMOUNT_EXCEEDS_OUTSTANDING"


class NothingToPay(BadValue):
    code = "NOTHING_TO_PAY"
