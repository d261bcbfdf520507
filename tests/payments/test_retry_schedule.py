"""Which autopay attempt is due on a day: the due date, then +1, +3 and +7 after a failure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from paylater.payments.tasks import next_attempt, retry_day

DUE = date(2027, 1, 15)


def _day(offset: int) -> date:
    return DUE + timedelta(days=offset)


def _declined(*offsets: int) -> list[tuple[int, str, date]]:
    return [(n, "declined", _day(offset)) for n, offset in enumerate(offsets, start=1)]


@pytest.mark.parametrize(
    ("offset", "attempts", "expected"),
    [
        (-1, [], None),
        (0, [], 1),
        (1, [], 1),  # became due after its day's run
        (2, [], None),
        (0, _declined(0), None),
        (1, _declined(0), 2),
        (2, _declined(0, 1), None),
        (3, _declined(0, 1), 3),
        (5, _declined(0, 1, 3), None),
        (7, _declined(0, 1, 3), 4),
        (8, _declined(0, 1, 3), 4),  # a missed day is caught up
        (8, _declined(0, 1, 3, 7), None),
        (30, _declined(0, 1, 3, 7), None),
        (3, [(1, "declined", _day(0)), (2, "approved", _day(1))], None),
        (2, _declined(1), 2),  # retries count from the first failed day
        (4, _declined(1, 2), 3),
    ],
)
def test_next_attempt(
    offset: int, attempts: list[tuple[int, str, date]], expected: int | None
) -> None:
    assert next_attempt(DUE, _day(offset), attempts) == expected


def test_retry_day() -> None:
    assert [retry_day(DUE, n) for n in (1, 2, 3, 4)] == [_day(1), _day(3), _day(7), None]
