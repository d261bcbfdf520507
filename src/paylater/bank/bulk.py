"""Set-based application of the common case: a payment that pays its instalment exactly.

Most entries of a bank file carry the exact reference of the instalment due next on its order and
its exact amount. For those, the effect of :func:`paylater.billing.service.record_payment` is
known in advance (that instalment becomes paid, nothing becomes credit), so a whole chunk is
applied with a few statements: the chunk's schedules are read with one query before its entries
are stored, so those entries are inserted already applied (:func:`choose_exact`); then the
instalments are updated with ``executemany``, finished plans are closed, one journal entry moves
the chunk's money from suspense to the consumers' receivables (one posting per consumer), and the
"payment received" e-mails are queued by one job (see :mod:`paylater.bank.receipts`)
(:func:`apply_exact`). Everything else goes through the one-by-one path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    bindparam,
    literal_column,
    select,
    update,
)

from paylater.bank import references
from paylater.bank.entryrow import (
    AMOUNT,
    APPLIED_AMOUNT,
    CURRENCY,
    END_TO_END_ID,
    FILE_ID,
    ID,
    INSTALMENT_ID,
    ORDER_ID,
    STATE,
    EntryRow,
)
from paylater.bank.models import bank_collections, payment_references
from paylater.bank.receipts import queue_receipts
from paylater.billing.models import instalments, payment_plans
from paylater.billing.service import written_off_orders
from paylater.fastsql import bound_list, execute, one_of
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Posting, account, post
from paylater.orders.models import orders

# By the key the chunk's schedule read gave (see _queries): the rowid on SQLite, one index
# look-up fewer per instalment than by id, and the id on PostgreSQL.
_PAY_INSTALMENT = {
    dialect: update(instalments)
    .where(key == bindparam("b_key"))
    .values(paid_amount=instalments.c.amount, status="paid", paid_at=bindparam("b_at"))
    for dialect, key in (
        ("sqlite", literal_column("instalments.rowid")),
        ("postgresql", instalments.c.id),
    )
}
_CLOSE_PLAN = (
    update(payment_plans)
    .where(payment_plans.c.id == bindparam("b_plan"))
    .where(payment_plans.c.status == "active")
    .values(status="paid")
)


def valid_reference(reference: str, unstructured: str) -> str:
    """The reference the payer of an entry gave (structured, else found in its free text) when
    it is a valid one, else ``""``."""
    if reference:
        given = references.normalize(reference)
    else:
        given = references.find_in_text(unstructured or "")
    return given if given and references.is_valid(given) else ""


class _Scheduled(NamedTuple):
    """An instalment of an order one of a chunk's references belongs to."""

    reference: str  # the reference that listed it
    target: str  # the instalment that reference is for
    id: str
    plan_id: str
    order_id: str
    consumer_id: str
    amount: int
    paid_amount: int
    currency: str
    status: str
    seq: int
    key: Any  # what _PAY_INSTALMENT finds it by


@dataclass(slots=True)
class Exact:
    """The entries of a chunk that pay their referenced instalment exactly (``chosen``: entry row
    and instalment), with the schedules of their orders."""

    chosen: list[tuple[EntryRow, _Scheduled]] = field(default_factory=list)
    schedule: dict[str, list[_Scheduled]] = field(default_factory=dict)

    def stored(self, ids: set[str]) -> Exact:
        """Only the entries among ``ids`` (the others turned out to be known already)."""
        return Exact([pair for pair in self.chosen if pair[0][ID] in ids], self.schedule)


@lru_cache(maxsize=4)
def _queries(dialect: str) -> tuple[Any, Any]:
    """The schedules of the orders of a list of references (``b_refs``), and the lock on those
    orders taken first on PostgreSQL."""
    wanted = one_of(payment_references.c.reference, "b_refs", dialect)
    lock = (
        select(orders.c.id)
        .join(payment_references, payment_references.c.order_id == orders.c.id)
        .where(wanted)
        .order_by(orders.c.id)
        .with_for_update(of=orders)
    )
    schedules = (
        select(
            payment_references.c.reference,
            payment_references.c.instalment_id.label("target"),
            instalments.c.id,
            instalments.c.plan_id,
            instalments.c.order_id,
            instalments.c.consumer_id,
            instalments.c.amount,
            instalments.c.paid_amount,
            instalments.c.currency,
            instalments.c.status,
            instalments.c.seq,
            literal_column("instalments.rowid") if dialect == "sqlite" else instalments.c.id,
        )
        .join(instalments, instalments.c.order_id == payment_references.c.order_id)
        .where(wanted)
        .order_by(payment_references.c.reference, instalments.c.plan_id, instalments.c.seq)
    )
    if dialect == "postgresql":
        schedules = schedules.with_for_update(of=instalments)
    return lock, schedules


def choose_exact(connection: Connection, rows: list[EntryRow], paying: list[str]) -> Exact:
    """Find the entries of ``rows`` (not yet stored; ``paying``: their :func:`valid_reference`,
    or ``""``) that pay their referenced instalment exactly, and mark their rows applied to it
    (with the orders locked on PostgreSQL); at most one per order. :func:`apply_exact` then
    applies those that were stored."""
    ends = [row[END_TO_END_ID] for row in rows if row[END_TO_END_ID]]
    collected = set()
    if ends:  # direct-debit collections are settled one by one
        collected = set(
            connection.execute(
                select(bank_collections.c.id).where(bank_collections.c.id.in_(ends))
            ).scalars()
        )
    wanted = {
        row[ID]: given
        for row, given in zip(rows, paying, strict=True)
        if given and row[STATE] == "unmatched" and row[END_TO_END_ID] not in collected
    }
    if not wanted:
        return Exact()
    dialect = connection.dialect.name
    lock, schedules = _queries(dialect)
    distinct = sorted(set(wanted.values()))
    values = bound_list(distinct, dialect)
    if dialect == "postgresql":
        execute(connection, lock, {"b_refs": values})
    targets: dict[str, _Scheduled] = {}  # reference -> its instalment (target) and order
    schedule: dict[str, list[_Scheduled]] = {}
    listed_by: dict[str, str] = {}  # order -> the reference whose rows list its schedule
    replanned: set[str] = set()  # orders with more than one plan
    for found in execute(connection, schedules, {"b_refs": values}).all():
        instalment = _Scheduled._make(found)
        reference = instalment.reference
        targets.setdefault(reference, instalment)
        if listed_by.setdefault(instalment.order_id, reference) == reference:
            listed = schedule.setdefault(instalment.order_id, [])
            if listed and listed[0].plan_id != instalment.plan_id:
                replanned.add(instalment.order_id)
            listed.append(instalment)
    if replanned:
        _in_plan_order(connection, [schedule[order_id] for order_id in sorted(replanned)])
    # Money on a written-off debt is a recovery, booked one by one (see record_payment).
    recovering = written_off_orders(connection, sorted(schedule))
    chosen: list[tuple[EntryRow, _Scheduled]] = []
    used: set[str] = set()
    for row in rows:
        typed = wanted.get(row[ID])
        target = targets.get(typed) if typed else None
        if target is None or target.order_id in used or target.order_id in recovering:
            continue
        unpaid = [i for i in schedule[target.order_id] if i.amount > i.paid_amount]
        if not unpaid or unpaid[0].id != target.target:
            continue
        first = unpaid[0]
        if first.currency != row[CURRENCY] or row[AMOUNT] != first.amount - first.paid_amount:
            continue
        used.add(target.order_id)
        chosen.append((row, first))
        row[STATE] = "applied"
        row[ORDER_ID] = first.order_id
        row[INSTALMENT_ID] = first.id
        row[APPLIED_AMOUNT] = row[AMOUNT]
    return Exact(chosen, schedule)


def _in_plan_order(connection: Connection, schedules: list[list[_Scheduled]]) -> None:
    """Sort the schedules of orders with several plans: oldest plan first, then by sequence."""
    plan_ids = sorted({i.plan_id for listed in schedules for i in listed})
    created = dict(
        connection.execute(
            select(payment_plans.c.id, payment_plans.c.created_at).where(
                payment_plans.c.id.in_(plan_ids)
            )
        ).all()
    )
    for listed in schedules:
        listed.sort(key=lambda i: (created[i.plan_id], i.plan_id, i.seq))


def apply_exact(connection: Connection, exact: Exact, at: datetime) -> set[str]:
    """Pay the instalments of the entries chosen by :func:`choose_exact`, now stored as applied:
    close the plans they finish, post the money and queue the receipts. Returns the entries'
    ids."""
    chosen = exact.chosen
    if not chosen:
        return set()
    execute(
        connection,
        _PAY_INSTALMENT.get(connection.dialect.name, _PAY_INSTALMENT["postgresql"]),
        [{"b_key": first.key, "b_at": at} for _, first in chosen],
    )
    paid = {first.id for _, first in chosen}
    finished = {
        first.plan_id
        for _, first in chosen
        if not any(
            i.plan_id == first.plan_id and i.id not in paid and i.status == "open"
            for i in exact.schedule[first.order_id]
        )
    }
    _close_plans(connection, sorted(finished))
    _post(connection, chosen, at)
    queue_receipts(connection, [row[ID] for row, _ in chosen], at=at)
    return {row[ID] for row, _ in chosen}


def _close_plans(connection: Connection, plan_ids: list[str]) -> None:
    """Mark plans paid (their every instalment is paid now), by primary key."""
    if plan_ids:
        execute(connection, _CLOSE_PLAN, [{"b_plan": plan_id} for plan_id in plan_ids])


def _post(connection: Connection, chosen: list[tuple[EntryRow, Any]], at: datetime) -> None:
    per_consumer: dict[tuple[str, str], int] = defaultdict(int)
    for row, first in chosen:
        per_consumer[(first.consumer_id, row[CURRENCY])] += int(row[AMOUNT])
    totals: dict[str, int] = defaultdict(int)
    postings = []
    for (consumer_id, currency), amount in sorted(per_consumer.items()):
        totals[currency] += amount
        postings.append(
            Posting(
                account(AccountKind.CONSUMER_RECEIVABLE, currency, consumer_id),
                Money(-amount, currency),
            )
        )
    for currency, total in sorted(totals.items()):
        postings.append(Posting(account(AccountKind.SUSPENSE, currency), Money(total, currency)))
    post(
        connection,
        kind="payment:bank_transfer",
        reference=str(chosen[0][0][FILE_ID]),
        at=at,
        memo=f"{len(chosen)} bank payments applied by reference",
        entry_postings=postings,
    )
