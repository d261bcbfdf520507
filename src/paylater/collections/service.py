"""Collections cases: opened by the daily run, closed by full payment, exported, written off.

A case opens for an order once one of its instalments is more than the country's threshold of days
overdue (grace period over, order not paused). It holds the consumer back from new purchases (see
the ``IN_COLLECTIONS`` credit rule) until nothing is owed on the order any more, when the daily run
closes it, or until an operator writes the debt off (receivable → credit losses in the ledger).
A written-off order never opens another case. At most one case per order is open at a time (a
partial unique index), so the daily run can repeat or restart without opening a second.

Lock order follows paylater.db: order → case → instalments.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select

from paylater.billing.models import instalments
from paylater.collections.ageing import OWED, PAUSED
from paylater.collections.messages import CASE_CLOSED, CASE_OPENED
from paylater.collections.models import (
    BLOCKING_STATUSES,
    CLOSED,
    OPEN,
    WRITTEN_OFF,
    collection_cases,
)
from paylater.collections.rules import days_overdue, rules_for
from paylater.consumers.models import consumers
from paylater.credit.service import overdue_cutoff
from paylater.db import insert_ignoring_duplicates
from paylater.kit.errors import Conflict, NotFound
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money, exponent
from paylater.ledger.service import AccountKind, Posting, account, post
from paylater.notifications.consumer_mail import email_consumer
from paylater.orders.models import orders

_UNPAID = and_(instalments.c.status == "open", OWED > 0)
_CASE_ORDER_BLOCKED = exists().where(
    and_(
        collection_cases.c.order_id == instalments.c.order_id,
        collection_cases.c.status.in_(BLOCKING_STATUSES),
    )
)
# Something is still owed on the case's order.
_CASE_ORDER_OWES = exists().where(
    and_(instalments.c.order_id == collection_cases.c.order_id, _UNPAID)
)
# What the case's order still owes, and its earliest unpaid due date.
_ORDER_OWED = (
    select(func.coalesce(func.sum(OWED), 0))
    .where(instalments.c.order_id == collection_cases.c.order_id)
    .where(_UNPAID)
    .scalar_subquery()
)
_ORDER_OLDEST_UNPAID = (
    select(func.min(instalments.c.due_date))
    .where(instalments.c.order_id == collection_cases.c.order_id)
    .where(_UNPAID)
    .scalar_subquery()
)


class NoSuchCase(NotFound):
    code = "NO_SUCH_CASE"


class CaseNotOpen(Conflict):
    code = "CASE_NOT_OPEN"


@dataclass(frozen=True, slots=True)
class DueOrder:
    """An order with an instalment past the collections threshold and no case yet."""

    order_id: str
    consumer_id: str
    currency: str
    oldest_due_date: date


# --- the daily run ---------------------------------------------------------------------------


def select_orders_due(
    connection: Connection, country: str, day: date, after: str | None, limit: int
) -> list[DueOrder]:
    """Orders of ``country`` that go to collections on ``day``, by order id after ``after``."""
    latest = min(overdue_cutoff(day, country), rules_for(country).latest_due_date(day))
    query = (
        select(
            instalments.c.order_id,
            instalments.c.consumer_id,
            instalments.c.currency,
            func.min(instalments.c.due_date),
        )
        .where(instalments.c.status == "open")
        .where(instalments.c.country == country)
        .where(instalments.c.due_date <= latest)
        .where(OWED > 0)
        .where(~PAUSED)
        .where(~_CASE_ORDER_BLOCKED)
        .group_by(instalments.c.order_id, instalments.c.consumer_id, instalments.c.currency)
        .order_by(instalments.c.order_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(instalments.c.order_id > after)
    return [DueOrder(*row) for row in connection.execute(query)]


def _owed_by_order(connection: Connection, order_ids: list[str]) -> dict[str, int]:
    rows = connection.execute(
        select(instalments.c.order_id, func.sum(OWED))
        .where(instalments.c.order_id.in_(order_ids))
        .where(_UNPAID)
        .group_by(instalments.c.order_id)
    )
    return {order_id: int(owed) for order_id, owed in rows}


def open_cases(
    connection: Connection,
    due: Sequence[DueOrder],
    *,
    country: str,
    day: date,
    at: datetime,
) -> int:
    """Open a case for each order in ``due`` and e-mail its consumer; returns cases opened."""
    owed = _owed_by_order(connection, [order.order_id for order in due])
    insert = insert_ignoring_duplicates(connection, collection_cases).returning(
        collection_cases.c.id
    )
    opened = 0
    for order in due:
        amount = owed.get(order.order_id, 0)
        if amount <= 0:
            continue
        days = days_overdue(day, order.oldest_due_date)
        case_id = new_uuid()
        inserted = connection.execute(
            insert,
            {
                "id": case_id,
                "consumer_id": order.consumer_id,
                "order_id": order.order_id,
                "country": country,
                "currency": order.currency,
                "amount_owed": amount,
                "oldest_due_date": order.oldest_due_date,
                "days_overdue_at_opening": days,
                "opened_on": day,
                "status": OPEN,
                "closed_on": None,
                "written_off_amount": None,
                "write_off_entry_id": None,
                "created_at": at,
                "updated_at": at,
            },
        ).first()
        if inserted is None:  # opened meanwhile by another run
            continue
        opened += 1
        email_consumer(
            connection,
            consumer_id=order.consumer_id,
            kind=CASE_OPENED,
            values={
                "amount": Money(amount, order.currency),
                "order_ref": order.order_id[:8],
                "days": days,
            },
            at=at,
            dedupe_key=case_id,
        )
    return opened


def select_cases_paid(
    connection: Connection, country: str, after: str | None, limit: int
) -> list[str]:
    """Open cases of ``country`` whose order owes nothing any more, by case id after ``after``."""
    query = (
        select(collection_cases.c.id)
        .where(collection_cases.c.status == OPEN)
        .where(collection_cases.c.country == country)
        .where(~_CASE_ORDER_OWES)
        .order_by(collection_cases.c.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(collection_cases.c.id > after)
    return list(connection.execute(query).scalars())


def close_cases(connection: Connection, case_ids: Sequence[str], *, day: date, at: datetime) -> int:
    """Close the given cases if they are still open and their order owes nothing.

    The consumer is told by e-mail that they can buy again. Returns the cases closed.
    """
    closed = connection.execute(
        collection_cases.update()
        .where(collection_cases.c.id.in_(list(case_ids)))
        .where(collection_cases.c.status == OPEN)
        .where(~_CASE_ORDER_OWES)
        .values(status=CLOSED, closed_on=day, updated_at=at)
        .returning(
            collection_cases.c.id, collection_cases.c.consumer_id, collection_cases.c.order_id
        )
    ).all()
    for case in closed:
        email_consumer(
            connection,
            consumer_id=case.consumer_id,
            kind=CASE_CLOSED,
            values={"order_ref": case.order_id[:8]},
            at=at,
            dedupe_key=case.id,
        )
    return len(closed)


# --- operator views --------------------------------------------------------------------------

_CASE_COLUMNS = (
    collection_cases.c.id,
    collection_cases.c.consumer_id,
    collection_cases.c.order_id,
    collection_cases.c.country,
    collection_cases.c.currency,
    collection_cases.c.amount_owed,
    collection_cases.c.oldest_due_date,
    collection_cases.c.days_overdue_at_opening,
    collection_cases.c.opened_on,
    collection_cases.c.status,
    collection_cases.c.closed_on,
    collection_cases.c.written_off_amount,
    collection_cases.c.write_off_entry_id,
)


def case_view(row: Any) -> dict[str, Any]:
    """A case as the admin API shows it (amounts in minor units, dates ISO 8601)."""
    return {
        "case_id": row.id,
        "consumer_id": row.consumer_id,
        "order_id": row.order_id,
        "country": row.country,
        "currency": row.currency,
        "amount_owed_at_opening": int(row.amount_owed),
        "amount_owed": int(row.owed_now),
        "oldest_due_date": row.oldest_due_date.isoformat(),
        "days_overdue_at_opening": int(row.days_overdue_at_opening),
        "opened_on": row.opened_on.isoformat(),
        "status": row.status,
        "closed_on": row.closed_on.isoformat() if row.closed_on else None,
        "written_off_amount": row.written_off_amount,
        "write_off_entry_id": row.write_off_entry_id,
    }


def list_cases(
    connection: Connection,
    *,
    status: str | None = None,
    country: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Cases, most recently opened first, optionally of one status and country."""
    query = select(*_CASE_COLUMNS, _ORDER_OWED.label("owed_now"))
    if status is not None:
        query = query.where(collection_cases.c.status == status)
    if country is not None:
        query = query.where(collection_cases.c.country == country)
    query = (
        query.order_by(collection_cases.c.opened_on.desc(), collection_cases.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [case_view(row) for row in connection.execute(query)]


def get_case(connection: Connection, case_id: str) -> dict[str, Any]:
    row = connection.execute(
        select(*_CASE_COLUMNS, _ORDER_OWED.label("owed_now")).where(
            collection_cases.c.id == case_id
        )
    ).first()
    if row is None:
        raise NoSuchCase(f"no collections case {case_id}")
    return case_view(row)


EXPORT_COLUMNS = (
    "case_id",
    "consumer_name",
    "email",
    "country",
    "order_id",
    "currency",
    "amount_owed",
    "days_overdue",
    "opened_on",
)
# A cell starting with one of these is a formula to a spreadsheet: names come from shoppers.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def major_units(amount: Money) -> str:
    """``Money(123450, "SEK")`` → ``"1234.50"``: the amount in major units, exact."""
    return f"{amount.to_decimal():.{exponent(amount.currency)}f}"


def export_rows(
    connection: Connection, today: date, *, country: str | None = None
) -> list[tuple[str, ...]]:
    """One row per open case (see :data:`EXPORT_COLUMNS`): what is owed now, as of ``today``."""
    query = (
        select(
            collection_cases.c.id,
            consumers.c.given_name,
            consumers.c.family_name,
            consumers.c.email,
            collection_cases.c.country,
            collection_cases.c.order_id,
            collection_cases.c.currency,
            _ORDER_OWED.label("owed"),
            _ORDER_OLDEST_UNPAID.label("oldest"),
            collection_cases.c.opened_on,
        )
        .join(consumers, consumers.c.id == collection_cases.c.consumer_id)
        .where(collection_cases.c.status == OPEN)
        .order_by(collection_cases.c.opened_on, collection_cases.c.id)
    )
    if country is not None:
        query = query.where(collection_cases.c.country == country)
    rows: list[tuple[str, ...]] = []
    for row in connection.execute(query):
        name = f"{row.given_name} {row.family_name}".strip()
        days = max(days_overdue(today, row.oldest), 0) if row.oldest else 0
        rows.append(
            (
                row.id,
                _cell(name),
                _cell(row.email),
                row.country,
                row.order_id,
                row.currency,
                major_units(Money(int(row.owed), row.currency)),
                str(days),
                row.opened_on.isoformat(),
            )
        )
    return rows


def export_csv(connection: Connection, today: date, *, country: str | None = None) -> str:
    """The open cases as CSV (RFC 4180, header first) for a collections agency."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(export_rows(connection, today, country=country))
    return buffer.getvalue()


# --- write-off -------------------------------------------------------------------------------


def write_off(connection: Connection, case_id: str, *, at: datetime) -> dict[str, Any]:
    """Write off what the case's order still owes: receivable → credit losses, once.

    Unpaid financing interest goes back to deferred interest rather than to credit losses. The
    instalments stay as they are (the consumer still owes the debt); the order stops ageing and
    never opens another case, and the consumer stays blocked from new purchases.
    """
    found = connection.execute(
        select(collection_cases.c.order_id).where(collection_cases.c.id == case_id)
    ).first()
    if found is None:
        raise NoSuchCase(f"no collections case {case_id}")
    connection.execute(
        select(orders.c.id).where(orders.c.id == found.order_id).with_for_update()
    ).first()
    case = connection.execute(
        select(collection_cases).where(collection_cases.c.id == case_id).with_for_update()
    ).one()
    if case.status != OPEN:
        raise CaseNotOpen(f"collections case {case_id} is {case.status}, not open")
    unpaid = connection.execute(
        select(OWED.label("owed"), instalments.c.interest, instalments.c.interest_recognized_on)
        .where(instalments.c.order_id == case.order_id)
        .where(_UNPAID)
        .with_for_update()
    ).all()
    currency = case.currency
    amount = Money(sum(int(row.owed) for row in unpaid), currency)
    if amount.is_zero:
        raise CaseNotOpen(f"nothing is owed on collections case {case_id} any more")
    # Financing interest not yet earned (its instalment not yet due) leaves deferred interest
    # instead of counting as a loss (a payment is taken to settle an instalment's principal
    # first); interest already earned is part of the loss.
    unearned = Money(
        sum(
            min(int(row.interest), int(row.owed))
            for row in unpaid
            if row.interest_recognized_on is None
        ),
        currency,
    )
    entry_id = post(
        connection,
        kind="collections.write_off",
        reference=case.order_id,
        at=at,
        memo=f"collections case {case_id}",
        entry_postings=[
            Posting(account(AccountKind.CREDIT_LOSSES, currency), amount - unearned),
            Posting(account(AccountKind.DEFERRED_INTEREST, currency), unearned),
            Posting(account(AccountKind.CONSUMER_RECEIVABLE, currency, case.consumer_id), -amount),
        ],
    )
    # The interest taken back above is never earned later by the daily run (see
    # billing.interest); paid after all, it is earned then (see billing.service.record_payment).
    connection.execute(
        instalments.update()
        .where(instalments.c.order_id == case.order_id)
        .where(_UNPAID)
        .where(instalments.c.interest_recognized_on.is_(None))
        .values(interest_recognized_on=at.date())
    )
    connection.execute(
        collection_cases.update()
        .where(collection_cases.c.id == case_id)
        .values(
            status=WRITTEN_OFF,
            closed_on=at.date(),
            written_off_amount=amount.minor,
            write_off_entry_id=entry_id,
            updated_at=at,
        )
    )
    return get_case(connection, case_id)
