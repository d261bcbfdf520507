"""The daily run opens a case past the threshold once, closes it on full payment; credit blocks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from paylater.collections import rules as collections_rules
from paylater.config import Settings
from paylater.consumers.models import consumers
from paylater.db import Database
from paylater.jobs import load_handler_modules
from paylater.jobs.daily import country_tasks, run_country_day
from paylater.kit.clock import FixedClock
from tests.api.flows import authorize, consumer
from tests.collections.support import (
    TODAY,
    Debt,
    at_nine,
    cases,
    count_cases,
    emails,
    pause,
    pay,
)

DUE = TODAY - timedelta(days=60)  # 60 days overdue on TODAY, 61 the day after


def test_the_task_runs_in_the_country_day_after_reminders_and_fees() -> None:
    names = [name for name, _task in country_tasks()]
    assert "collections.ageing" in names


def test_a_case_opens_once_the_day_after_the_threshold(
    make_debt: Callable[..., Debt],
    database: Database,
    run_day: Callable[..., int],
) -> None:
    debt = make_debt([60, -20, -50])
    assert run_day(TODAY) == 0  # 60 days overdue: not yet
    assert count_cases(database) == 0

    tomorrow = TODAY + timedelta(days=1)
    assert run_day(tomorrow) == 1
    assert run_day(tomorrow) == 0  # the same day again changes nothing
    assert run_day(tomorrow + timedelta(days=1)) == 0  # nor does the next one
    [case] = cases(database)
    assert (case.order_id, case.consumer_id, case.country, case.currency) == (
        debt.order_id,
        debt.consumer_id,
        "SE",
        "SEK",
    )
    assert case.status == "open"
    assert case.amount_owed == 90_000  # the whole order, not only the overdue instalment
    assert case.oldest_due_date == DUE
    assert case.days_overdue_at_opening == 61
    assert case.opened_on == tomorrow
    assert case.closed_on is None

    [mail] = emails(database)
    assert mail.consumer_id == debt.consumer_id
    assert mail.to_address == "anna@example.com"
    assert debt.order_id[:8] in mail.subject
    assert "61 days overdue" in mail.text_body
    assert "SEK900.00" in mail.text_body  # formatted for the consumer's locale (en-GB)


def test_the_email_is_in_the_consumers_language(
    make_debt: Callable[..., Debt],
    database: Database,
    run_day: Callable[..., int],
) -> None:
    debt = make_debt([61, -20, -50], email="hanna@example.se")
    database.run(
        lambda c: c.execute(
            consumers.update().where(consumers.c.id == debt.consumer_id).values(locale="sv-SE")
        )
    )
    assert run_day(TODAY) == 1
    [mail] = emails(database)
    assert mail.subject.startswith("Ditt köp ")
    assert "900,00\xa0kr" in mail.text_body
    assert "inkasso" in mail.text_body


def test_paused_orders_and_other_countries_do_not_open_cases(
    make_debt: Callable[..., Debt],
    database: Database,
    run_day: Callable[..., int],
) -> None:
    paused = make_debt([80, -20, -50])
    pause(database, paused)
    french = make_debt([80, -20, -50], email="bo@example.fr", country="FR")
    assert run_day(TODAY, "SE") == 0
    assert run_day(TODAY, "FR") == 1
    [case] = cases(database)
    assert (case.order_id, case.country, case.currency) == (french.order_id, "FR", "EUR")


def test_orders_are_taken_chunk_by_chunk(
    make_debt: Callable[..., Debt],
    database: Database,
    run_day: Callable[..., int],
) -> None:
    debts = [make_debt([61 + n, -20, -50]) for n in range(3)]
    assert run_day(TODAY, chunk_size=1) == 3
    assert {case.order_id for case in cases(database)} == {debt.order_id for debt in debts}
    assert len(emails(database)) == 3
    assert run_day(TODAY, chunk_size=1) == 0


def test_a_country_threshold_override(
    make_debt: Callable[..., Debt],
    database: Database,
    run_day: Callable[..., int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "collections.json"
    path.write_text(json.dumps({"SE": {"threshold_days": 30}}))
    monkeypatch.setenv(collections_rules.RULES_ENV, str(path))
    collections_rules.reload()
    make_debt([30, -20, -50])
    assert run_day(TODAY) == 0
    assert run_day(TODAY + timedelta(days=1)) == 1
    assert cases(database)[0].days_overdue_at_opening == 31


def _try_to_buy(client: TestClient, merchant: dict[str, Any]) -> dict[str, Any]:
    _, answer = authorize(client, merchant["headers"], 10_000, plan="pay_later", person=consumer())
    return answer


def test_declined_while_in_collections_until_paid_in_full(
    client: TestClient,
    merchant: dict[str, Any],
    make_debt: Callable[..., Debt],
    database: Database,
    clock: FixedClock,
    run_day: Callable[..., int],
) -> None:
    debt = make_debt([61, -20, -50])
    assert run_day(TODAY) == 1

    declined = _try_to_buy(client, merchant)
    assert declined["approved"] is False
    assert declined["reason_codes"] == ["OVERDUE_DEBT", "IN_COLLECTIONS"]

    # Paying the overdue instalment is not enough: the case stays open, the consumer blocked.
    pay(database, debt, 30_000, TODAY)
    assert run_day(TODAY + timedelta(days=1)) == 0
    assert cases(database)[0].status == "open"
    still = _try_to_buy(client, merchant)
    assert still["approved"] is False
    assert still["reason_codes"] == ["IN_COLLECTIONS"]

    # Paid in full: the next daily run closes the case and the consumer can buy again.
    next_day = TODAY + timedelta(days=2)
    pay(database, debt, 60_000, next_day)
    assert run_day(next_day) == 1
    [case] = cases(database)
    assert (case.status, case.closed_on) == ("closed", next_day)
    assert run_day(next_day) == 0
    [closing] = emails(database, "collections.case_closed")
    assert closing.consumer_id == debt.consumer_id
    assert "You can shop with paylater again." in closing.text_body
    clock.set(at_nine(next_day))
    accepted = _try_to_buy(client, merchant)
    assert accepted["approved"] is True, accepted


def test_a_later_default_opens_a_new_case(
    make_debt: Callable[..., Debt],
    database: Database,
    run_day: Callable[..., int],
) -> None:
    debt = make_debt([61, -20, -50])
    assert run_day(TODAY) == 1
    pay(database, debt, 90_000, TODAY)
    assert run_day(TODAY + timedelta(days=1)) == 1  # closed
    other = make_debt([70, -20, -50], email="cy@example.com", today=TODAY + timedelta(days=1))
    assert run_day(TODAY + timedelta(days=1)) == 1  # opened for the other order
    statuses = sorted((case.order_id == other.order_id, case.status) for case in cases(database))
    assert statuses == [(False, "closed"), (True, "open")]


def test_a_refund_of_everything_owed_closes_the_case(
    client: TestClient,
    merchant: dict[str, Any],
    make_debt: Callable[..., Debt],
    database: Database,
    run_day: Callable[..., int],
) -> None:
    debt = make_debt([61, -20, -50])
    assert run_day(TODAY) == 1
    answer = client.post(
        f"/ordermanagement/v1/orders/{debt.order_id}/refunds",
        json={"refunded_amount": 90_000},
        headers=merchant["headers"],
    )
    assert answer.status_code == 201, answer.text
    assert run_day(date(2027, 3, 16)) == 1
    assert cases(database)[0].status == "closed"


def test_the_whole_country_day_opens_the_case(
    make_debt: Callable[..., Debt],
    database: Database,
    clock: FixedClock,
    settings: Settings,
) -> None:
    """Every registered country task runs (reminders, fees, …); collections comes last, once."""
    load_handler_modules()
    make_debt([60, -20, -50])
    day = TODAY + timedelta(days=1)
    clock.set(at_nine(day))
    for _ in range(2):
        run_country_day(database, "SE", day, now=clock.now(), clock=clock, settings=settings)
    [case] = cases(database)
    assert (case.status, case.opened_on, case.days_overdue_at_opening) == ("open", day, 61)
    assert case.amount_owed >= 90_000  # plus any reminder fee charged the same day
    assert len(emails(database)) == 1
