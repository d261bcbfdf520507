"""Ageing buckets for operators: boundaries, the grace period, pauses, currencies, countries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from paylater.credit.service import overdue_cutoff
from paylater.db import Database
from paylater.kit.clock import FixedClock
from tests.collections.support import ADMIN, TODAY, Debt, at_nine, end_pause, pause, pay


def _buckets(body: dict[str, Any], currency: str) -> dict[str, tuple[int, int]]:
    found = [entry for entry in body["currencies"] if entry["currency"] == currency]
    assert len(found) == 1, body
    return {b["bucket"]: (b["instalments"], b["amount"]) for b in found[0]["buckets"]}


def test_grace_period_of_the_example_day() -> None:
    # Monday 15 March: an instalment due Tuesday the 9th is past its three business days of
    # grace (10, 11, 12); one due Wednesday the 10th may still be paid by a transfer on its way.
    assert overdue_cutoff(TODAY, "SE") == TODAY - timedelta(days=6)


def test_ageing_buckets_at_their_boundaries(
    client: TestClient,
    make_debt: Callable[..., Debt],
    database: Database,
    clock: FixedClock,
) -> None:
    first = make_debt([31, 30, 1])  # 1 day past due is still within the grace period
    second = make_debt([90, 61, 60])
    third = make_debt([91, 6, 5])  # 6 days: the first overdue day; 5: still in grace
    paused = make_debt([100, 50, 10])
    held = pause(database, paused)
    make_debt([45, 44, 20], email="bo@example.fr", country="FR", given_name="Bo")
    pay(database, second, 10_000, TODAY)  # the earliest instalment (90 days) owes 20 000 more
    fully_paid = make_debt([70, 40, 35])
    pay(database, fully_paid, 30_000, TODAY)  # the 70-day instalment is paid: not ageing
    assert first != third

    clock.set(at_nine(TODAY))
    answer = client.get("/admin/v1/collections/ageing", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["as_of"] == "2027-03-15"
    assert body["country"] is None
    assert [entry["currency"] for entry in body["currencies"]] == ["EUR", "SEK"]
    assert _buckets(body, "SEK") == {
        "1-30": (2, 60_000),  # 30 and 6 days
        "31-60": (4, 120_000),  # 31, 60, and the paid order's 40 and 35
        "61-90": (2, 50_000),  # 90 (partly paid) and 61
        "90+": (1, 30_000),  # 91
    }
    sek = next(entry for entry in body["currencies"] if entry["currency"] == "SEK")
    assert (sek["instalments"], sek["amount"]) == (9, 260_000)
    assert sek["buckets"][0] == {
        "bucket": "1-30",
        "min_days": 1,
        "max_days": 30,
        "instalments": 2,
        "amount": 60_000,
    }
    assert sek["buckets"][3]["max_days"] is None
    assert _buckets(body, "EUR") == {
        "1-30": (1, 30_000),
        "31-60": (2, 60_000),
        "61-90": (0, 0),
        "90+": (0, 0),
    }

    # Filtered by country.
    only_fr = client.get("/admin/v1/collections/ageing?country=FR", headers=ADMIN).json()
    assert only_fr["country"] == "FR"
    assert [entry["currency"] for entry in only_fr["currencies"]] == ["EUR"]
    only_se = client.get("/admin/v1/collections/ageing?country=se", headers=ADMIN).json()
    assert [entry["currency"] for entry in only_se["currencies"]] == ["SEK"]
    assert client.get("/admin/v1/collections/ageing?country=XX", headers=ADMIN).status_code == 400

    # The pause ends: the held order ages again.
    end_pause(database, held)
    after = client.get("/admin/v1/collections/ageing?country=SE", headers=ADMIN).json()
    assert _buckets(after, "SEK") == {
        "1-30": (3, 90_000),
        "31-60": (5, 150_000),
        "61-90": (2, 50_000),
        "90+": (2, 60_000),
    }

    # A day later every age moves by one: 30 → 31, 60 → 61, 90 → 91.
    clock.set(at_nine(TODAY + timedelta(days=1)))
    later = client.get("/admin/v1/collections/ageing?country=SE", headers=ADMIN).json()
    assert later["as_of"] == "2027-03-16"
    assert _buckets(later, "SEK") == {
        "1-30": (3, 90_000),  # 11, 7 and 6 (the one in grace yesterday)
        "31-60": (5, 150_000),  # 32, 31, 51, 41, 36
        "61-90": (2, 60_000),  # 62, 61
        "90+": (3, 80_000),  # 91 (partly paid), 92, 101
    }


def test_nothing_overdue_gives_no_currencies(
    client: TestClient, make_debt: Callable[..., Debt], clock: FixedClock
) -> None:
    make_debt([-10, -40, -70])
    clock.set(at_nine(TODAY))
    body = client.get("/admin/v1/collections/ageing", headers=ADMIN).json()
    assert body == {"as_of": "2027-03-15", "country": None, "currencies": []}
