from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paylater.plans.calendar import add_business_days, is_business_day, next_business_day

countries = st.sampled_from(["SE", "DE", "FR", "GB", "US"])
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31))


@pytest.mark.parametrize(
    ("day", "country", "expected"),
    [
        (date(2027, 1, 19), "FR", True),  # a Tuesday
        (date(2027, 1, 30), "SE", False),  # Saturday
        (date(2027, 1, 31), "SE", False),  # Sunday
        (date(2027, 1, 1), "DE", False),  # New Year's Day, Friday
        (date(2027, 1, 6), "SE", False),  # Epiphany is public in Sweden
        (date(2027, 1, 6), "DE", True),  # ... but only regional in Germany
        (date(2026, 12, 31), "SE", True),  # New Year's Eve is de facto, not public
        (date(2026, 12, 24), "SE", True),  # Christmas Eve likewise
        (date(2026, 6, 19), "SE", True),  # Midsummer Eve likewise
        (date(2026, 7, 14), "FR", False),  # Bastille Day, Tuesday
        (date(2026, 12, 25), "GB", False),
        (date(2026, 12, 28), "GB", False),  # Boxing Day (observed)
        (date(2027, 7, 5), "US", False),  # Independence Day (observed)
        (date(2027, 6, 18), "US", False),  # Juneteenth (observed)
        (date(2026, 10, 3), "DE", False),  # German Unity Day on a Saturday
        (date(2026, 10, 5), "DE", True),  # ... is not observed on the Monday, unlike GB/US
    ],
)
def test_is_business_day(day: date, country: str, expected: bool) -> None:
    assert is_business_day(day, country) is expected


@pytest.mark.parametrize(
    ("day", "country", "expected"),
    [
        (date(2027, 1, 19), "FR", date(2027, 1, 19)),  # already one
        (date(2027, 1, 30), "SE", date(2027, 2, 1)),  # S1's Saturday
        (date(2027, 1, 1), "DE", date(2027, 1, 4)),  # S3's New Year's Day
        (date(2026, 12, 25), "GB", date(2026, 12, 29)),  # Christmas, Boxing Day observed Monday
        (date(2026, 12, 25), "SE", date(2026, 12, 28)),
        (date(2027, 7, 3), "US", date(2027, 7, 6)),  # Sat, Sun, Mon observed
        (date(2027, 5, 8), "FR", date(2027, 5, 10)),  # Victory Day on a Saturday
        (date(2027, 5, 6), "FR", date(2027, 5, 7)),  # Ascension Thursday
        (date(2026, 12, 31), "US", date(2026, 12, 31)),
        (date(2027, 12, 31), "US", date(2028, 1, 3)),  # New Year observed on Dec 31, across years
        (date(2027, 12, 25), "DE", date(2027, 12, 27)),
    ],
)
def test_next_business_day(day: date, country: str, expected: date) -> None:
    assert next_business_day(day, country) == expected


@pytest.mark.parametrize(
    ("day", "n", "country", "expected"),
    [
        (date(2027, 1, 19), 3, "FR", date(2027, 1, 22)),  # S7 grace ends
        (date(2027, 1, 19), 4, "FR", date(2027, 1, 25)),  # S7: first possible overdue day
        (date(2027, 1, 15), 3, "SE", date(2027, 1, 20)),  # S8 grace 18, 19, 20
        (date(2027, 1, 15), 4, "SE", date(2027, 1, 21)),  # S8 overdue reminder
        (date(2026, 12, 23), 1, "GB", date(2026, 12, 24)),
        (date(2026, 12, 24), 1, "GB", date(2026, 12, 29)),
        (date(2026, 12, 30), 2, "DE", date(2027, 1, 4)),  # across the year and New Year's Day
        (date(2027, 1, 4), -1, "DE", date(2026, 12, 31)),
        (date(2027, 1, 30), 0, "SE", date(2027, 1, 30)),
    ],
)
def test_add_business_days(day: date, n: int, country: str, expected: date) -> None:
    assert add_business_days(day, n, country) == expected


@pytest.mark.parametrize("country", ["XX", "se", "", "Sweden"])
def test_unknown_country_is_refused(country: str) -> None:
    with pytest.raises(ValueError, match="unknown country"):
        is_business_day(date(2027, 1, 4), country)
    with pytest.raises(ValueError, match="unknown country"):
        next_business_day(date(2027, 1, 2), country)
    with pytest.raises(ValueError, match="unknown country"):
        add_business_days(date(2027, 1, 2), 0, country)


@given(day=days, country=countries)
def test_next_business_day_is_the_first_one_on_or_after(day: date, country: str) -> None:
    result = next_business_day(day, country)
    assert result >= day
    assert is_business_day(result, country)
    assert (result - day).days < 10
    probe = day
    while probe < result:
        assert not is_business_day(probe, country)
        probe += timedelta(days=1)


@given(day=days, n=st.integers(min_value=-30, max_value=30), country=countries)
def test_add_business_days_counts_exactly_n(day: date, n: int, country: str) -> None:
    result = add_business_days(day, n, country)
    step = timedelta(days=1)
    if n >= 0:
        # Business days in (day, result]
        window = [day + step * i for i in range(1, (result - day).days + 1)]
    else:
        # Business days in [result, day)
        window = [result + step * i for i in range((day - result).days)]
    assert sum(is_business_day(d, country) for d in window) == abs(n)
    if n != 0:
        assert is_business_day(result, country)


def test_the_countries_accepted_are_those_the_holidays_library_supports() -> None:
    import holidays

    from paylater.plans.calendar import _supported_countries

    assert _supported_countries() == frozenset(holidays.list_supported_countries())
