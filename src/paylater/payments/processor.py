"""The card-processor adapter: tokenize a card once, then charge its token.

paylater never keeps a card number or a CVC: :meth:`CardProcessor.tokenize` hands them to the
processor and gets back an opaque token plus what may be shown (brand, last four digits, expiry).
Charges carry an idempotency key, so a charge repeated after a crash (the processor answered but
our transaction never committed) is answered with the first outcome instead of charging twice.

The built-in :class:`SandboxProcessor` moves no money. It knows the usual test numbers:

=====================  ==========================
4111111111111111       approved (Visa)
5555555555554444       approved (Mastercard)
4000000000000002       declined: ``card_declined``
4000000000009995       declined: ``insufficient_funds``
4000000000000069       declined: ``expired_card``
=====================  ==========================

Any other number that passes the checks is approved. The outcome a sandbox token leads to is
written into the token next to random characters; the number itself cannot be recovered from it.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from paylater.config import Settings
from paylater.kit.errors import BadValue, DomainError
from paylater.kit.money import Money


class DeclineReason(StrEnum):
    CARD_DECLINED = "card_declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    EXPIRED_CARD = "expired_card"


@dataclass(frozen=True, slots=True)
class CardToken:
    """What paylater may keep of a card."""

    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True, slots=True)
class ChargeOutcome:
    approved: bool
    decline_reason: DeclineReason | None = None
    processor_reference: str = ""


class CardProcessor(Protocol):
    """A payment processor that holds card numbers so that paylater does not have to."""

    name: str

    def tokenize(
        self, *, number: str, exp_month: int, exp_year: int, cvc: str, today: date
    ) -> CardToken:
        """Check the card and return a token for it; raises :class:`BadValue` for a bad card."""
        ...

    def charge(self, *, token: str, amount: Money, idempotency_key: str) -> ChargeOutcome:
        """Charge ``amount`` to the card; the same key always gets the first key's outcome."""
        ...


class ProcessorUnavailable(DomainError):
    code = "CARD_PROCESSOR_UNAVAILABLE"
    status = 503


# --- card checks (pure) -----------------------------------------------------------------------


def normalize_number(number: str) -> str:
    """The digits of a card number as typed, allowing spaces and dashes between groups."""
    digits = number.replace(" ", "").replace("-", "")
    if not digits:
        raise BadValue("card number is required")
    if not digits.isascii() or not digits.isdigit():
        raise BadValue("card number must contain only digits")
    if not 12 <= len(digits) <= 19:
        raise BadValue("card number must have 12 to 19 digits")
    return digits


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check digit test that every card number passes."""
    total = 0
    for index, character in enumerate(reversed(digits)):
        value = int(character)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def brand_of(digits: str) -> str:
    if digits.startswith("4"):
        return "visa"
    prefix2, prefix4 = int(digits[:2]), int(digits[:4])
    if 51 <= prefix2 <= 55 or 2221 <= prefix4 <= 2720:
        return "mastercard"
    if prefix2 in (34, 37):
        return "amex"
    return "card"


def check_expiry(exp_month: int, exp_year: int, today: date) -> tuple[int, int]:
    """Validate an expiry (a two-digit year means 20YY); a card is valid to its month's end."""
    if not 1 <= exp_month <= 12:
        raise BadValue("expiry month must be between 1 and 12")
    if 0 <= exp_year <= 99:
        exp_year += 2000
    if not 2000 <= exp_year <= 2099:
        raise BadValue("expiry year must be a four-digit year")
    if is_expired(exp_month, exp_year, today):
        raise BadValue(f"the card expired at the end of {exp_month:02d}/{exp_year}")
    if exp_year > today.year + 20:
        raise BadValue("expiry year is too far in the future")
    return exp_month, exp_year


def is_expired(exp_month: int, exp_year: int, today: date) -> bool:
    return (exp_year, exp_month) < (today.year, today.month)


def check_cvc(cvc: str, brand: str) -> None:
    length = 4 if brand == "amex" else 3
    if not (cvc.isascii() and cvc.isdigit() and len(cvc) == length):
        raise BadValue(f"security code must be {length} digits")


def check_card(
    number: str, exp_month: int, exp_year: int, cvc: str, today: date
) -> tuple[str, int, int]:
    """The card's digits and normalized expiry, or :class:`BadValue` saying what is wrong."""
    digits = normalize_number(number)
    if not luhn_valid(digits):
        raise BadValue("card number is not valid (check digit mismatch); please check it")
    month, year = check_expiry(exp_month, exp_year, today)
    check_cvc(cvc, brand_of(digits))
    return digits, month, year


# --- the sandbox ------------------------------------------------------------------------------

_APPROVE = "ok"
# The test numbers and what they do, for the sandbox portal to show.
SANDBOX_TEST_CARDS: tuple[tuple[str, str], ...] = (
    ("4111111111111111", "approved"),
    ("5555555555554444", "approved"),
    ("4000000000000002", DeclineReason.CARD_DECLINED.value),
    ("4000000000009995", DeclineReason.INSUFFICIENT_FUNDS.value),
    ("4000000000000069", DeclineReason.EXPIRED_CARD.value),
)
_BEHAVIOUR_BY_NUMBER: dict[str, str] = {
    number: outcome for number, outcome in SANDBOX_TEST_CARDS if outcome != "approved"
}
_TOKEN_PREFIX = "tok_sbx_"  # noqa: S105 - a prefix, not a secret
# Idempotency keys the sandbox remembers (a real processor keeps them for about a day).
_REMEMBERED_KEYS = 100_000


class SandboxProcessor:
    """A processor that moves no money and answers test card numbers as documented above."""

    name = "sandbox"

    def __init__(self) -> None:
        # Outcomes by idempotency key, like a real processor: a repeated key with another amount
        # or card is refused.
        self._seen: OrderedDict[str, tuple[str, Money, ChargeOutcome]] = OrderedDict()
        self._lock = threading.Lock()

    def tokenize(
        self, *, number: str, exp_month: int, exp_year: int, cvc: str, today: date
    ) -> CardToken:
        digits, month, year = check_card(number, exp_month, exp_year, cvc, today)
        behaviour = _BEHAVIOUR_BY_NUMBER.get(digits, _APPROVE)
        return CardToken(
            token=f"{_TOKEN_PREFIX}{behaviour}_{secrets.token_hex(16)}",
            brand=brand_of(digits),
            last4=digits[-4:],
            exp_month=month,
            exp_year=year,
        )

    def charge(self, *, token: str, amount: Money, idempotency_key: str) -> ChargeOutcome:
        if amount.minor <= 0:
            raise BadValue("a card charge must be for a positive amount")
        if not token.startswith(_TOKEN_PREFIX):
            raise BadValue("not a sandbox card token")
        behaviour = token[len(_TOKEN_PREFIX) :].rsplit("_", 1)[0]
        with self._lock:
            seen = self._seen.get(idempotency_key)
            if seen is not None:
                if seen[:2] != (token, amount):
                    raise BadValue("idempotency key reused for another charge")
                return seen[2]
            if behaviour == _APPROVE:
                outcome = ChargeOutcome(True, None, f"ch_sbx_{secrets.token_hex(8)}")
            else:
                outcome = ChargeOutcome(False, DeclineReason(behaviour), "")
            self._seen[idempotency_key] = (token, amount, outcome)
            if len(self._seen) > _REMEMBERED_KEYS:
                self._seen.popitem(last=False)
            return outcome


_SANDBOX = SandboxProcessor()


def processor_for(settings: Settings) -> CardProcessor:
    """The configured card processor: the sandbox in a sandbox deployment.

    No live processor is built in; a live deployment must not take sandbox cards, whose approvals
    would mark debts paid without any money arriving.
    """
    if settings.sandbox:
        return _SANDBOX
    raise ProcessorUnavailable("no card processor is configured for this deployment")
