"""Reported problems and the pauses they start.

A report on a purchase pauses its invoice: 21 days (28 for a registered return) from the report
day, every unpaid due date moved later by that many days (then to a business day), no reminders
and no fees meanwhile. E-mails go out when the pause starts, is extended and ends. A pause ends
on its own when its days are over (the daily run), or early when an operator ends it, the
merchant refunds, or a dispute is decided; due dates stay where the pause moved them.

*Paid the store by mistake* starts no pause: the consumer is told to ask the store for a refund,
and the invoice stays due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from sqlalchemy import Connection, select

from paylater.bank.service import match_reported_payment
from paylater.billing.models import instalments
from paylater.billing.service import outstanding
from paylater.credit.countries import rules_for
from paylater.jobs.daily import CountryDay, country_task, local_today
from paylater.kit.errors import BadValue, Conflict, NotFound
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money
from paylater.notifications.consumer_mail import email_consumer
from paylater.orders.models import orders
from paylater.plans.calendar import next_business_day
from paylater.servicing import messages
from paylater.servicing.models import pauses, problem_reports

PAUSE_DAYS = 21
RETURN_PAUSE_DAYS = 28
MAX_PAUSE_DAYS = 120  # an operator may extend, within this in total


class ProblemReason(StrEnum):
    payment_not_registered = "payment_not_registered"
    returning_items = "returning_items"
    item_not_received = "item_not_received"
    faulty_item = "faulty_item"
    paid_store_by_mistake = "paid_store_by_mistake"
    other = "other"


class AlreadyPaused(Conflict):
    code = "ALREADY_PAUSED"


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    report_id: str
    status: str  # open (paused) | resolved | guidance
    pause_id: str | None = None
    ends_on: date | None = None


def local_day(country: str, now: datetime) -> date:
    """Today in the consumer's country (its time zone), the day pauses count from."""
    rules = rules_for(country)
    return local_today(rules.timezone if rules else "UTC", now)


def _order(connection: Connection, order_id: str, consumer_id: str | None) -> Any:
    query = select(orders).where(orders.c.id == order_id)
    if consumer_id is not None:
        query = query.where(orders.c.consumer_id == consumer_id)
    row = connection.execute(query.with_for_update()).first()
    if row is None:
        raise NotFound(f"purchase {order_id} not found")
    return row


def _unpaid(connection: Connection, order_id: str) -> list[Any]:
    return list(
        connection.execute(
            select(instalments.c.id, instalments.c.due_date, instalments.c.country)
            .where(instalments.c.order_id == order_id, instalments.c.status == "open")
            .order_by(instalments.c.due_date, instalments.c.seq)
            .with_for_update()
        ).all()
    )


def _move_due_dates(connection: Connection, order_id: str, days: int) -> date | None:
    """Move every unpaid due date of the order ``days`` later; returns the next one."""
    moved = []
    for row in _unpaid(connection, order_id):
        new_date = next_business_day(row.due_date + timedelta(days=days), row.country)
        connection.execute(
            instalments.update().where(instalments.c.id == row.id).values(due_date=new_date)
        )
        moved.append(new_date)
    return min(moved) if moved else None


def _next_due(connection: Connection, order_id: str) -> date | None:
    rows = _unpaid(connection, order_id)
    return rows[0].due_date if rows else None


def get_pause(connection: Connection, pause_id: str, *, lock: bool = False) -> Any:
    query = select(pauses).where(pauses.c.id == pause_id)
    pause = connection.execute(query.with_for_update() if lock else query).first()
    if pause is None:
        raise NotFound(f"pause {pause_id} not found")
    return pause


def active_pause(connection: Connection, order_id: str) -> Any:
    return connection.execute(
        select(pauses).where(pauses.c.order_id == order_id, pauses.c.status == "active")
    ).first()


def start_pause(
    connection: Connection,
    *,
    order_id: str,
    reason: str,
    days: int,
    note: str = "",
    consumer_id: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """Pause the purchase from today for ``days`` days; returns the pause."""
    order = _order(connection, order_id, consumer_id)
    if not 1 <= days <= MAX_PAUSE_DAYS:
        raise BadValue(f"a pause lasts 1 to {MAX_PAUSE_DAYS} days")
    if active_pause(connection, order_id) is not None:
        raise AlreadyPaused("this purchase is already paused")
    if outstanding(connection, order_id) <= 0:
        raise Conflict("nothing is owed on this purchase, so there is nothing to pause")
    today = local_day(order.purchase_country, now)
    pause = {
        "id": new_uuid(),
        "order_id": order_id,
        "consumer_id": order.consumer_id,
        "reason": reason,
        "note": note[:500],
        "starts_on": today,
        "ends_on": today + timedelta(days=days),
        "days": days,
        "status": "active",
        "ended_on": None,
        "end_reason": None,
        "created_at": now,
    }
    connection.execute(pauses.insert().values(**pause))
    next_due = _move_due_dates(connection, order_id, days)
    email_consumer(
        connection,
        consumer_id=order.consumer_id,
        kind=messages.PAUSED,
        values={"order_ref": order_id[:8], "ends_on": pause["ends_on"], "next_due": next_due},
        at=now,
        dedupe_key=str(pause["id"]),
    )
    return pause


def report_problem(
    connection: Connection,
    *,
    consumer_id: str,
    order_id: str,
    reason: ProblemReason,
    details: str = "",
    proof_reference: str | None = None,
    paid_amount: Money | None = None,
    paid_on: date | None = None,
    now: datetime,
) -> ReportOutcome:
    """A consumer reports a problem with a purchase; most reasons pause its invoice.

    For *payment not registered*, ``paid_amount``, ``paid_on`` and ``proof_reference`` (what
    the consumer says they paid, when, and the reference they used) help find the payment among
    the bank entries not yet matched; found, it is applied and the report closes at once (S7).
    """
    if len(details) > 2000:
        raise BadValue("details must be at most 2000 characters")
    order = _order(connection, order_id, consumer_id)
    report = {
        "id": new_uuid(),
        "order_id": order_id,
        "consumer_id": consumer_id,
        "reason": reason.value,
        "details": details,
        "proof_reference": proof_reference,
        "status": "open",
        "pause_id": None,
        "created_at": now,
        "resolved_at": None,
    }
    if reason is ProblemReason.paid_store_by_mistake:
        # The store has the money: it must refund it; the invoice stays due.
        report.update(status="guidance", resolved_at=now)
        connection.execute(problem_reports.insert().values(**report))
        return ReportOutcome(str(report["id"]), "guidance")
    if reason is ProblemReason.payment_not_registered and resolve_reported_payment(
        connection, order, proof_reference, now, amount=paid_amount, paid_on=paid_on
    ):
        report.update(status="resolved", resolved_at=now)
        connection.execute(problem_reports.insert().values(**report))
        return ReportOutcome(str(report["id"]), "resolved")
    days = RETURN_PAUSE_DAYS if reason is ProblemReason.returning_items else PAUSE_DAYS
    existing = active_pause(connection, order_id)
    if existing is not None:
        pause_id, ends_on = existing.id, existing.ends_on
    else:
        pause = start_pause(
            connection, order_id=order_id, reason=reason.value, days=days, note=details, now=now
        )
        pause_id, ends_on = pause["id"], pause["ends_on"]
    report["pause_id"] = pause_id
    connection.execute(problem_reports.insert().values(**report))
    return ReportOutcome(str(report["id"]), "open", pause_id, ends_on)


def resolve_reported_payment(
    connection: Connection,
    order: Any,
    proof_reference: str | None,
    now: datetime,
    *,
    amount: Money | None = None,
    paid_on: date | None = None,
) -> bool:
    """Look for the consumer's payment among unmatched bank entries and apply it if found."""
    return match_reported_payment(
        connection,
        order_id=order.id,
        consumer_id=order.consumer_id,
        amount=amount,
        paid_on=paid_on,
        reference=proof_reference,
        at=now,
    )


def end_pause(
    connection: Connection, pause_id: str, *, reason: str, now: datetime, day: date | None = None
) -> bool:
    """End an active pause (expired, operator, refund, dispute); ``False`` if not active."""
    pause = get_pause(connection, pause_id, lock=True)
    if pause.status != "active":
        return False
    order = _order(connection, pause.order_id, None)
    ended_on = day or local_day(order.purchase_country, now)
    connection.execute(
        pauses.update()
        .where(pauses.c.id == pause_id)
        .values(status="ended", ended_on=ended_on, end_reason=reason)
    )
    connection.execute(
        problem_reports.update()
        .where(problem_reports.c.pause_id == pause_id, problem_reports.c.status == "open")
        .values(status="resolved", resolved_at=now)
    )
    owed = outstanding(connection, pause.order_id)
    if owed > 0:
        email_consumer(
            connection,
            consumer_id=pause.consumer_id,
            kind=messages.RESUMED,
            values={
                "order_ref": pause.order_id[:8],
                "outstanding": Money(owed, order.purchase_currency),
                "next_due": _next_due(connection, pause.order_id),
            },
            at=now,
            dedupe_key=pause_id,
        )
    return True


def extend_pause(connection: Connection, pause_id: str, *, days: int, now: datetime) -> Any:
    """Extend an active pause by ``days`` more days, moving the due dates with it."""
    pause = get_pause(connection, pause_id, lock=True)
    if pause.status != "active":
        raise Conflict("only an active pause can be extended")
    if days < 1 or pause.days + days > MAX_PAUSE_DAYS:
        raise BadValue(f"a pause lasts at most {MAX_PAUSE_DAYS} days in total")
    ends_on = pause.ends_on + timedelta(days=days)
    connection.execute(
        pauses.update()
        .where(pauses.c.id == pause_id)
        .values(ends_on=ends_on, days=pause.days + days)
    )
    next_due = _move_due_dates(connection, pause.order_id, days)
    email_consumer(
        connection,
        consumer_id=pause.consumer_id,
        kind=messages.PAUSE_EXTENDED,
        values={"order_ref": pause.order_id[:8], "ends_on": ends_on, "next_due": next_due},
        at=now,
        dedupe_key=f"{pause_id}:{ends_on.isoformat()}",
    )
    return ends_on


def after_refund(
    connection: Connection,
    *,
    order_id: str,
    consumer_id: str,
    refund_id: str,
    amount: Money,
    payback: Money,
    now: datetime,
) -> None:
    """A merchant refund: tell the consumer, and end the purchase's pause if there is one."""
    pause = active_pause(connection, order_id)
    if pause is not None:
        end_pause(connection, pause.id, reason="refund", now=now)
    email_consumer(
        connection,
        consumer_id=consumer_id,
        kind=messages.REFUNDED,
        values={
            "order_ref": order_id[:8],
            "amount": amount,
            "payback": payback,
            "outstanding": Money(outstanding(connection, order_id), amount.currency),
        },
        at=now,
        dedupe_key=refund_id,
    )


@country_task("servicing.pause_expiry", order=10)
def expire_pauses(run: CountryDay) -> int:
    """End the country's pauses whose days are over (their ``ends_on`` has come)."""
    due = run.database.run(
        lambda connection: [
            row.id
            for row in connection.execute(
                select(pauses.c.id)
                .join(orders, orders.c.id == pauses.c.order_id)
                .where(
                    pauses.c.status == "active",
                    pauses.c.ends_on <= run.day,
                    orders.c.purchase_country == run.country,
                )
                .order_by(pauses.c.ends_on, pauses.c.id)
            )
        ]
    )
    ended = 0
    for pause_id in due:
        ended += run.database.run(partial(_expire, pause_id=pause_id, now=run.now, day=run.day))
    return ended


def _expire(connection: Connection, *, pause_id: str, now: datetime, day: date) -> int:
    return int(end_pause(connection, pause_id, reason="expired", now=now, day=day))


def pauses_for_order(connection: Connection, order_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(pauses).where(pauses.c.order_id == order_id).order_by(pauses.c.created_at)
    ).mappings()
    return [dict(row) for row in rows]
