"""Autopay: the daily country task that charges due instalments to the consumer's card.

On an instalment's due date the autopay card is charged what is still open on it. A country's day
runs early in the morning, so an instalment that became due later that day (the first part of a
pay-in-3 or pay-in-4 plan is due at capture) is charged on the next day's run instead. After a
failure the charge is retried 1, 3 and 7 days after that first failed day; after the fourth
failure autopay stops for that due date and reminders take over. Each failure e-mails the
consumer.

Each attempt is a ``card_charges`` row unique per (instalment, due date, attempt) and its
processor idempotency key is derived from the same three, so running a day again finds the
attempt made and does nothing, and a chunk that crashed after the processor answered repeats the
same key and charges nothing twice. Instalments of a paused purchase are not charged (a pause
moves their due dates, and a moved due date starts its own attempts), nor those with a payment
already on its way (``processing_until``, e.g. a direct debit being collected).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Date, and_, bindparam, exists, select, text

from paylater.billing.models import instalments
from paylater.billing.service import record_payment
from paylater.consumers.models import consumers
from paylater.jobs.daily import CountryDay, country_task
from paylater.kit.money import Money
from paylater.notifications.consumer_mail import email_consumer
from paylater.orders.models import orders
from paylater.payments.messages import AUTOPAY_FAILED, AUTOPAY_GAVE_UP, reason_text
from paylater.payments.models import autopay_settings, card_charges, payment_methods
from paylater.payments.processor import CardProcessor, processor_for
from paylater.payments.service import APPROVED, AUTOPAY, CardAnswer, ask_processor, record_charge
from paylater.servicing.models import pauses

# Days after the first failed attempt on which the charge is tried again.
RETRY_OFFSETS = (1, 3, 7)
# How many days after its due date an instalment not yet tried gets its first attempt: one, for
# an instalment that became due after its due day's run.
FIRST_ATTEMPT_DAYS = 1
# The oldest due date that can still have an attempt due.
WINDOW = timedelta(days=FIRST_ATTEMPT_DAYS + RETRY_OFFSETS[-1])


def next_attempt(
    due_date: date, day: date, attempts: Sequence[tuple[int, str, date]]
) -> int | None:
    """The attempt number to make on ``day`` for ``due_date``, or ``None`` when none is due.

    ``attempts`` are the autopay charges already made for this due date as (attempt, status,
    day), in attempt order. The first attempt is made on the due date (or up to
    ``FIRST_ATTEMPT_DAYS`` later when the instalment was not there yet); after a decline the next
    one is made once ``day`` reaches the first attempt's day plus the retry offset (a missed day
    is caught up, never doubled).
    """
    if not attempts:
        return 1 if due_date <= day <= due_date + timedelta(days=FIRST_ATTEMPT_DAYS) else None
    last, status, _ = attempts[-1]
    if status == APPROVED or last > len(RETRY_OFFSETS):
        return None
    first_day = attempts[0][2]
    return last + 1 if day >= first_day + timedelta(days=RETRY_OFFSETS[last - 1]) else None


def retry_day(first_day: date, attempt: int) -> date | None:
    """When the attempt after ``attempt`` will be made, or ``None`` after the last one."""
    if attempt > len(RETRY_OFFSETS):
        return None
    return first_day + timedelta(days=RETRY_OFFSETS[attempt - 1])


def _paused(order_id: Any, day: date) -> Any:
    return exists().where(
        and_(
            pauses.c.order_id == order_id,
            pauses.c.status == "active",
            pauses.c.starts_on <= day,
            pauses.c.ends_on > day,
        )
    )


# Driven from the autopay consumers (usually a minority) through the instalments' consumer index.
# ``CROSS JOIN`` keeps SQLite from starting at the day's due-date range instead, which would read
# every open instalment due in the window (~0.5 s for a million) to find the few on autopay; for
# PostgreSQL it is an ordinary join. Keyset order (consumer, instalment) lets SQLite sort only
# within each consumer.
_CANDIDATES = text(
    """
    SELECT autopay_settings.consumer_id AS consumer_id, instalments.id AS id
    FROM autopay_settings CROSS JOIN instalments
    WHERE instalments.consumer_id = autopay_settings.consumer_id
      AND autopay_settings.consumer_id >= :after_consumer
      AND (autopay_settings.consumer_id > :after_consumer OR instalments.id > :after_id)
      AND instalments.status = 'open'
      AND instalments.country = :country
      AND instalments.due_date <= :day
      AND instalments.due_date >= :earliest
      AND instalments.amount > instalments.paid_amount
      AND (instalments.processing_until IS NULL OR instalments.processing_until < :day)
      AND NOT EXISTS (
        SELECT 1 FROM pauses
        WHERE pauses.order_id = instalments.order_id AND pauses.status = 'active'
          AND pauses.starts_on <= :day AND pauses.ends_on > :day
      )
    ORDER BY autopay_settings.consumer_id, instalments.id
    LIMIT :limit
    """
).bindparams(bindparam("day", type_=Date), bindparam("earliest", type_=Date))


def _candidates(run: CountryDay, connection: Connection, after: Any, limit: int) -> Sequence[Any]:
    """Open instalments of autopay consumers that could have an attempt due today, in
    (consumer, instalment) order after ``after``."""
    after_consumer, after_id = after if after is not None else ("", "")
    return connection.execute(
        _CANDIDATES,
        {
            "after_consumer": after_consumer,
            "after_id": after_id,
            "country": run.country,
            "day": run.day,
            "earliest": run.day - WINDOW,
            "limit": limit,
        },
    ).all()


def _attempts(connection: Connection, instalment_id: str, due_date: date) -> list[Any]:
    return list(
        connection.execute(
            select(card_charges.c.attempt, card_charges.c.status, card_charges.c.day)
            .where(card_charges.c.instalment_id == instalment_id)
            .where(card_charges.c.due_date == due_date)
            .where(card_charges.c.purpose == AUTOPAY)
            .order_by(card_charges.c.attempt)
        ).all()
    )


@dataclass(frozen=True, slots=True)
class _Attempt:
    """Today's autopay attempt for one instalment, as planned before the processor is asked."""

    instalment_id: str
    order_id: str
    consumer_id: str
    due_date: date
    amount: Money
    attempt: int
    first_day: date  # of this due date's attempts, for the retry schedule
    method: Any  # the ``payment_methods`` row of the autopay card

    @property
    def key(self) -> str:
        return f"{AUTOPAY}:{self.instalment_id}:{self.due_date.isoformat()}:{self.attempt}"


def _plan(run: CountryDay, connection: Connection, instalment_id: str) -> _Attempt | None:
    """Today's attempt for one instalment, if one is due (read only)."""
    item = connection.execute(select(instalments).where(instalments.c.id == instalment_id)).one()
    if item.status != "open" or item.amount <= item.paid_amount or item.due_date > run.day:
        return None
    if item.processing_until is not None and item.processing_until >= run.day:
        return None
    if connection.execute(select(_paused(item.order_id, run.day))).scalar():
        return None
    attempts = _attempts(connection, instalment_id, item.due_date)
    attempt = next_attempt(item.due_date, run.day, [(a.attempt, a.status, a.day) for a in attempts])
    if attempt is None:
        return None
    method = connection.execute(
        select(payment_methods)
        .join(autopay_settings, autopay_settings.c.method_id == payment_methods.c.id)
        .where(autopay_settings.c.consumer_id == item.consumer_id)
        .where(payment_methods.c.removed_at.is_(None))
    ).first()
    if method is None:
        return None
    return _Attempt(
        instalment_id,
        item.order_id,
        item.consumer_id,
        item.due_date,
        Money(int(item.amount) - int(item.paid_amount), item.currency),
        attempt,
        attempts[0].day if attempts else run.day,
        method,
    )


def _record(run: CountryDay, connection: Connection, planned: _Attempt, answer: CardAnswer) -> bool:
    """Record one attempt's answer: the charge, and the payment when approved (the money was
    taken, so it is booked even if the instalment was paid another way meanwhile: it then
    becomes a credit), or the failure e-mail while the instalment is still owed. False when
    the attempt was already recorded."""
    # Lock order: the order row, then the instalment (record_payment locks the others).
    connection.execute(select(orders.c.id).where(orders.c.id == planned.order_id).with_for_update())
    item = connection.execute(
        select(instalments.c.status, instalments.c.amount, instalments.c.paid_amount)
        .where(instalments.c.id == planned.instalment_id)
        .with_for_update()
    ).one()
    charge = record_charge(
        connection,
        method=planned.method,
        order_id=planned.order_id,
        amount=planned.amount,
        purpose=AUTOPAY,
        idempotency_key=planned.key,
        answer=answer,
        at=run.now,
        day=run.day,
        instalment_id=planned.instalment_id,
        due_date=planned.due_date,
        attempt=planned.attempt,
    )
    if charge is None:
        return False
    if charge.approved:
        record_payment(
            connection,
            order_id=planned.order_id,
            consumer_id=planned.consumer_id,
            payment=planned.amount,
            at=run.now,
            channel="card",
            payment_id=charge.id,
        )
        return True
    if item.status != "open" or item.amount <= item.paid_amount:
        return True  # paid another way while the card was being charged: nothing to tell
    next_day = retry_day(planned.first_day, planned.attempt)
    locale = connection.execute(
        select(consumers.c.locale).where(consumers.c.id == planned.consumer_id)
    ).scalar_one()
    method = planned.method
    values: dict[str, object] = {
        "amount": planned.amount,
        "order_ref": planned.order_id[:8],
        "card": f"{method.brand.capitalize()} •••• {method.last4}",
        "reason": reason_text(charge.decline_reason or "card_declined", locale),
    }
    if next_day is not None:
        values["next_day"] = next_day
    email_consumer(
        connection,
        consumer_id=planned.consumer_id,
        kind=AUTOPAY_FAILED if next_day is not None else AUTOPAY_GAVE_UP,
        values=values,
        at=run.now,
        dedupe_key=charge.id,
    )
    return True


@country_task("payments.autopay", order=20)
def autopay(run: CountryDay) -> int:
    """Charge the day's due instalments and retries of one country; returns attempts made.

    A chunk at a time: the attempts are planned in a read-only transaction, the processor is
    asked with no transaction open (a card network takes hundreds of milliseconds per charge,
    which a write transaction would hold every other writer up for), and the answers are
    recorded in a write transaction of their own."""
    processors: list[CardProcessor] = []

    def processor() -> CardProcessor:
        # Looked up only when there is something to charge: a deployment without a card
        # processor has no cards on file and never gets here.
        if not processors:
            processors.append(processor_for(run.settings))
        return processors[0]

    after: Any = None
    made = 0
    while True:

        def plan(connection: Connection, after: Any = after) -> tuple[Sequence[Any], list[Any]]:
            rows = _candidates(run, connection, after, run.chunk_size)
            planned = (_plan(run, connection, row.id) for row in rows)
            return rows, [attempt for attempt in planned if attempt is not None]

        rows, planned = run.database.run(plan, readonly=True)
        answered = [
            (attempt, ask_processor(
                method=attempt.method,
                amount=attempt.amount,
                idempotency_key=attempt.key,
                processor=processor(),
                day=run.day,
            ))
            for attempt in planned
        ]  # fmt: skip
        if answered:

            def record(connection: Connection, answered: Any = answered) -> int:
                return sum(_record(run, connection, *pair) for pair in answered)

            made += run.database.run(record, redoable=True)
        if len(rows) < run.chunk_size:
            return made
        after = (rows[-1].consumer_id, rows[-1].id)
        run.database.pause_for_writers()
