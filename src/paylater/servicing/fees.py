"""Reminder and late fees: only where the country allows, within its caps, once per day.

A fee raises the instalment's amount (and ``fee_amount``), is recorded in ``fees`` — whose
unique (instalment, day) key refuses a second fee for the same instalment and day — and is
posted to the ledger: the consumer owes more (receivable) and the lender earns it (late fee
income); the fees of one chunk of the daily run share one journal entry. S8: 60.00 SEK on
the first overdue reminder of a Swedish invoice, never again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from paylater.billing.models import instalments
from paylater.fastsql import execute
from paylater.jobs.daily import CountryDay
from paylater.kit.ids import new_ordered_uuid
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Entry, Posting, account, post_many
from paylater.servicing.models import fees
from paylater.servicing.rules import FeeStep, ServicingRules


def fee_allowed(
    rules: ServicingRules,
    step: FeeStep,
    *,
    fees_agreed: bool,
    instalment_fees: int,
    order_fees: int,
    order_amount: int,
) -> int:
    """The fee a step may charge now: its amount, cut to what the caps leave (0 if none)."""
    if rules.fee_needs_agreement and not fees_agreed:
        return 0
    amount = step.amount
    if rules.cap_per_instalment is not None:
        amount = min(amount, rules.cap_per_instalment - instalment_fees)
    order_cap = rules.order_cap(order_amount)
    if order_cap is not None:
        amount = min(amount, order_cap - order_fees)
    return max(amount, 0)


_INSERT_FEE = fees.insert()
_ADD_FEE = (
    instalments.update()
    .where(instalments.c.id == bindparam("fee_instalment"))
    .values(
        amount=instalments.c.amount + bindparam("fee"),
        fee_amount=instalments.c.fee_amount + bindparam("fee"),
    )
)


def fees_so_far(connection: Connection, order_ids: set[str]) -> dict[str, int]:
    """The fees each order has been charged so far (its instalments' ``fee_amount``, which only
    ever grows, by a fee)."""
    if not order_ids:
        return {}
    return {
        order_id: int(total)
        for order_id, total in connection.execute(
            select(instalments.c.order_id, func.sum(instalments.c.fee_amount))
            .where(instalments.c.order_id.in_(sorted(order_ids)))
            .group_by(instalments.c.order_id)
        ).all()
    }


def plan_fees(
    run: CountryDay,
    rules: ServicingRules,
    step: FeeStep,
    rows: Sequence[Any],
    order_fees: dict[str, int],
) -> list[dict[str, Any]]:
    """The ``fees`` rows ``step`` charges on these instalment rows, within the caps.

    Rows carry ``id, order_id, consumer_id, fee_amount, currency, fees_agreed,
    original_order_amount``; ``order_fees`` (the orders' fees so far) is kept up to date as the
    chunk charges, so two instalments of one order never exceed its cap together.
    """
    order_fees = dict(order_fees)
    fee_rows: list[dict[str, Any]] = []
    for row in rows:
        so_far = order_fees.get(row.order_id, 0)
        amount = fee_allowed(
            rules,
            step,
            fees_agreed=bool(row.fees_agreed),
            instalment_fees=int(row.fee_amount),
            order_fees=so_far,
            order_amount=int(row.original_order_amount),
        )
        if amount <= 0:
            continue
        fee_rows.append(
            {
                "id": new_ordered_uuid(),
                "instalment_id": row.id,
                "order_id": row.order_id,
                "consumer_id": row.consumer_id,
                "kind": step.kind,
                "amount": amount,
                "currency": row.currency,
                "day": run.day,
                "created_at": run.now,
            }
        )
        order_fees[row.order_id] = so_far + amount
    return fee_rows


def write_fees(connection: Connection, fee_rows: list[dict[str, Any]], run: CountryDay) -> None:
    """Record planned fees: the ``fees`` rows, the instalments' amounts and the ledger."""
    if not fee_rows:
        return
    execute(connection, _INSERT_FEE, fee_rows)
    execute(
        connection,
        _ADD_FEE,
        [{"fee_instalment": f["instalment_id"], "fee": f["amount"]} for f in fee_rows],
    )
    for kind in sorted({f["kind"] for f in fee_rows}):
        _post_fees(connection, [f for f in fee_rows if f["kind"] == kind], kind, run)


def _post_fees(
    connection: Connection, fee_rows: list[dict[str, Any]], kind: str, run: CountryDay
) -> None:
    """One journal entry per currency for the chunk's fees: each consumer's receivable grows by
    their fees, late-fee income by the total (the ``fees`` rows say which instalment owes what)."""
    owed: dict[tuple[str, str], int] = defaultdict(int)
    for fee in fee_rows:
        owed[(fee["currency"], fee["consumer_id"])] += fee["amount"]
    totals: dict[str, int] = defaultdict(int)
    for (currency, _consumer), amount in owed.items():
        totals[currency] += amount
    post_many(
        connection,
        [
            Entry(
                f"fee:{kind}",
                f"{run.country}:{run.day.isoformat()}",
                [
                    *(
                        Posting(
                            account(AccountKind.CONSUMER_RECEIVABLE, currency, consumer),
                            Money(amount, currency),
                        )
                        for (fee_currency, consumer), amount in owed.items()
                        if fee_currency == currency
                    ),
                    Posting(
                        account(AccountKind.LATE_FEE_INCOME, currency), Money(-total, currency)
                    ),
                ],
                memo=f"{sum(1 for f in fee_rows if f['currency'] == currency)} fees",
            )
            for currency, total in totals.items()
        ],
        at=run.now,
    )
