"""The sandbox processor: test card numbers, their outcomes, and the checks on a card."""

from __future__ import annotations

from datetime import date

import pytest

from paylater.config import Settings
from paylater.kit.errors import BadValue
from paylater.kit.money import Money
from paylater.payments.processor import (
    DeclineReason,
    ProcessorUnavailable,
    SandboxProcessor,
    brand_of,
    luhn_valid,
    processor_for,
)

TODAY = date(2026, 12, 1)


def _charge(processor: SandboxProcessor, number: str, key: str = "k1") -> tuple[bool, str | None]:
    card = processor.tokenize(number=number, exp_month=12, exp_year=2030, cvc="737", today=TODAY)
    outcome = processor.charge(token=card.token, amount=Money(1000, "SEK"), idempotency_key=key)
    return outcome.approved, outcome.decline_reason.value if outcome.decline_reason else None


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("4111111111111111", (True, None)),
        ("5555555555554444", (True, None)),
        ("4000000000000002", (False, "card_declined")),
        ("4000000000009995", (False, "insufficient_funds")),
        ("4000000000000069", (False, "expired_card")),
        ("4242 4242 4242 4242", (True, None)),  # any other valid number is approved
    ],
)
def test_test_numbers_give_their_outcome(number: str, expected: tuple[bool, str | None]) -> None:
    assert _charge(SandboxProcessor(), number) == expected


def test_tokenize_keeps_only_what_may_be_shown() -> None:
    card = SandboxProcessor().tokenize(
        number="5555-5555-5555-4444", exp_month=3, exp_year=29, cvc="123", today=TODAY
    )
    shown = (card.brand, card.last4, card.exp_month, card.exp_year)
    assert shown == ("mastercard", "4444", 3, 2029)
    assert "5555555555554444" not in card.token
    other = SandboxProcessor().tokenize(
        number="5555555555554444", exp_month=3, exp_year=2029, cvc="123", today=TODAY
    )
    assert other.token != card.token  # random: the same card never gives the same token


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4111111111111112", "check digit"),
        ("4111-1111-1111-111a", "only digits"),
        ("41111111111", "12 to 19 digits"),
        ("", "required"),
    ],
)
def test_bad_numbers_are_refused_clearly(number: str, message: str) -> None:
    with pytest.raises(BadValue, match=message):
        SandboxProcessor().tokenize(
            number=number, exp_month=12, exp_year=2030, cvc="737", today=TODAY
        )


@pytest.mark.parametrize(
    ("month", "year", "message"),
    [
        (11, 2026, "expired at the end of 11/2026"),
        (12, 2025, "expired"),
        (13, 2030, "month must be between 1 and 12"),
        (0, 2030, "month must be between 1 and 12"),
        (1, 1999, "four-digit year"),
        (1, 2070, "too far"),
    ],
)
def test_bad_expiry_is_refused_clearly(month: int, year: int, message: str) -> None:
    with pytest.raises(BadValue, match=message):
        SandboxProcessor().tokenize(
            number="4111111111111111", exp_month=month, exp_year=year, cvc="737", today=TODAY
        )


def test_a_card_is_valid_to_the_end_of_its_month() -> None:
    card = SandboxProcessor().tokenize(
        number="4111111111111111", exp_month=12, exp_year=2026, cvc="737", today=TODAY
    )
    assert (card.exp_month, card.exp_year) == (12, 2026)


@pytest.mark.parametrize(
    ("number", "cvc"), [("4111111111111111", "12"), ("378282246310005", "123")]
)
def test_bad_security_code_is_refused(number: str, cvc: str) -> None:
    with pytest.raises(BadValue, match="security code"):
        SandboxProcessor().tokenize(
            number=number, exp_month=12, exp_year=2030, cvc=cvc, today=TODAY
        )


def test_luhn_and_brands() -> None:
    assert luhn_valid("4111111111111111") and luhn_valid("378282246310005")
    assert not luhn_valid("4111111111111121")
    assert brand_of("4111111111111111") == "visa"
    assert brand_of("2223003122003222") == "mastercard"
    assert brand_of("378282246310005") == "amex"
    assert brand_of("6011111111111117") == "card"


def test_same_idempotency_key_gets_the_first_outcome() -> None:
    processor = SandboxProcessor()
    card = processor.tokenize(
        number="4111111111111111", exp_month=12, exp_year=2030, cvc="737", today=TODAY
    )
    first = processor.charge(token=card.token, amount=Money(500, "EUR"), idempotency_key="k")
    again = processor.charge(token=card.token, amount=Money(500, "EUR"), idempotency_key="k")
    assert first == again and first.processor_reference
    with pytest.raises(BadValue, match="idempotency key"):
        processor.charge(token=card.token, amount=Money(600, "EUR"), idempotency_key="k")
    with pytest.raises(BadValue, match="positive"):
        processor.charge(token=card.token, amount=Money(0, "EUR"), idempotency_key="z")
    assert DeclineReason("insufficient_funds") is DeclineReason.INSUFFICIENT_FUNDS


def test_processor_for_settings(settings: Settings) -> None:
    assert isinstance(processor_for(settings), SandboxProcessor)
    live = settings.model_copy(update={"sandbox": False})
    with pytest.raises(ProcessorUnavailable):
        processor_for(live)
