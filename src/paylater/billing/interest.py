"""Financing interest is earned as the instalments fall due.

At capture the whole interest of a financing plan is owed by the consumer and held as deferred
interest. On each instalment's due date (in the purchase country), the daily run moves that
instalment's interest from deferred interest to interest income. A refund cancels only interest
not yet earned (see ``billing.service``), so a plan never earns more than it still carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlalchemy import Connection, bindparam, select

from paylater.billing.models import instalments, payment_plans
from paylater.fastsql import execute
from paylater.jobs.daily import CountryDay, country_task
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Entry, Posting, account, post_many

_MARK_EARNED = (
    instalments.update()
    .where(instalments.c.id == bindparam("earned_id"))
    .values(interest_recognized_on=bindparam("earned_on"))
)
_ADD_EARNED = (
    payment_plans.update()
    .where(payment_plans.c.id == bindparam("earned_plan"))
    .values(interest_recognized=payment_plans.c.interest_recognized + bindparam("earned"))
)


def _select_chunk(connection: Connection, after: Any, limit: int, *, run: CountryDay) -> Any:
    query = (
        select(
            instalments.c.id,
            instalments.c.plan_id,
            instalments.c.interest,
            instalments.c.currency,
        )
        .where(
            instalments.c.country == run.country,
            instalments.c.due_date <= run.day,
            instalments.c.interest > 0,
            instalments.c.interest_recognized_on.is_(None),
        )
        .order_by(instalments.c.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(instalments.c.id > after)
    return connection.execute(query).all()


def _earn(connection: Connection, rows: Sequence[Any], *, run: CountryDay) -> int:
    plan_ids = sorted({row.plan_id for row in rows})
    left = {
        plan.id: int(plan.interest) - int(plan.interest_recognized)
        for plan in connection.execute(
            select(
                payment_plans.c.id, payment_plans.c.interest, payment_plans.c.interest_recognized
            )
            .where(payment_plans.c.id.in_(plan_ids))
            .with_for_update()
        )
    }
    entries: list[Entry] = []
    earned: dict[str, int] = {}
    for row in rows:
        amount = min(int(row.interest), max(left[row.plan_id], 0))
        left[row.plan_id] -= amount
        if amount:
            earned[row.plan_id] = earned.get(row.plan_id, 0) + amount
            interest = Money(amount, row.currency)
            entries.append(
                Entry(
                    "interest:earned",
                    row.id,
                    [
                        Posting(account(AccountKind.DEFERRED_INTEREST, row.currency), interest),
                        Posting(account(AccountKind.INTEREST_INCOME, row.currency), -interest),
                    ],
                )
            )
    execute(connection, _MARK_EARNED, [{"earned_id": row.id, "earned_on": run.day} for row in rows])
    if earned:
        execute(
            connection,
            _ADD_EARNED,
            [{"earned_plan": plan, "earned": amount} for plan, amount in earned.items()],
        )
        post_many(connection, entries, at=run.now)
    return len(entries)


def _key(row: Any) -> str:
    return str(row.id)


@country_task("billing.recognize_interest", order=25)
def recognize_interest(run: CountryDay) -> int:
    """Earn the interest of every instalment of the country due on or before the day."""
    return run.in_chunks(partial(_select_chunk, run=run), partial(_earn, run=run), key=_key)
