"""Business days for due dates: Monday to Friday and not a public holiday of the country.

Only the ``public`` category of the ``holidays`` library counts. Swedish Christmas Eve, Midsummer
Eve and New Year's Eve are ``de_facto``/``bank`` days there, not public holidays, so a due date may
fall on them (S1 relies on 2026-12-31 being a business day).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
from holidays.registry import EntityLoader

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@lru_cache(maxsize=1)
def _supported_countries() -> frozenset[str]:
    # The registry's codes, aliases included: ``holidays.list_supported_countries()`` gives the
    # same codes but imports every country's module to list subdivisions (~0.1–0.4 s).
    return frozenset(EntityLoader.get_country_codes(True))


@lru_cache(maxsize=4096)
def _holiday_set(country: str, year: int) -> frozenset[date]:
    # One frozenset per (country, year), built on first use: schedule building touches a few
    # years at most, and a set lookup keeps a due-date move to a few hundred nanoseconds.
    if country not in _supported_countries():
        raise ValueError(
            f"unknown country {country!r}: expected an ISO 3166-1 alpha-2 code supported by "
            "the holidays library, e.g. 'SE', 'DE', 'FR', 'GB', 'US'"
        )
    public = holidays.country_holidays(country, years=year, categories=("public",))
    return frozenset(public.keys())


def is_business_day(day: date, country: str) -> bool:
    """True for Monday to Friday when the day is not a public holiday of ``country``."""
    holiday_set = _holiday_set(country, day.year)  # validates the country even on weekends
    return day.weekday() < _SATURDAY and day not in holiday_set


def next_business_day(day: date, country: str) -> date:
    """``day`` itself when it is a business day, else the first business day after it."""
    holiday_set = _holiday_set(country, day.year)
    while day.weekday() >= _SATURDAY or day in holiday_set:
        day += _ONE_DAY
        if day.month == 1 and day.day == 1:
            holiday_set = _holiday_set(country, day.year)
    return day


def add_business_days(day: date, n: int, country: str) -> date:
    """The ``n``-th business day after ``day`` (before it when ``n`` is negative).

    ``day`` itself is never counted, so ``add_business_days(due, 3, c)`` is the last day of a
    three-business-day grace period and ``n = 0`` returns ``day`` unchanged.
    """
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    _holiday_set(country, day.year)  # refuse an unknown country even when n = 0
    while remaining:
        day += step
        if is_business_day(day, country):
            remaining -= 1
    return day
