"""Autopay over a sequence of days: due-day charges, retries on +1, +3, +7, pauses, reruns."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, select, update

from paylater.billing.messages import PAYMENT_RECEIVED
from paylater.config import Settings
from paylater.consumers.models import consumers
from paylater.db import Database
from paylater.jobs.daily import CountryDay, country_tasks
from paylater.jobs.models import jobs
from paylater.kit.clock import FixedClock
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money
from paylater.ledger.models import journal_entries, postings
from paylater.ledger.service import verify
from paylater.notifications.models import messages
from paylater.payments import service, tasks
from paylater.payments.messages import AUTOPAY_FAILED, AUTOPAY_GAVE_UP
from paylater.payments.models import card_charges
from paylater.payments.processor import ChargeOutcome, SandboxProcessor
from paylater.servicing.models import pauses
from tests.payments.conftest import APPROVE, DECLINE, NO_FUNDS, bank, count, messages_of, schedule

D0 = date(2026, 12, 1)  # capture day: the first pay-in-3 instalment is due


def _run(
    database: Database,
    clock: FixedClock,
    settings: Settings,
    day: date,
    *,
    chunk_size: int = 500,
) -> int:
    now = datetime.combine(day, time(10, 0), tzinfo=UTC)
    clock.set(now)
    acted = tasks.autopay(CountryDay(database, "SE", day, now, clock, settings, chunk_size))
    assert isinstance(acted, int)
    return acted


def _charges(database: Database) -> list[Any]:
    query = select(card_charges).order_by(card_charges.c.day, card_charges.c.attempt)
    return list(database.run(lambda c: c.execute(query).all(), readonly=True))


def _state(database: Database) -> tuple[int, ...]:
    return tuple(
        count(database, table)
        for table in (card_charges, messages, journal_entries, postings, jobs)
    )


def test_autopay_is_a_registered_country_task() -> None:
    assert ("payments.autopay", tasks.autopay) in country_tasks()


def test_the_due_instalment_is_charged_on_its_due_date(
    database: Database, clock: FixedClock, settings: Settings, buy: Any, add_card: Any
) -> None:
    anna = buy()
    bo = buy(60_000, email="bo@example.com")  # no autopay: never charged
    add_card(anna.consumer_id, APPROVE, autopay=True)
    add_card(bo.consumer_id, APPROVE)

    assert _run(database, clock, settings, D0 - timedelta(days=1)) == 0
    assert _run(database, clock, settings, D0) == 1
    assert schedule(database, anna.order_id) == [
        ("2026-12-01", 33334, 33334, "paid"),
        ("2026-12-31", 33333, 0, "open"),
        ("2027-02-01", 33333, 0, "open"),
    ]
    assert schedule(database, bo.order_id)[0][2:] == (0, "open")
    assert bank(database) == 33334
    assert len(messages_of(database, anna.consumer_id, PAYMENT_RECEIVED)) == 1

    state = _state(database)
    assert _run(database, clock, settings, D0) == 0  # the same day again changes nothing
    assert _state(database) == state

    for offset in range(1, 30):  # nothing is due until 31 December
        assert _run(database, clock, settings, D0 + timedelta(days=offset)) == 0
    assert _run(database, clock, settings, date(2026, 12, 31)) == 1
    assert bank(database) == 66667
    charges = _charges(database)
    assert [(c.day, c.attempt, c.status, c.amount, c.purpose) for c in charges] == [
        (D0, 1, "approved", 33334, "autopay"),
        (date(2026, 12, 31), 1, "approved", 33333, "autopay"),
    ]
    assert database.run(verify).ok


def test_a_failure_is_retried_on_days_1_3_and_7_then_autopay_stops(
    database: Database, clock: FixedClock, settings: Settings, buy: Any, add_card: Any
) -> None:
    anna = buy()
    add_card(anna.consumer_id, DECLINE, autopay=True)
    for offset in range(0, 15):
        day = D0 + timedelta(days=offset)
        _run(database, clock, settings, day)
        state = _state(database)
        _run(database, clock, settings, day)  # each day twice: the second run does nothing
        assert _state(database) == state
    charges = _charges(database)
    assert [(c.day, c.attempt, c.status, c.decline_reason) for c in charges] == [
        (date(2026, 12, 1), 1, "declined", "card_declined"),
        (date(2026, 12, 2), 2, "declined", "card_declined"),
        (date(2026, 12, 4), 3, "declined", "card_declined"),
        (date(2026, 12, 8), 4, "declined", "card_declined"),
    ]
    assert {c.due_date for c in charges} == {D0}
    assert schedule(database, anna.order_id)[0][2:] == (0, "open")
    assert bank(database) == 0
    failed = messages_of(database, anna.consumer_id, AUTOPAY_FAILED)
    gave_up = messages_of(database, anna.consumer_id, AUTOPAY_GAVE_UP)
    assert len(failed) == 3 and len(gave_up) == 1
    assert "try again on 2 December 2026" in failed[0].text_body
    assert "try again on 4 December 2026" in failed[1].text_body
    assert "try again on 8 December 2026" in failed[2].text_body
    assert "declined the card" in failed[0].text_body and "Visa •••• 0002" in failed[0].text_body
    assert "will not try again" in gave_up[0].text_body
    assert database.run(verify).ok


def test_success_on_a_retry_stops_the_retries(
    database: Database, clock: FixedClock, settings: Settings, buy: Any, add_card: Any
) -> None:
    anna = buy()
    add_card(anna.consumer_id, NO_FUNDS, autopay=True)
    assert _run(database, clock, settings, D0) == 1
    clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    add_card(anna.consumer_id, APPROVE, autopay=True)  # the consumer switches cards
    for offset in range(1, 12):
        _run(database, clock, settings, D0 + timedelta(days=offset))
    charges = _charges(database)
    assert [(c.day, c.attempt, c.status, c.decline_reason) for c in charges] == [
        (date(2026, 12, 1), 1, "declined", "insufficient_funds"),
        (date(2026, 12, 2), 2, "approved", None),
    ]
    assert schedule(database, anna.order_id)[0][2:] == (33334, "paid")
    assert bank(database) == 33334
    failed = messages_of(database, anna.consumer_id, AUTOPAY_FAILED)
    assert len(failed) == 1 and "not enough funds" in failed[0].text_body
    assert len(messages_of(database, anna.consumer_id, PAYMENT_RECEIVED)) == 1
    assert database.run(verify).ok


def test_paying_another_way_between_retries_stops_them(
    database: Database,
    clock: FixedClock,
    settings: Settings,
    processor: SandboxProcessor,
    buy: Any,
    add_card: Any,
) -> None:
    anna = buy()
    add_card(anna.consumer_id, DECLINE, autopay=True)
    good = add_card(anna.consumer_id, APPROVE)
    _run(database, clock, settings, D0)
    database.run(
        lambda c: service.pay_by_card(
            c,
            consumer_id=anna.consumer_id,
            order_id=anna.order_id,
            method_id=good,
            amount=Money(33334, "SEK"),
            processor=processor,
            at=clock.now(),
        )
    )
    for offset in range(1, 10):
        assert _run(database, clock, settings, D0 + timedelta(days=offset)) == 0
    assert [c.purpose for c in _charges(database)] == ["autopay", "one_click"]


def _pause(database: Database, order_id: str, consumer_id: str, status: str = "active") -> None:
    def work(connection: Connection) -> None:
        connection.execute(
            pauses.insert().values(
                id=new_uuid(),
                order_id=order_id,
                consumer_id=consumer_id,
                reason="returning_items",
                note="",
                starts_on=D0 - timedelta(days=1),
                ends_on=D0 + timedelta(days=27),
                days=28,
                status=status,
                ended_on=None if status == "active" else D0 - timedelta(days=1),
                end_reason=None if status == "active" else "operator",
                created_at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
            )
        )

    database.run(work)


def test_a_paused_purchase_is_not_charged(
    database: Database, clock: FixedClock, settings: Settings, buy: Any, add_card: Any
) -> None:
    anna = buy()
    bo = buy(60_000, email="bo@example.com")
    add_card(anna.consumer_id, APPROVE, autopay=True)
    add_card(bo.consumer_id, APPROVE, autopay=True)
    _pause(database, anna.order_id, anna.consumer_id)
    _pause(database, bo.order_id, bo.consumer_id, status="ended")  # an ended pause holds nothing
    for offset in range(0, 10):
        _run(database, clock, settings, D0 + timedelta(days=offset))
    assert [c.order_id for c in _charges(database)] == [bo.order_id]
    assert schedule(database, anna.order_id)[0][2:] == (0, "open")
    assert bank(database) == 20_000


class _CrashingProcessor:
    """The sandbox, except that the process dies right after the processor approves call n."""

    name = "sandbox"

    def __init__(self, crash_on: int | None) -> None:
        self.inner = SandboxProcessor()
        self.crash_on = crash_on
        self.calls: list[tuple[str, ChargeOutcome]] = []

    def tokenize(self, **card: Any) -> Any:
        return self.inner.tokenize(**card)

    def charge(self, *, token: str, amount: Money, idempotency_key: str) -> ChargeOutcome:
        outcome = self.inner.charge(token=token, amount=amount, idempotency_key=idempotency_key)
        self.calls.append((idempotency_key, outcome))
        if len(self.calls) == self.crash_on:
            raise RuntimeError("worker killed after the processor answered")
        return outcome


def test_a_crash_mid_run_then_a_rerun_doubles_nothing(
    database: Database,
    clock: FixedClock,
    settings: Settings,
    buy: Any,
    add_card: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = [buy(30_000 * (n + 2), email=f"p{n}@example.com") for n in range(3)]
    for person in people:
        add_card(person.consumer_id, APPROVE, autopay=True)
    crashing = _CrashingProcessor(crash_on=2)
    monkeypatch.setattr(tasks, "processor_for", lambda _settings: crashing)

    with pytest.raises(RuntimeError, match="killed"):
        _run(database, clock, settings, D0, chunk_size=1)
    assert len(_charges(database)) == 1  # the first chunk committed, the second rolled back
    crashing.crash_on = None
    assert _run(database, clock, settings, D0, chunk_size=1) == 2
    assert _run(database, clock, settings, D0, chunk_size=1) == 0

    charges = _charges(database)
    assert len(charges) == 3
    # The repeated attempt reused its key and got the first answer: charged once at the processor.
    keys = [key for key, _ in crashing.calls]
    assert len(keys) == 4 and len(set(keys)) == 3
    assert {c.idempotency_key for c in charges} == set(keys)
    outcomes = {key: outcome for key, outcome in crashing.calls}
    references = {outcome.processor_reference for outcome in outcomes.values()}
    assert {c.processor_reference for c in charges} == references
    assert bank(database) == 20_000 + 30_000 + 40_000  # the first instalments: ⅓ of each
    for person in people:
        assert len(messages_of(database, person.consumer_id, PAYMENT_RECEIVED)) == 1
    assert database.run(verify).ok


def test_failure_e_mails_speak_the_consumers_language(
    database: Database, clock: FixedClock, settings: Settings, buy: Any, add_card: Any
) -> None:
    anna = buy()
    database.run(
        lambda c: c.execute(
            update(consumers).where(consumers.c.id == anna.consumer_id).values(locale="sv-SE")
        )
    )
    add_card(anna.consumer_id, NO_FUNDS, autopay=True)
    _run(database, clock, settings, D0)
    [mail] = messages_of(database, anna.consumer_id, AUTOPAY_FAILED)
    assert mail.subject.startswith("Din automatiska betalning")
    assert "inte tillräckligt med pengar" in mail.text_body
    assert "2 december 2026" in mail.text_body


def test_a_part_due_at_capture_after_the_days_run_is_charged_the_next_day(
    database: Database, clock: FixedClock, settings: Settings, buy: Any, add_card: Any
) -> None:
    assert _run(database, clock, settings, D0) == 0  # the day ran early in the morning
    clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    anna = buy()  # captured in the afternoon: the first part is due today
    add_card(anna.consumer_id, DECLINE, autopay=True)
    for offset in range(1, 15):
        _run(database, clock, settings, D0 + timedelta(days=offset))
    charges = _charges(database)
    assert [(c.day, c.attempt, c.due_date) for c in charges] == [
        (date(2026, 12, 2), 1, D0),
        (date(2026, 12, 3), 2, D0),
        (date(2026, 12, 5), 3, D0),
        (date(2026, 12, 9), 4, D0),
    ]


def test_autopay_turned_on_late_does_not_charge_old_instalments(
    database: Database, clock: FixedClock, settings: Settings, buy: Any, add_card: Any
) -> None:
    anna = buy()
    clock.set(datetime(2026, 12, 5, 8, 0, tzinfo=UTC))
    add_card(anna.consumer_id, APPROVE, autopay=True)
    for offset in range(4, 12):
        assert _run(database, clock, settings, D0 + timedelta(days=offset)) == 0
    assert _charges(database) == []


def test_an_instalment_with_a_payment_on_its_way_is_not_charged(
    database: Database, clock: FixedClock, settings: Settings, buy: Any, add_card: Any
) -> None:
    from paylater.billing.models import instalments

    anna = buy()
    add_card(anna.consumer_id, APPROVE, autopay=True)
    database.run(
        lambda c: c.execute(
            update(instalments)
            .where(instalments.c.order_id == anna.order_id)
            .values(processing_until=D0 + timedelta(days=5))  # a direct debit being collected
        )
    )
    for offset in range(0, 10):
        assert _run(database, clock, settings, D0 + timedelta(days=offset)) == 0
    assert _charges(database) == []


def test_the_workers_daily_run_charges_autopay(
    database: Database, clock: FixedClock, settings: Settings, buy: Any, add_card: Any
) -> None:
    from paylater.jobs import Worker

    anna = buy()
    add_card(anna.consumer_id, APPROVE, autopay=True)
    worker = Worker(database, clock=clock, settings=settings, worker_id="w1")
    worker.DAILY_CHECK_SECONDS = 0.0
    worker.drain()
    clock.advance(timedelta(days=30))  # to 31 December, the second due date
    worker.drain()
    worker.drain()
    charges = _charges(database)
    assert [(c.day, c.amount, c.status) for c in charges] == [
        (D0, 33334, "approved"),
        (date(2026, 12, 31), 33333, "approved"),
    ]
    assert len(messages_of(database, anna.consumer_id, PAYMENT_RECEIVED)) == 2
    assert database.run(verify).ok


def test_the_processor_is_asked_with_no_transaction_open(
    database: Database,
    clock: FixedClock,
    settings: Settings,
    buy: Any,
    add_card: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A card network takes hundreds of milliseconds to answer: no transaction of the run (and
    on SQLite no write lock) may be held meanwhile."""
    anna = buy()
    add_card(anna.consumer_id, APPROVE, autopay=True)
    open_now: list[int] = []
    original = database.transaction

    @contextmanager
    def counted(**options: Any) -> Iterator[Connection]:
        open_now.append(1)
        try:
            with original(**options) as connection:
                yield connection
        finally:
            open_now.pop()

    monkeypatch.setattr(database, "transaction", counted)
    seen: list[int] = []
    sandbox = SandboxProcessor()

    class Watching:
        name = "sandbox"

        def charge(self, *, token: str, amount: Money, idempotency_key: str) -> ChargeOutcome:
            seen.append(len(open_now))
            return sandbox.charge(token=token, amount=amount, idempotency_key=idempotency_key)

    monkeypatch.setattr(tasks, "processor_for", lambda _settings: Watching())
    assert _run(database, clock, settings, D0) == 1
    assert seen == [0]
    assert [c.status for c in _charges(database)] == ["approved"]
    assert database.run(verify).ok


def test_a_card_charged_while_the_instalment_was_paid_another_way_is_kept_as_credit(
    database: Database,
    clock: FixedClock,
    settings: Settings,
    processor: SandboxProcessor,
    buy: Any,
    add_card: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The processor is asked outside any transaction, so the consumer can pay meanwhile: the
    money the card gave is booked all the same (to the next instalment), nothing is lost."""
    anna = buy()
    add_card(anna.consumer_id, APPROVE, autopay=True)
    other_card = add_card(anna.consumer_id, APPROVE)

    class PaidMeanwhile:
        name = "sandbox"

        def charge(self, *, token: str, amount: Money, idempotency_key: str) -> ChargeOutcome:
            database.run(
                lambda c: service.pay_by_card(
                    c,
                    consumer_id=anna.consumer_id,
                    order_id=anna.order_id,
                    method_id=other_card,
                    amount=amount,
                    processor=processor,
                    at=clock.now(),
                )
            )
            return processor.charge(token=token, amount=amount, idempotency_key=idempotency_key)

    monkeypatch.setattr(tasks, "processor_for", lambda _settings: PaidMeanwhile())
    assert _run(database, clock, settings, D0) == 1
    first = schedule(database, anna.order_id)[0]
    assert [c.purpose for c in _charges(database)] == ["one_click", "autopay"]
    assert all(c.status == "approved" for c in _charges(database))
    assert first[3] == "paid"
    assert bank(database) == 2 * first[1]  # both charges are in the bank and on the books
    assert messages_of(database, anna.consumer_id, AUTOPAY_FAILED) == []
    assert database.run(verify).ok
