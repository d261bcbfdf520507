"""The daily reminders: "upcoming" 3 days before a due date, "due today", then overdue reminders
after the grace period, each carrying the fee the country's rules allow.

Which due dates get which e-mail on a day is worked out from the country's calendar (S8: due
Friday 2027-01-15 in Sweden → upcoming on the 12th, due today on the 15th, grace 18–20, first
overdue reminder on the 21st), so the run reads only the instalments due on those dates, through
the ``(status, country, due_date, id)`` index, a chunk at a time. One ``notices`` row per
instalment, kind and due date makes a second run of the same day a no-op; a pause moves the due
dates and so gives the instalment fresh notices for its new date.

Nothing is sent for a paused purchase. Overdue reminders and fees also wait while a payment is
on its way (``processing_until``).

Each chunk is read and its rows prepared outside the write lock; only the inserts hold it, a
few milliseconds per chunk, so merchant requests on SQLite barely wait while a large day runs.
The e-mails themselves are rendered, stored and sent by the worker afterwards, one job per chunk
(see :mod:`paylater.servicing.reminder_mail`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache, partial
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Date, Integer, Select, bindparam, exists, func, or_, select

from paylater.billing.models import instalments
from paylater.fastsql import BoundRows, bind_rows, execute, execute_bound
from paylater.jobs.daily import CountryDay, country_task
from paylater.kit.ids import new_ordered_uuid
from paylater.orders.models import orders
from paylater.plans.calendar import add_business_days
from paylater.servicing.fees import fees_so_far, plan_fees, write_fees
from paylater.servicing.models import notices, pauses
from paylater.servicing.reminder_mail import DUE, UPCOMING, queue_reminder_mail
from paylater.servicing.rules import FeeStep, ServicingRules, servicing_rules

# Holidays stretch grace over at most this many calendar days (a business-day run of 3 + 1
# crossing Easter or Christmas stays well under it).
_LONGEST_GRACE_SPAN = 21


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: str  # upcoming | due | overdue_1 | overdue_2 | …
    due_dates: tuple[date, ...]
    overdue: bool = False
    fee_step: FeeStep | None = None


def first_overdue_day(due_date: date, country: str, grace: int) -> date:
    """The first business day after the grace period that follows ``due_date``."""
    return add_business_days(due_date, grace + 1, country)


def triggers(country: str, day: date, rules: ServicingRules) -> list[Trigger]:
    """What each due date gets on ``day``: the reminder kinds and the due dates they concern."""
    found = [
        Trigger(UPCOMING, (day + timedelta(days=rules.upcoming_days_before),)),
        Trigger(DUE, (day,)),
    ]
    steps = {step.offset_days: step for step in rules.fee_steps}
    grace = rules.grace_business_days
    for number, offset in enumerate(rules.overdue_offsets(), start=1):
        target = day - timedelta(days=offset)
        earliest = target - timedelta(days=_LONGEST_GRACE_SPAN)
        candidates = [earliest + timedelta(days=n) for n in range((target - earliest).days)]
        due_dates = tuple(d for d in candidates if first_overdue_day(d, country, grace) == target)
        if due_dates:
            found.append(Trigger(f"overdue_{number}", due_dates, True, steps.get(offset)))
    return found


_ACTIVE_PAUSE = exists().where(
    pauses.c.order_id == instalments.c.order_id, pauses.c.status == "active"
)


@cache
def _chunk_query(overdue: bool, paged: bool, with_fees: bool) -> Select[Any]:
    """The chunk read, built once per shape (run through :mod:`paylater.fastsql`); ``with_fees``
    adds what the fee rules need: the order's terms and the fees it was charged so far."""
    already = exists().where(
        notices.c.instalment_id == instalments.c.id,
        notices.c.kind == bindparam("kind"),
        notices.c.due_date == instalments.c.due_date,
    )
    query = (
        select(
            instalments.c.id,
            instalments.c.order_id,
            instalments.c.consumer_id,
            instalments.c.due_date,
            instalments.c.amount,
            instalments.c.paid_amount,
            instalments.c.fee_amount,
            instalments.c.currency,
        )
        .where(
            instalments.c.status == "open",
            instalments.c.country == bindparam("country"),
            instalments.c.due_date == bindparam("due_date", type_=Date),
            instalments.c.amount > instalments.c.paid_amount,
            ~_ACTIVE_PAUSE,
            ~already,
        )
        .order_by(instalments.c.id)
        .limit(bindparam("limit", type_=Integer))
    )
    if overdue:
        query = query.where(
            or_(
                instalments.c.processing_until.is_(None),
                instalments.c.processing_until < bindparam("day", type_=Date),
            )
        )
    if paged:
        query = query.where(instalments.c.id > bindparam("after"))
    if with_fees:
        order_instalments = instalments.alias("order_instalments")
        charged = (
            select(func.coalesce(func.sum(order_instalments.c.fee_amount), 0))
            .where(order_instalments.c.order_id == instalments.c.order_id)
            .scalar_subquery()
        )
        query = query.join(orders, orders.c.id == instalments.c.order_id).add_columns(
            orders.c.fees_agreed, orders.c.original_order_amount, charged.label("order_fees")
        )
    return query


def _select_chunk(
    connection: Connection,
    after: Any,
    limit: int,
    *,
    run: CountryDay,
    trigger: Trigger,
    due_date: date,
    ids: Sequence[str] | None = None,
) -> Sequence[Any]:
    values = {
        "kind": trigger.kind,
        "country": run.country,
        "due_date": due_date,
        "limit": limit,
        "day": run.day,
        "after": after,
    }
    query = _chunk_query(trigger.overdue, after is not None, trigger.fee_step is not None)
    if ids is not None:  # the few rows that changed since they were read: no need to be fast
        return connection.execute(query.where(instalments.c.id.in_(ids)), values).all()
    return list(execute(connection, query, values).all())


_INSERT_NOTICES = notices.insert()


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A chunk's reminders, computed with no transaction open: the rows as read, and the rows to
    write for them (fees, and notices already converted for the driver), in the order of
    ``rows``."""

    rows: Sequence[Any]
    fee_rows: list[dict[str, Any]]
    notices: BoundRows
    states: dict[str, tuple[Any, ...]]

    def only(self, instalment_ids: set[str]) -> _Prepared:
        keep = [row.id in instalment_ids for row in self.rows]
        return _Prepared(
            [row for row in self.rows if row.id in instalment_ids],
            [fee for fee in self.fee_rows if fee["instalment_id"] in instalment_ids],
            self.notices.subset(keep),
            {key: state for key, state in self.states.items() if key in instalment_ids},
        )


def _part(
    rows: Sequence[Any], fee_rows: list[dict[str, Any]], *, run: CountryDay, trigger: Trigger
) -> _Prepared:
    charged = {fee["instalment_id"]: int(fee["amount"]) for fee in fee_rows}
    kind, day, now = trigger.kind, run.day, run.now
    notice_rows: list[Mapping[str, Any]] = [
        {
            "instalment_id": instalment_id,
            "order_id": order_id,
            "consumer_id": consumer_id,
            "kind": kind,
            "due_date": due_date,
            "day": day,
            "fee_amount": charged.get(instalment_id, 0),
            "message_id": new_ordered_uuid(),
            "created_at": now,
        }
        for instalment_id, order_id, consumer_id, due_date, *_rest in rows
    ]
    return _Prepared(
        rows,
        fee_rows,
        bind_rows(run.database.engine, _INSERT_NOTICES, notice_rows),
        {row.id: _state(row) for row in rows},
    )


# A fee writes several rows with random keys (the fee, its instalment, the consumer's ledger
# account and posting), a reminder alone one: chunks that may charge fees are written in parts
# this many times smaller, so that no write transaction keeps merchant requests waiting long.
FEE_PARTS = 4


def _compute(
    rows: Sequence[Any],
    order_fees: dict[str, int],
    *,
    run: CountryDay,
    rules: ServicingRules,
    trigger: Trigger,
    size: int | None = None,
) -> list[_Prepared]:
    """The rows to write for ``rows``, in parts of at most ``size`` rows (by default the run's
    chunk size, divided by :data:`FEE_PARTS` when fees are charged)."""
    fee_rows = (
        plan_fees(run, rules, trigger.fee_step, rows, order_fees)
        if trigger.fee_step is not None
        else []
    )
    if size is None:
        size = max(1, run.chunk_size // FEE_PARTS) if fee_rows else run.chunk_size
    parts = []
    for start in range(0, len(rows), size):
        part = rows[start : start + size]
        ids = {row.id for row in part}
        charged = [fee for fee in fee_rows if fee["instalment_id"] in ids]
        parts.append(_part(part, charged, run=run, trigger=trigger))
    return parts


def _prepare(
    rows: Sequence[Any], *, run: CountryDay, rules: ServicingRules, trigger: Trigger
) -> list[_Prepared]:
    order_fees = (
        {row.order_id: int(row.order_fees) for row in rows} if trigger.fee_step is not None else {}
    )
    return _compute(rows, order_fees, run=run, rules=rules, trigger=trigger)


def _write(
    connection: Connection,
    prepared: _Prepared,
    *,
    run: CountryDay,
    trigger: Trigger,
    due_date: date,
) -> None:
    write_fees(connection, prepared.fee_rows, run)
    execute_bound(connection, prepared.notices)
    queue_reminder_mail(
        connection,
        kind=trigger.kind,
        due_date=due_date,
        instalment_ids=[row.id for row in prepared.rows],
        at=run.now,
    )


# What a re-check compares: the instalment's id, due date and amounts, by their positions in
# the chunk read (id, order, consumer, due date, amount, paid, fee, …).
_state: Callable[[Any], tuple[Any, ...]] = itemgetter(0, 3, 4, 5, 6)


@lru_cache(maxsize=32)
def _recheck_query(count: int) -> Select[Any]:
    """What :func:`_still_due` reads for ``count`` instalments, by primary key."""
    noticed = (
        exists()
        .where(
            notices.c.instalment_id == instalments.c.id,
            notices.c.kind == bindparam("kind"),
            notices.c.due_date == instalments.c.due_date,
        )
        .label("noticed")
    )
    return select(
        instalments.c.id,
        instalments.c.due_date,
        instalments.c.amount,
        instalments.c.paid_amount,
        instalments.c.fee_amount,
        instalments.c.status,
        instalments.c.processing_until,
        _ACTIVE_PAUSE.label("paused"),
        noticed,
    ).where(instalments.c.id.in_([bindparam(f"id{n}") for n in range(count)]))


def _in_flight(processing_until: date | None, day: date) -> bool:
    """A payment is on its way (overdue reminders and fees wait for it)."""
    return processing_until is not None and processing_until >= day


def _still_due(
    connection: Connection, ids: list[str], *, run: CountryDay, trigger: Trigger, due_date: date
) -> dict[str, tuple[Any, ...]]:
    """What each instalment is now, for those still due this reminder: the chunk read's
    conditions, checked here on rows fetched by primary key (a filter on status or due date
    would tempt the planner into scanning the whole due date's range for every chunk)."""
    values: dict[str, Any] = {f"id{n}": instalment_id for n, instalment_id in enumerate(ids)}
    values["kind"] = trigger.kind
    now_due = {}
    for row in execute(connection, _recheck_query(len(ids)), values).all():
        key, due, amount, paid, fee, status, processing_until, paused, noticed = row
        if (
            status == "open"
            and due == due_date
            and amount > paid
            and not paused
            and not noticed
            and not (
                trigger.overdue and processing_until is not None and processing_until >= run.day
            )
        ):
            now_due[key] = (key, due, amount, paid, fee)
    return now_due


def _apply(
    connection: Connection,
    prepared: _Prepared,
    *,
    run: CountryDay,
    rules: ServicingRules,
    trigger: Trigger,
    due_date: date,
) -> int:
    """Write a prepared chunk, keeping only what is still due exactly as it was read.

    The rows are checked again under the write lock: an instalment paid, paused or reminded
    meanwhile is dropped, and one whose amounts changed is computed again from what it is now.
    """
    ids = [row.id for row in prepared.rows]
    now_due = _still_due(connection, ids, run=run, trigger=trigger, due_date=due_date)
    unchanged = {key for key, state in prepared.states.items() if now_due.get(key) == state}
    kept = prepared.only(unchanged)
    _write(connection, kept, run=run, trigger=trigger, due_date=due_date)
    changed_ids = [row_id for row_id in now_due if row_id not in unchanged]
    if changed_ids:
        changed = _select_chunk(
            connection,
            None,
            len(changed_ids),
            run=run,
            trigger=trigger,
            due_date=due_date,
            ids=changed_ids,
        )
        order_fees = fees_so_far(connection, {row.order_id for row in changed})
        for part in _compute(
            changed, order_fees, run=run, rules=rules, trigger=trigger, size=max(1, len(changed))
        ):
            _write(connection, part, run=run, trigger=trigger, due_date=due_date)
    return len(kept.rows) + len(changed_ids)


def _chunk_key(row: Any) -> str:
    return str(row.id)


@country_task("servicing.reminders", order=30)
def send_reminders(run: CountryDay) -> int:
    """Send the day's reminders for the country (and charge the fees that go with them)."""
    rules = servicing_rules(run.country)
    sent = 0
    for trigger in triggers(run.country, run.day, rules):
        for due_date in trigger.due_dates:
            # One due date at a time: an exact range of the (status, country, due_date, id)
            # index, read in id order.
            sent += run.in_prepared_chunks(
                partial(_select_chunk, run=run, trigger=trigger, due_date=due_date),
                partial(_prepare, run=run, rules=rules, trigger=trigger),
                partial(_apply, run=run, rules=rules, trigger=trigger, due_date=due_date),
                key=_chunk_key,
            )
    return sent


def notices_for_order(connection: Connection, order_id: str) -> list[dict[str, Any]]:
    """The reminders an order's instalments got, oldest first (for operators and tests)."""
    rows = connection.execute(
        select(notices)
        .where(
            notices.c.instalment_id.in_(
                select(instalments.c.id).where(instalments.c.order_id == order_id)
            )
        )
        .order_by(notices.c.day, notices.c.kind)
    ).mappings()
    return [dict(row) for row in rows]


__all__ = ["first_overdue_day", "notices_for_order", "send_reminders", "triggers"]
