"""Payment plans and instalments: created per capture, reduced by refunds, paid by consumers.

Lock order (documented in paylater.db): order → plan → instalment → payment. Callers hold the
order row already; this module locks instalments with FOR UPDATE (a no-op on SQLite, whose
``BEGIN IMMEDIATE`` already serializes writers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, func, select

from paylater.billing.messages import PAYMENT_RECEIVED, PURCHASE_CONFIRMED
from paylater.billing.models import instalments, payment_plans
from paylater.collections.models import WRITTEN_OFF, collection_cases
from paylater.fastsql import bound_list, execute, one_of
from paylater.kit.ids import new_ordered_uuid, new_ordered_uuids
from paylater.kit.money import Money, round_minor
from paylater.ledger.models import journal_entries, postings
from paylater.ledger.service import AccountKind, Posting, account, post
from paylater.notifications.consumer_mail import Contact, email_consumer
from paylater.plans.allocation import Slot, allocate_payment, allocate_refund
from paylater.plans.schedule import PlanType, build_schedule

_INSERT_PLAN = payment_plans.insert()
_INSERT_INSTALMENTS = instalments.insert()


@dataclass(frozen=True, slots=True)
class CreatedPlan:
    plan_id: str
    principal: int
    interest: int
    due: tuple[tuple[date, int], ...] = ()  # (due date, amount) of each instalment


@dataclass(frozen=True, slots=True)
class RefundEffect:
    receivable_reduction: int
    payback: int
    interest_cancelled: int = 0


def create_plan(
    connection: Connection,
    *,
    order_id: str,
    capture_id: str,
    consumer_id: str,
    plan: PlanType,
    amount: int,
    currency: str,
    country: str,
    capture_date: date,
    at: datetime,
    financing_months: int | None = None,
    financing_rate: Decimal | None = None,
) -> CreatedPlan:
    """Create the consumer's schedule for one capture."""
    schedule = build_schedule(
        plan,
        amount,
        capture_date,
        country,
        months=financing_months,
        nominal_rate=financing_rate,
    )
    plan_id = new_ordered_uuid()
    interest = sum(part.interest for part in schedule)
    execute(
        connection,
        _INSERT_PLAN,
        {
            "id": plan_id,
            "order_id": order_id,
            "capture_id": capture_id,
            "consumer_id": consumer_id,
            "plan": plan.value,
            "currency": currency,
            "country": country,
            "principal": amount,
            "interest": interest,
            "interest_recognized": 0,
            "status": "active",
            "created_at": at,
        },
    )
    execute(
        connection,
        _INSERT_INSTALMENTS,
        [
            {
                "id": instalment_id,
                "plan_id": plan_id,
                "consumer_id": consumer_id,
                "order_id": order_id,
                "country": country,
                "seq": part.seq,
                "due_date": part.due_date,
                "original_amount": part.amount,
                "amount": part.amount,
                "interest": part.interest,
                "paid_amount": 0,
                "fee_amount": 0,
                "processing_until": None,
                "interest_recognized_on": None,
                "currency": currency,
                "status": "open",
                "paid_at": None,
            }
            for part, instalment_id in zip(schedule, new_ordered_uuids(len(schedule)), strict=True)
        ],
    )
    return CreatedPlan(
        plan_id=plan_id,
        principal=amount,
        interest=interest,
        due=tuple((part.due_date, part.amount) for part in schedule),
    )


def confirm_purchase(
    connection: Connection,
    *,
    consumer_id: str,
    order_id: str,
    merchant_name: str,
    created: CreatedPlan,
    currency: str,
    at: datetime,
    contact: Contact | None = None,
) -> None:
    """E-mail the consumer the schedule a capture created. Called once, in the transaction that
    created the plan, so the e-mail goes once per plan without a dedupe key (whose check would
    have to be answered before the capture could go on)."""
    email_consumer(
        connection,
        consumer_id=consumer_id,
        contact=contact,
        kind=PURCHASE_CONFIRMED,
        values={
            "store": merchant_name,
            "order_ref": order_id[:8],
            "total": Money(created.principal + created.interest, currency),
            "schedule": [(due, Money(amount, currency)) for due, amount in created.due],
        },
        at=at,
    )


def _order_instalments(connection: Connection, order_id: str) -> list[tuple[str, int, int]]:
    rows = connection.execute(
        select(instalments.c.id, instalments.c.amount, instalments.c.paid_amount)
        .join(payment_plans, payment_plans.c.id == instalments.c.plan_id)
        .where(payment_plans.c.order_id == order_id)
        .order_by(payment_plans.c.created_at, payment_plans.c.id, instalments.c.seq)
        .with_for_update()
    ).all()
    return [(row.id, int(row.amount), int(row.paid_amount)) for row in rows]


def _status(amount: int, paid: int) -> str:
    if amount == 0 and paid == 0:
        return "cancelled"
    return "paid" if paid >= amount else "open"


def _cancel_interest(
    connection: Connection, order_id: str, refund: int, outstanding_principal: int
) -> int:
    """Financing: the share of not-yet-due interest that a refund of principal cancels.

    Interest not yet earned is cancelled in proportion to the principal refunded (all of it on a
    full refund), taken from the latest plan first; interest already earned (instalments past
    their due date, see ``billing.interest``) stays, and plans without interest are untouched.
    """
    plans = connection.execute(
        select(
            payment_plans.c.id,
            (payment_plans.c.interest - payment_plans.c.interest_recognized).label("interest"),
        )
        .where(payment_plans.c.order_id == order_id)
        .where(payment_plans.c.interest > payment_plans.c.interest_recognized)
        .order_by(payment_plans.c.created_at.desc(), payment_plans.c.id.desc())
        .with_for_update()
    ).all()
    remaining = sum(int(plan.interest) for plan in plans)
    if not remaining or outstanding_principal <= 0:
        return 0
    if refund >= outstanding_principal:
        cancelled = remaining
    else:
        cancelled = round_minor(Decimal(remaining) * refund / outstanding_principal)
    left = cancelled
    for plan in plans:
        taken = min(int(plan.interest), left)
        if taken:
            connection.execute(
                payment_plans.update()
                .where(payment_plans.c.id == plan.id)
                .values(interest=payment_plans.c.interest - taken)
            )
            left -= taken
    return cancelled


def apply_refund(
    connection: Connection, order_id: str, refund: int, *, outstanding_principal: int
) -> RefundEffect:
    """Lower the order's instalments from the last unpaid one; return what is paid back.

    ``outstanding_principal`` is what was captured and not yet refunded before this refund; on a
    financing plan the interest on the refunded principal is cancelled with it.
    """
    interest_cancelled = _cancel_interest(connection, order_id, refund, outstanding_principal)
    rows = _order_instalments(connection, order_id)
    allocation = allocate_refund(
        [Slot(amount, paid) for _, amount, paid in rows], refund + interest_cancelled
    )
    for (instalment_id, amount, paid), new_amount in zip(rows, allocation.new_amounts, strict=True):
        if new_amount != amount:
            # What was paid beyond the new amount is paid back, so it no longer counts as paid.
            kept = min(paid, new_amount)
            connection.execute(
                instalments.update()
                .where(instalments.c.id == instalment_id)
                .values(amount=new_amount, paid_amount=kept, status=_status(new_amount, kept))
            )
    _close_finished_plans(connection, order_id)
    return RefundEffect(allocation.receivable_reduction, allocation.payback, interest_cancelled)


def _close_finished_plans(connection: Connection, order_id: str) -> None:
    open_count = (
        select(func.count())
        .where(instalments.c.plan_id == payment_plans.c.id)
        .where(instalments.c.status == "open")
        .scalar_subquery()
    )
    connection.execute(
        payment_plans.update()
        .where(payment_plans.c.order_id == order_id)
        .where(payment_plans.c.status == "active")
        .where(open_count == 0)
        .values(status="paid")
    )


def outstanding(connection: Connection, order_id: str) -> int:
    return sum(
        amount - paid
        for _, amount, paid in _order_instalments(connection, order_id)
        if amount > paid
    )


def record_payment(
    connection: Connection,
    *,
    order_id: str,
    consumer_id: str,
    payment: Money,
    at: datetime,
    channel: str,
    payment_id: str | None = None,
) -> int:
    """Apply money received from the consumer to the order's earliest unpaid instalments.

    What exceeds the order's debt becomes a credit owed back to the consumer, and the consumer
    gets the "payment received" e-mail (once per ``payment_id`` when one is given). Returns the
    amount applied to instalments.
    """
    rows = _order_instalments(connection, order_id)
    allocation = allocate_payment([Slot(amount, paid) for _, amount, paid in rows], payment.minor)
    for (instalment_id, amount, paid), applied in zip(rows, allocation.applied, strict=True):
        if applied:
            new_paid = paid + applied
            connection.execute(
                instalments.update()
                .where(instalments.c.id == instalment_id)
                .values(
                    paid_amount=new_paid,
                    status=_status(amount, new_paid),
                    paid_at=at if new_paid >= amount else None,
                )
            )
    _close_finished_plans(connection, order_id)
    applied_total = payment.minor - allocation.credit
    currency = payment.currency
    # A debt written off is no longer a receivable: money paid on it is a recovery.
    recovered = applied_total if applied_total and written_off_orders(connection, [order_id]) else 0
    post(
        connection,
        kind=f"payment:{channel}",
        reference=order_id,
        at=at,
        memo="recovery of a debt written off" if recovered else "",
        entry_postings=[
            Posting(account(AccountKind.BANK_CLEARING, currency), payment),
            Posting(
                account(AccountKind.CONSUMER_RECEIVABLE, currency, consumer_id),
                Money(recovered - applied_total, currency),
            ),
            Posting(
                account(AccountKind.CONSUMER_PAYABLE, currency, consumer_id),
                Money(-allocation.credit, currency),
            ),
            *_recovery(connection, order_id, Money(recovered, currency)),
        ],
    )
    email_consumer(
        connection,
        consumer_id=consumer_id,
        kind=PAYMENT_RECEIVED,
        values={
            "amount": payment,
            "order_ref": order_id[:8],
            "outstanding": Money(outstanding(connection, order_id), currency),
        },
        at=at,
        dedupe_key=payment_id,
    )
    return applied_total


def written_off_orders(connection: Connection, order_ids: list[str]) -> set[str]:
    """Those of ``order_ids`` whose debt was written off (see ``collections.service``)."""
    if not order_ids:
        return set()
    dialect = connection.dialect.name
    found = execute(connection, _written_off(dialect), {"b_orders": bound_list(order_ids, dialect)})
    return {row[0] for row in found.all()}


@lru_cache(maxsize=4)
def _written_off(dialect: str) -> Any:
    return (
        select(collection_cases.c.order_id)
        .where(one_of(collection_cases.c.order_id, "b_orders", dialect))
        .where(collection_cases.c.status == WRITTEN_OFF)
    )


def _recovery(connection: Connection, order_id: str, recovered: Money) -> list[Posting]:
    """Where money recovered on a written-off order goes: back out of credit losses, up to what
    the write-off still counts as lost; beyond that it is financing interest the write-off had
    taken back as never earned, earned now that it is paid."""
    if recovered.is_zero:
        return []
    losses = account(AccountKind.CREDIT_LOSSES, recovered.currency)
    still_lost = connection.execute(
        select(func.coalesce(func.sum(postings.c.amount), 0))
        .join(journal_entries, journal_entries.c.id == postings.c.entry_id)
        .where(journal_entries.c.reference == order_id)
        .where(postings.c.account_key == losses)
    ).scalar_one()
    back = Money(min(recovered.minor, max(int(still_lost), 0)), recovered.currency)
    return [
        Posting(losses, -back),
        Posting(account(AccountKind.INTEREST_INCOME, recovered.currency), back - recovered),
    ]


def schedule_rows(
    connection: Connection, order_ids: list[str]
) -> dict[str, list[dict[str, object]]]:
    """Instalments per order, in plan and sequence order, for API and portal views."""
    if not order_ids:
        return {}
    rows = connection.execute(
        select(
            payment_plans.c.order_id,
            payment_plans.c.capture_id,
            instalments.c.seq,
            instalments.c.due_date,
            instalments.c.amount,
            instalments.c.original_amount,
            instalments.c.paid_amount,
            instalments.c.status,
        )
        .join(payment_plans, payment_plans.c.id == instalments.c.plan_id)
        .where(payment_plans.c.order_id.in_(order_ids))
        .order_by(payment_plans.c.created_at, payment_plans.c.id, instalments.c.seq)
    ).all()
    result: dict[str, list[dict[str, object]]] = {order_id: [] for order_id in order_ids}
    for row in rows:
        result[row.order_id].append(
            {
                "capture_id": row.capture_id,
                "sequence": row.seq,
                "due_date": row.due_date.isoformat(),
                "amount": row.amount,
                "original_amount": row.original_amount,
                "paid_amount": row.paid_amount,
                "status": row.status,
            }
        )
    return result
