from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paylater.kit.money import (
    CurrencyMismatch,
    Money,
    UnknownCurrency,
    exponent,
    round_minor,
    split,
)

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space: the French thousands separator in CLDR

currencies = st.sampled_from(["JPY", "ISK", "SEK", "EUR", "GBP", "USD", "KWD", "BHD"])
minor_amounts = st.integers(min_value=-(10**15), max_value=10**15)


# --- construction and exponents ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("JPY", 0), ("ISK", 0), ("SEK", 2), ("EUR", 2), ("GBP", 2), ("KWD", 3), ("BHD", 3)],
)
def test_exponent(currency: str, digits: int) -> None:
    assert exponent(currency) == digits


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrency):
        exponent("XYZ")
    with pytest.raises(UnknownCurrency):
        Money(100, "XYZ")


@pytest.mark.parametrize("bad", [1.5, True, Decimal("1"), "100"])
def test_minor_must_be_an_int(bad: object) -> None:
    with pytest.raises(TypeError):
        Money(bad, "EUR")  # type: ignore[arg-type]


# --- arithmetic -----------------------------------------------------------------------------


def test_same_currency_arithmetic() -> None:
    a, b = Money(8990, "EUR"), Money(1010, "EUR")
    assert a + b == Money(10000, "EUR")
    assert a - b == Money(7980, "EUR")
    assert -a == Money(-8990, "EUR")
    assert a * 3 == Money(26970, "EUR")
    assert 3 * a == Money(26970, "EUR")
    assert b < a
    assert a >= b
    assert Money.zero("SEK").is_zero
    assert not a.is_zero


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_mixed_currencies_are_refused(operation: object) -> None:
    assert callable(operation)
    with pytest.raises(CurrencyMismatch):
        operation(Money(100, "EUR"), Money(100, "SEK"))


def test_multiplying_by_a_non_int_is_refused() -> None:
    with pytest.raises(TypeError):
        Money(100, "EUR") * Decimal("1.5")  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(100, "EUR") * 1.5  # type: ignore[operator]


@given(a=minor_amounts, b=minor_amounts, c=minor_amounts, currency=currencies)
def test_addition_is_associative_and_commutative(a: int, b: int, c: int, currency: str) -> None:
    x, y, z = Money(a, currency), Money(b, currency), Money(c, currency)
    assert x + y == y + x
    assert (x + y) + z == x + (y + z)
    assert (x + y).minor == a + b


# --- rates and rounding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "rate", "expected"),
    [
        (5, "0.5", 2),  # 2.5 -> 2 (even)
        (15, "0.5", 8),  # 7.5 -> 8 (even)
        (25, "0.5", 12),  # 12.5 -> 12
        (-5, "0.5", -2),  # -2.5 -> -2
        (100000, "0.0165833", 1658),  # 1658.33 -> 1658
        (1200000, "0.199", 238800),
    ],
)
def test_times_rate_rounds_half_even(minor: int, rate: str, expected: int) -> None:
    assert Money(minor, "SEK").times_rate(Decimal(rate)) == Money(expected, "SEK")


def _half_even(value: Fraction) -> int:
    floor = value.numerator // value.denominator
    rest = value - floor
    if rest > Fraction(1, 2):
        return floor + 1
    if rest < Fraction(1, 2):
        return floor
    return floor if floor % 2 == 0 else floor + 1


@given(
    minor=minor_amounts,
    rate=st.decimals(min_value=Decimal("-10"), max_value=Decimal("10"), places=6, allow_nan=False),
)
def test_times_rate_matches_exact_half_even(minor: int, rate: Decimal) -> None:
    expected = _half_even(Fraction(minor) * Fraction(rate))
    assert Money(minor, "EUR").times_rate(rate).minor == expected


def test_round_minor() -> None:
    assert round_minor(Decimal("0.5")) == 0
    assert round_minor(Decimal("1.5")) == 2
    assert round_minor(Decimal("19900.4999")) == 19900
    assert round_minor(Decimal("-3.5")) == -4


# --- split ----------------------------------------------------------------------------------


def test_split_remainder_goes_to_the_first_part() -> None:
    assert split(100000, 3) == [33334, 33333, 33333]
    assert split(12000, 4) == [3000, 3000, 3000, 3000]
    assert split(11, 4) == [5, 2, 2, 2]
    assert split(0, 2) == [0, 0]
    assert Money(100000, "SEK").split(3) == [
        Money(33334, "SEK"),
        Money(33333, "SEK"),
        Money(33333, "SEK"),
    ]


def test_split_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="parts"):
        split(100, 0)
    with pytest.raises(ValueError, match="negative"):
        split(-1, 2)


@given(
    total=st.integers(min_value=0, max_value=10**15),
    parts=st.integers(min_value=1, max_value=48),
    currency=currencies,
)
def test_split_property(total: int, parts: int, currency: str) -> None:
    pieces = Money(total, currency).split(parts)
    amounts = [p.minor for p in pieces]
    assert len(amounts) == parts
    assert sum(amounts) == total
    assert all(p.currency == currency for p in pieces)
    remainder = total % parts
    base = total // parts
    # The split's exact definition: the first part carries the whole remainder.
    assert amounts[0] == base + remainder
    assert all(a == base for a in amounts[1:])
    assert 0 <= remainder < parts
    if remainder <= 1:
        assert max(amounts) - min(amounts) <= 1


# --- parse and format -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("89.90", "EUR", 8990),
        ("89.9", "EUR", 8990),
        ("1000", "SEK", 100000),
        ("1234", "JPY", 1234),
        ("1.234", "KWD", 1234),
        ("0.001", "BHD", 1),
        ("-5.00", "GBP", -500),
    ],
)
def test_parse(text: str, currency: str, minor: int) -> None:
    assert Money.parse(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "currency"),
    [("89.901", "EUR"), ("1.5", "JPY"), ("0.0001", "KWD"), ("0.005", "SEK")],
)
def test_parse_refuses_too_many_decimals(text: str, currency: str) -> None:
    with pytest.raises(ValueError, match="decimals"):
        Money.parse(text, currency)


@pytest.mark.parametrize(
    ("money", "locale", "expected"),
    [
        (Money(123456, "SEK"), "sv_SE", f"1{NBSP}234,56{NBSP}kr"),
        (Money(8990, "EUR"), "sv_SE", f"89,90{NBSP}€"),
        (Money(123456, "EUR"), "fr_FR", f"1{NNBSP}234,56{NBSP}€"),
        (Money(8990, "EUR"), "fr-FR", f"89,90{NBSP}€"),
        (Money(123456, "EUR"), "de_DE", f"1.234,56{NBSP}€"),
        (Money(12000, "EUR"), "de_DE", f"120,00{NBSP}€"),
        (Money(123456, "GBP"), "en_GB", "£1,234.56"),
        (Money(8990, "EUR"), "en_GB", "€89.90"),
        (Money(1234, "JPY"), "en_GB", "JP¥1,234"),
        (Money(1234, "KWD"), "en_GB", "KWD1.234"),
    ],
)
def test_format_by_locale(money: Money, locale: str, expected: str) -> None:
    assert money.format(locale) == expected


@pytest.mark.parametrize(
    ("money", "expected"),
    [
        (Money(8990, "EUR"), "89.90 EUR"),
        (Money(1234, "JPY"), "1234 JPY"),
        (Money(1234, "KWD"), "1.234 KWD"),
        (Money(5, "SEK"), "0.05 SEK"),
    ],
)
def test_str(money: Money, expected: str) -> None:
    assert str(money) == expected


def test_to_decimal() -> None:
    assert Money(8990, "EUR").to_decimal() == Decimal("89.90")
    assert Money(1234, "KWD").to_decimal() == Decimal("1.234")
    assert Money(1234, "JPY").to_decimal() == Decimal("1234")


@pytest.mark.parametrize("locale", ["sv-SE", "fr-FR", "de-DE", "en-GB", "en-US", "es-ES", "hi-IN"])
@pytest.mark.parametrize("currency", ["SEK", "EUR", "GBP", "USD", "JPY", "KWD"])
def test_fast_formatting_matches_babel(locale: str, currency: str) -> None:
    from babel.numbers import format_currency

    for minor in (0, 7, 99, 100, 999, 1_000, 1_234, 9_999, 12_345, 123_456, 1_234_567, 10**12, -5):
        money = Money(minor, currency)
        expected = format_currency(money.to_decimal(), currency, locale=locale.replace("-", "_"))
        assert money.format(locale) == expected
