"""Fixtures for collections: captured purchases whose due dates a test places in the past."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from paylater.collections import rules as collections_rules
from paylater.collections.tasks import collections_day
from paylater.config import Settings
from paylater.db import Database
from paylater.jobs.daily import CountryDay
from paylater.kit.clock import FixedClock
from tests.api.flows import capture, consumer, order_consumer, place_order
from tests.collections.support import TODAY, Debt, at_nine, set_due_dates


@pytest.fixture(autouse=True)
def _default_thresholds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(collections_rules.RULES_ENV, raising=False)
    collections_rules.reload()
    yield
    collections_rules.reload()


@pytest.fixture
def make_debt(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> Callable[..., Debt]:
    """A captured pay-in-3 purchase whose instalments fall due ``ages`` days before ``today``."""

    def make(
        ages: list[int],
        *,
        email: str = "anna@example.com",
        amount: int = 90_000,
        country: str = "SE",
        today: date = TODAY,
        **person: Any,
    ) -> Debt:
        order_id = place_order(
            client,
            merchant["headers"],
            amount,
            country=country,
            person=consumer(email, **person),
        )
        answer = capture(client, merchant["headers"], order_id, amount)
        assert answer.status_code == 201, answer.text
        set_due_dates(database, order_id, [today - timedelta(days=age) for age in ages])
        return Debt(order_id, order_consumer(database, order_id))

    return make


@pytest.fixture
def run_day(database: Database, clock: FixedClock, settings: Settings) -> Callable[..., int]:
    """Run the collections task for ``country`` and ``day`` (the clock moves to that day)."""

    def run(day: date, country: str = "SE", chunk_size: int = 500) -> int:
        clock.set(at_nine(day))
        task = CountryDay(database, country, day, clock.now(), clock, settings, chunk_size)
        acted = collections_day(task)
        assert isinstance(acted, int)
        return acted

    return run
