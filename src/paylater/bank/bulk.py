"""Set-based application of the common case: a payment that pays its instalment exactly.

Most entries of a bank file carry the exact reference of the instalment due next on its order and
its exact amount. For those, the effect of :func:`paylater.billing.service.record_payment` is
known in advance (that instalment becomes paid, nothing becomes credit), so a whole chunk is
applied with a few statements: the instalments and entries are updated with ``executemany``,
finished plans are closed, one journal entry moves the chunk's money from suspense to the
consumers' receivables (one posting per consumer), and the "payment received" e-mails are queued
by one job (see :mod:`paylater.bank.receipts`). Everything else goes through the one-by-one
path.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from paylater.bank import references
from paylater.bank.models import bank_collections, bank_entries, payment_references
from paylater.bank.receipts import queue_receipts
from paylater.billing.models import instalments, payment_plans
from paylater.fastsql import execute
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Posting, account, post
from paylater.orders.models import orders

_PAY_INSTALMENT = (
    update(instalments)
    .where(instalments.c.id == bindparam("b_id"))
    .values(paid_amount=instalments.c.amount, status="paid", paid_at=bindparam("b_at"))
)
_APPLY_ENTRY = (
    update(bank_entries)
    .where(bank_entries.c.id == bindparam("b_id"))
    .values(
        state="applied",
        order_id=bindparam("b_order"),
        instalment_id=bindparam("b_instalment"),
        applied_amount=bank_entries.c.amount,
        updated_at=bindparam("b_at"),
    )
)

_CLOSE_PLAN = (
    update(payment_plans)
    .where(payment_plans.c.id == bindparam("b_plan"))
    .where(payment_plans.c.status == "active")
    .values(status="paid")
)


def _reference(row: dict[str, Any]) -> str:
    if row["reference"]:
        return references.normalize(str(row["reference"]))
    return references.find_in_text(str(row["unstructured"] or ""))


def apply_exact(connection: Connection, rows: list[dict[str, Any]], at: datetime) -> set[str]:
    """Apply the new entries of ``rows`` that pay their referenced instalment exactly; returns
    the ids of the entries applied."""
    ends = [row["end_to_end_id"] for row in rows if row["end_to_end_id"]]
    collected = set()
    if ends:  # direct-debit collections are settled one by one
        collected = set(
            connection.execute(
                select(bank_collections.c.id).where(bank_collections.c.id.in_(ends))
            ).scalars()
        )
    wanted: dict[str, str] = {}
    for row in rows:
        if row["state"] != "unmatched" or row["end_to_end_id"] in collected:
            continue
        given = _reference(row)
        if given and references.is_valid(given):
            wanted[row["id"]] = given
    if not wanted:
        return set()
    targets = {
        r.reference: r
        for r in connection.execute(
            select(
                payment_references.c.reference,
                payment_references.c.instalment_id,
                payment_references.c.order_id,
            ).where(payment_references.c.reference.in_(set(wanted.values())))
        )
    }
    order_ids = sorted({t.order_id for t in targets.values()})
    if not order_ids:
        return set()
    if connection.dialect.name == "postgresql":
        connection.execute(
            select(orders.c.id)
            .where(orders.c.id.in_(order_ids))
            .order_by(orders.c.id)
            .with_for_update()
        )
    schedule: dict[str, list[Any]] = defaultdict(list)
    query = (
        select(
            instalments.c.id,
            instalments.c.plan_id,
            instalments.c.order_id,
            instalments.c.consumer_id,
            instalments.c.amount,
            instalments.c.paid_amount,
            instalments.c.currency,
            instalments.c.status,
        )
        .join(payment_plans, payment_plans.c.id == instalments.c.plan_id)
        .where(instalments.c.order_id.in_(order_ids))
        .order_by(payment_plans.c.created_at, payment_plans.c.id, instalments.c.seq)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(of=instalments)
    for instalment in connection.execute(query):
        schedule[instalment.order_id].append(instalment)
    chosen: list[tuple[dict[str, Any], Any]] = []
    used: set[str] = set()
    for row in rows:
        typed = wanted.get(row["id"])
        target = targets.get(typed) if typed else None
        if target is None or target.order_id in used:
            continue
        unpaid = [i for i in schedule[target.order_id] if i.amount > i.paid_amount]
        if not unpaid or unpaid[0].id != target.instalment_id:
            continue
        first = unpaid[0]
        if first.currency != row["currency"] or row["amount"] != first.amount - first.paid_amount:
            continue
        used.add(target.order_id)
        chosen.append((row, first))
    if not chosen:
        return set()
    execute(connection, _PAY_INSTALMENT, [{"b_id": first.id, "b_at": at} for _, first in chosen])
    execute(
        connection,
        _APPLY_ENTRY,
        [
            {"b_id": row["id"], "b_order": first.order_id, "b_instalment": first.id, "b_at": at}
            for row, first in chosen
        ],
    )
    paid = {first.id for _, first in chosen}
    finished = {
        first.plan_id
        for _, first in chosen
        if not any(
            i.plan_id == first.plan_id and i.id not in paid and i.status == "open"
            for i in schedule[first.order_id]
        )
    }
    _close_plans(connection, sorted(finished))
    _post(connection, chosen, at)
    queue_receipts(connection, [row["id"] for row, _ in chosen], at=at)
    return {row["id"] for row, _ in chosen}


def _close_plans(connection: Connection, plan_ids: list[str]) -> None:
    """Mark plans paid (their every instalment is paid now), by primary key."""
    if plan_ids:
        execute(connection, _CLOSE_PLAN, [{"b_plan": plan_id} for plan_id in plan_ids])


def _post(connection: Connection, chosen: list[tuple[dict[str, Any], Any]], at: datetime) -> None:
    per_consumer: dict[tuple[str, str], int] = defaultdict(int)
    for row, first in chosen:
        per_consumer[(first.consumer_id, row["currency"])] += int(row["amount"])
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
        reference=str(chosen[0][0]["file_id"]),
        at=at,
        memo=f"{len(chosen)} bank payments applied by reference",
        entry_postings=postings,
    )
