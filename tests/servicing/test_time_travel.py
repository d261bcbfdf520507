"""120 days of servicing per country: exact reminders and fees, caps never exceeded, nothing while
paused, in grace or while a payment is on its way, each fee once; the ledger verifies."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paylater.billing.models import instalments
from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.ledger.service import verify
from paylater.servicing.models import fees, notices
from paylater.servicing.rules import CapTier, FeeStep, ServicingRules
from tests.api.flows import capture, order_consumer, place_order
from tests.servicing.conftest import DayRunner, emails

START = date(2026, 12, 1)  # the test clock's day: every order here is captured on it
END = START + timedelta(days=120)


def _order(
    client: TestClient, merchant: dict[str, Any], amount: int, plan: str, country: str
) -> str:
    order_id = place_order(client, merchant["headers"], amount, plan=plan, country=country)
    assert capture(client, merchant["headers"], order_id, amount).status_code == 201
    return order_id


def _fees(database: Database, order_id: str) -> list[tuple[str, int, str]]:
    def read(connection: Any) -> list[tuple[str, int, str]]:
        rows = connection.execute(
            select(fees.c.day, fees.c.amount, fees.c.instalment_id)
            .where(fees.c.order_id == order_id)
            .order_by(fees.c.day)
        ).all()
        return [(row.day.isoformat(), row.amount, row.instalment_id) for row in rows]

    return list(database.run(read, readonly=True))


def _instalments(database: Database, order_id: str) -> list[Any]:
    return list(
        database.run(
            lambda c: c.execute(
                select(instalments)
                .where(instalments.c.order_id == order_id)
                .order_by(instalments.c.seq)
            ).all(),
            readonly=True,
        )
    )


def _notice_days(database: Database, instalment_id: str) -> list[tuple[str, str, int]]:
    def read(connection: Any) -> list[tuple[str, str, int]]:
        rows = connection.execute(
            select(notices.c.day, notices.c.kind, notices.c.fee_amount)
            .where(notices.c.instalment_id == instalment_id)
            .order_by(notices.c.day)
        ).all()
        return [(row.day.isoformat(), row.kind, row.fee_amount) for row in rows]

    return list(database.run(read, readonly=True))


def test_gb_late_fees_stop_at_the_order_cap(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    order_id = _order(client, merchant, 10_000, "pay_in_3", "GB")
    run_days("GB", START, END)
    first, second, third = _instalments(database, order_id)
    assert [i.due_date.isoformat() for i in (first, second, third)] == [
        "2026-12-01",
        "2026-12-31",
        "2027-02-01",
    ]
    # Due Tuesday 1 December: grace 2–4, first overdue day Monday the 7th, then +14 and +28.
    assert _notice_days(database, first.id) == [
        ("2026-12-01", "due", 0),
        ("2026-12-07", "overdue_1", 500),
        ("2026-12-21", "overdue_2", 500),
        ("2027-01-04", "overdue_3", 0),
    ]
    # The order already carries £10, its cap: the second instalment's reminders carry no fee.
    # (1 January is a holiday: grace runs 4–6 January, the first overdue day is the 7th.)
    assert _notice_days(database, second.id) == [
        ("2026-12-28", "upcoming", 0),
        ("2026-12-31", "due", 0),
        ("2027-01-07", "overdue_1", 0),
        ("2027-01-21", "overdue_2", 0),
        ("2027-02-04", "overdue_3", 0),
    ]
    assert sum(amount for _day, amount, _id in _fees(database, order_id)) == 1_000
    assert database.run(verify).ok


def test_us_tiered_order_cap(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    # $200 in four: the cap is the lower of $68 and 25 % of the order, so $50.
    order_id = _order(client, merchant, 20_000, "pay_in_4", "US")
    small = _order(client, merchant, 3_000, "pay_later", "US")  # under $40: at most $10
    run_days("US", START, END)
    charged = _fees(database, order_id)
    assert sum(amount for _day, amount, _id in charged) == 5_000
    assert [amount for _day, amount, _id in charged] == [1_000, 700, 1_000, 700, 1_000, 600]
    assert [amount for _day, amount, _id in _fees(database, small)] == [1_000]
    days = [(day, instalment) for day, _amount, instalment in charged]
    assert len(days) == len(set(days))  # never two fees for one instalment and day
    assert database.run(verify).ok


def test_france_sends_reminders_and_never_a_fee(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    order_id = _order(client, merchant, 8_990, "pay_later", "FR")
    consumer_id = order_consumer(database, order_id)
    run_days("FR", START, END)
    (invoice,) = _instalments(database, order_id)
    assert invoice.due_date == date(2026, 12, 31)
    reminders = [(day, kind) for day, kind in emails(database, consumer_id) if "reminder" in kind]
    assert reminders == [
        ("2026-12-28", "reminder.upcoming"),
        ("2026-12-31", "reminder.due"),
        # Grace: 1 January is a holiday, so 4, 5, 6; overdue from the 7th.
        ("2027-01-07", "reminder.overdue"),
        ("2027-01-21", "reminder.overdue"),
        ("2027-02-04", "reminder.overdue"),
    ]
    assert _fees(database, order_id) == []


def test_germany_fees_only_on_later_reminders_within_the_order_cap(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    order_id = _order(client, merchant, 10_000, "pay_in_3", "DE")
    run_days("DE", START, END)
    first = _instalments(database, order_id)[0]
    assert [(d, k, f) for d, k, f in _notice_days(database, first.id) if k != "due"] == [
        ("2026-12-07", "overdue_1", 0),
        ("2026-12-21", "overdue_2", 250),
        ("2027-01-04", "overdue_3", 250),
    ]
    assert sum(amount for _d, amount, _i in _fees(database, order_id)) == 500
    assert database.run(verify).ok


def test_nothing_while_a_payment_is_processing_then_reminders_resume(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    order_id = _order(client, merchant, 50_000, "pay_later", "SE")
    (invoice,) = _instalments(database, order_id)
    assert invoice.due_date == date(2026, 12, 31)
    # A direct debit is being collected until 12 January: no overdue reminder, no fee before.
    database.run(
        lambda c: c.execute(
            instalments.update()
            .where(instalments.c.id == invoice.id)
            .values(processing_until=date(2027, 1, 12))
        )
    )
    run_days("SE", START, date(2027, 1, 31))
    assert [(d, k) for d, k, _f in _notice_days(database, invoice.id)] == [
        ("2026-12-28", "upcoming"),
        ("2026-12-31", "due"),
        # The first overdue day (8 January) passed while processing; the next reminder goes.
        ("2027-01-22", "overdue_2"),
    ]
    assert _fees(database, order_id) == []  # the fee belongs to the first reminder only


def test_paused_purchases_get_nothing_and_pause_days_move_due_dates(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
) -> None:
    order_id = _order(client, merchant, 10_000, "pay_in_3", "GB")
    admin = {"Authorization": "Bearer test-admin-token"}
    paused = client.post(
        f"/admin/v1/orders/{order_id}/pauses",
        json={"reason": "item_not_received", "days": 21},
        headers=admin,
    )
    assert paused.status_code == 201, paused.text
    pause = paused.json()
    assert (pause["starts_on"], pause["ends_on"]) == ("2026-12-01", "2026-12-22")
    run_days("GB", START, date(2026, 12, 21))
    assert (
        database.run(lambda c: c.execute(select(func.count()).select_from(notices)).scalar()) == 0
    )
    assert _fees(database, order_id) == []
    dues = [i.due_date.isoformat() for i in _instalments(database, order_id)]
    assert dues == ["2026-12-22", "2027-01-21", "2027-02-22"]
    extended = client.post(
        f"/admin/v1/pauses/{pause['id']}/extend", json={"days": 7}, headers=admin
    )
    assert extended.json()["ends_on"] == "2026-12-29"
    ended = client.post(f"/admin/v1/pauses/{pause['id']}/end", headers=admin)
    assert ended.json()["status"] == "ended"
    again = client.post(f"/admin/v1/pauses/{pause['id']}/end", headers=admin)
    assert again.status_code == 409
    dues = [i.due_date.isoformat() for i in _instalments(database, order_id)]
    assert dues == ["2026-12-29", "2027-01-28", "2027-03-01"]
    view = client.get(f"/admin/v1/orders/{order_id}/servicing", headers=admin).json()
    assert [p["end_reason"] for p in view["pauses"]] == ["operator"]


@pytest.mark.parametrize(
    ("rules", "amount", "expected"),
    [
        (ServicingRules("X", order_cap_tiers=(CapTier(0, 1_000),)), 3_000, 1_000),
        (
            ServicingRules("X", order_cap_tiers=(CapTier(0, 1_000), CapTier(4_000, 6_800, 25))),
            3_999,
            1_000,
        ),
        (
            ServicingRules("X", order_cap_tiers=(CapTier(0, 1_000), CapTier(4_000, 6_800, 25))),
            4_000,
            1_000,
        ),
        (
            ServicingRules("X", order_cap_tiers=(CapTier(0, 1_000), CapTier(4_000, 6_800, 25))),
            100_000,
            6_800,
        ),
        (ServicingRules("X", cap_per_order=500), 100_000, 500),
        (ServicingRules("X"), 100_000, None),
    ],
)
def test_order_caps(rules: ServicingRules, amount: int, expected: int | None) -> None:
    assert rules.order_cap(amount) == expected


def test_fee_steps_add_their_days_to_the_reminders() -> None:
    rules = ServicingRules("X", reminder_offsets=(0, 14), fee_steps=(FeeStep(7, 700),))
    assert rules.overdue_offsets() == (0, 7, 14)


def test_an_order_cap_holds_across_chunks_prepared_ahead(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    settings: Any,
) -> None:
    from datetime import UTC, datetime, time

    from paylater.jobs.daily import run_country_day

    # Two captures of one $30 order on the same day: two invoices due the same day, each in its
    # own chunk (chunk size 1), the second prepared before the first is written. The order may
    # carry at most $10 of fees.
    order_id = place_order(client, merchant["headers"], 3_000, plan="pay_later", country="US")
    for part in (1_500, 1_500):
        assert capture(client, merchant["headers"], order_id, part).status_code == 201
    day = START
    while day <= START + timedelta(days=60):
        moment = datetime.combine(day, time(6, 0), tzinfo=UTC)
        clock.set(moment)
        run_country_day(
            database, "US", day, now=moment, clock=clock, settings=settings, chunk_size=1
        )
        day += timedelta(days=1)
    assert sum(amount for _day, amount, _id in _fees(database, order_id)) == 1_000
    assert database.run(verify).ok


@pytest.mark.parametrize(("pause_ms", "rests"), [(0, 0), (40, 2)])
def test_the_daily_run_rests_after_each_write_when_asked(
    database: Database, settings: Any, monkeypatch: pytest.MonkeyPatch, pause_ms: int, rests: int
) -> None:
    from datetime import UTC, datetime

    import paylater.jobs.daily as daily

    slept: list[float] = []
    monkeypatch.setattr(daily.time, "sleep", slept.append)
    moment = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)
    run = daily.CountryDay(
        database,
        "US",
        moment.date(),
        moment,
        FixedClock(moment),
        settings.model_copy(update={"daily_chunk_pause_ms": pause_ms}),
        chunk_size=2,
    )
    items = [1, 2, 3, 4, 5]

    def select(_connection: Any, after: int | None, limit: int) -> list[int]:
        return [item for item in items if after is None or item > after][:limit]

    done = run.in_chunks(select, lambda _connection, rows: len(rows), key=lambda item: item)
    assert done == 5  # three write transactions: two full chunks, then the last one
    # Other short sleeps (letting a waiting request through) may be recorded beside the rests.
    assert slept.count(0.04) == rests
