"""Exact money: an integer count of minor units plus an ISO 4217 currency.

No float ever touches an amount. Rate maths uses `Decimal` and rounds once, half-even, to the
currency's exponent through :func:`round_minor`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel.numbers import format_currency, list_currencies

# ISO 4217 minor-unit exponents that differ from the common 2.
_EXPONENT_ZERO = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "UYI",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
_EXPONENT_THREE = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
_KNOWN = frozenset(list_currencies())


class CurrencyMismatch(ValueError):
    """Raised when two amounts of different currencies are combined."""


class UnknownCurrency(ValueError):
    """Raised for a code that is not an ISO 4217 currency."""


def is_currency(code: str) -> bool:
    return code in _KNOWN


def exponent(currency: str) -> int:
    """Number of minor-unit digits of an ISO 4217 currency (0, 2 or 3)."""
    if currency not in _KNOWN:
        raise UnknownCurrency(f"unknown currency {currency!r}")
    if currency in _EXPONENT_ZERO:
        return 0
    if currency in _EXPONENT_THREE:
        return 3
    return 2


def round_minor(value: Decimal) -> int:
    """Round a Decimal amount expressed in minor units to an integer, half-even."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def split(total: int, parts: int) -> list[int]:
    """Split ``total`` minor units into ``parts`` integers that sum to it exactly.

    Integer division; the remainder goes to the first part, so parts differ by at most one unit
    when the remainder is 0 or 1 and the first part carries any larger remainder.
    """
    if parts < 1:
        raise ValueError("parts must be at least 1")
    if total < 0:
        raise ValueError("total must not be negative")
    base, remainder = divmod(total, parts)
    return [base + remainder] + [base] * (parts - 1)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``Money(minor=12345, currency="EUR")`` is 123.45 EUR."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError("Money.minor must be an int of minor units")
        exponent(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a decimal string such as ``"89.90"`` into minor units, refusing extra digits."""
        value = Decimal(text)
        scaled = value.scaleb(exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{text} has more decimals than {currency} allows")
        return cls(int(scaled), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise TypeError("Money can only be multiplied by an int; use allocate() for rates")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def times_rate(self, rate: Decimal) -> Money:
        """Multiply by a Decimal rate, rounding once half-even to the minor unit."""
        return Money(round_minor(Decimal(self.minor) * rate), self.currency)

    def split(self, parts: int) -> list[Money]:
        return [Money(p, self.currency) for p in split(self.minor, parts)]

    @property
    def is_zero(self) -> bool:
        return self.minor == 0

    def to_decimal(self) -> Decimal:
        """The amount in major units, for display and rate maths only."""
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def format(self, locale: str = "en") -> str:
        """Format for a locale, e.g. ``1 000,00 kr`` for sv_SE or ``89,90 €`` for fr_FR."""
        babel_locale = locale.replace("-", "_")
        layout = _layout(self.currency, babel_locale)
        if layout is None or self.minor < 0:
            return str(format_currency(self.to_decimal(), self.currency, locale=babel_locale))
        return layout.apply(self.minor)

    def __str__(self) -> str:
        digits = exponent(self.currency)
        return f"{self.to_decimal():.{digits}f} {self.currency}"


@dataclass(frozen=True, slots=True)
class _Layout:
    """How babel lays out an amount of one currency in one locale, learnt once from a probe, so
    that formatting needs no pattern parsing (babel takes tens of microseconds per call)."""

    prefix: str
    group: str
    decimal: str
    suffix: str
    digits: int
    group_four_digits: bool  # some locales leave 1234 ungrouped but group 12 345

    def apply(self, minor: int) -> str:
        units, fraction = divmod(minor, 10**self.digits) if self.digits else (minor, 0)
        text = str(units)
        if len(text) > 4 or (len(text) == 4 and self.group_four_digits):
            head = len(text) % 3 or 3
            parts = [text[:head]] + [text[i : i + 3] for i in range(head, len(text), 3)]
            text = self.group.join(parts)
        if self.digits:
            text = f"{text}{self.decimal}{fraction:0{self.digits}d}"
        return f"{self.prefix}{text}{self.suffix}"


@lru_cache(maxsize=512)
def _layout(currency: str, locale: str) -> _Layout | None:
    digits = exponent(currency)
    fraction = "891"[:digits]
    probe = Decimal(f"1234567.{fraction}") if digits else Decimal(1234567)
    shown = str(format_currency(probe, currency, locale=locale))
    decimals = r"(?P<decimal>\D+)" + fraction if digits else ""
    pattern = r"^(?P<prefix>.*?)1(?P<group>\D+)234(?P=group)567" + decimals + r"(?P<suffix>.*)$"
    found = re.match(pattern, shown, re.DOTALL)
    if found is None:
        return None
    small = Decimal(f"1234.{fraction}") if digits else Decimal(1234)
    layout = _Layout(
        prefix=found["prefix"],
        group=found["group"],
        decimal=found["decimal"] if digits else "",
        suffix=found["suffix"],
        digits=digits,
        group_four_digits=False,
    )
    grouped = replace(layout, group_four_digits=True)
    wanted = str(format_currency(small, currency, locale=locale))
    for candidate in (layout, grouped):
        if candidate.apply(int(small.scaleb(digits))) == wanted:
            return candidate
    return None
