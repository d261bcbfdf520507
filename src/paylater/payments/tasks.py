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
from paylater.payments.service import APPROVED, AUTOPAY, charge_method
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


def _charge_instalment(
    run: CountryDay, connection: Connection, instalment_id: str, processor: CardProcessor
) -> bool:
    """Make today's autopay attempt for one instalment if one is due; True when one was made."""
    order_id = connection.execute(
        select(instalments.c.order_id).where(instalments.c.id == instalment_id)
    ).scalar_one()
    # Lock order: the order row, then the instalment (record_payment locks the others).
    connection.execute(select(orders.c.id).where(orders.c.id == order_id).with_for_update())
    item = connection.execute(
        select(instalments).where(instalments.c.id == instalment_id).with_for_update()
    ).one()
    if item.status != "open" or item.amount <= item.paid_amount or item.due_date > run.day:
        return False
    if item.processing_until is not None and item.processing_until >= run.day:
        return False
    if connection.execute(select(_paused(order_id, run.day))).scalar():
        return False
    attempts = _attempts(connection, instalment_id, item.due_date)
    attempt = next_attempt(item.due_date, run.day, [(a.attempt, a.status, a.day) for a in attempts])
    if attempt is None:
        return False
    method = connection.execute(
        select(payment_methods)
        .join(autopay_settings, autopay_settings.c.method_id == payment_methods.c.id)
        .where(autopay_settings.c.consumer_id == item.consumer_id)
        .where(payment_methods.c.removed_at.is_(None))
    ).first()
    if method is None:
        return False
    amount = Money(int(item.amount) - int(item.paid_amount), item.currency)
    charge = charge_method(
        connection,
        method=method,
        order_id=item.order_id,
        amount=amount,
        purpose=AUTOPAY,
        idempotency_key=f"{AUTOPAY}:{instalment_id}:{item.due_date.isoformat()}:{attempt}",
        processor=processor,
        at=run.now,
        day=run.day,
        instalment_id=instalment_id,
        due_date=item.due_date,
        attempt=attempt,
    )
    if charge is None:
        return False
    if charge.approved:
        record_payment(
            connection,
            order_id=item.order_id,
            consumer_id=item.consumer_id,
            payment=amount,
            at=run.now,
            channel="card",
            payment_id=charge.id,
        )
        return True
    first_day = attempts[0].day if attempts else run.day
    next_day = retry_day(first_day, attempt)
    locale = connection.execute(
        select(consumers.c.locale).where(consumers.c.id == item.consumer_id)
    ).scalar_one()
    values: dict[str, object] = {
        "amount": amount,
        "order_ref": item.order_id[:8],
        "card": f"{method.brand.capitalize()} •••• {method.last4}",
        "reason": reason_text(charge.decline_reason or "card_declined", locale),
    }
    if next_day is not None:
        values["next_day"] = next_day
    email_consumer(
        connection,
        consumer_id=item.consumer_id,
        kind=AUTOPAY_FAILED if next_day is not None else AUTOPAY_GAVE_UP,
        values=values,
        at=run.now,
        dedupe_key=charge.id,
    )
    return True


@country_task("payments.autopay", order=20)
def autopay(run: CountryDay) -> int:
    """Charge the day's due instalments and retries of one country; returns attempts made."""
    processors: list[CardProcessor] = []

    def processor() -> CardProcessor:
        # Looked up only when there is something to charge: a deployment without a card
        # processor has no cards on file and never gets here.
        if not processors:
            processors.append(processor_for(run.settings))
        return processors[0]

    def select_chunk(connection: Connection, after: Any, limit: int) -> Sequence[Any]:
        return _candidates(run, connection, after, limit)

    def process(connection: Connection, rows: Sequence[Any]) -> int:
        return sum(_charge_instalment(run, connection, row.id, processor()) for row in rows)

    return run.in_chunks(select_chunk, process, key=lambda row: (row.consumer_id, row.id))
