"""The merchant's settlement statement: every event that changes what the lender owes a merchant.

Captures and refunds already post their ledger entries when they happen (orders service); they
enter the statement when a payout run reads them (:func:`sync`): a capture gives a ``SALE`` (the
captured amount) and a ``FEE`` (the merchant fee), available ``delay_days`` after the capture; a
refund gives a ``RETURN`` — or a ``DISPUTE_LOSS`` when a lost dispute caused it — available at
once. Disputes and the rolling reserve write their rows together with their ledger entries
(:func:`record`). Signed amounts: positive is owed to the merchant. The sum of a merchant's rows
always equals what its merchant payable account has accrued, minus what was paid out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, func, select, true

from paylater.db import insert_ignoring_duplicates
from paylater.disputes.models import disputes
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money
from paylater.orders.models import captures, orders, refunds
from paylater.settlement.models import payouts, settlement_transactions
from paylater.settlement.settings import get_settings


class TransactionType(StrEnum):
    SALE = "SALE"
    FEE = "FEE"
    RETURN = "RETURN"
    DISPUTE_HOLD = "DISPUTE_HOLD"
    DISPUTE_RELEASE = "DISPUTE_RELEASE"
    DISPUTE_LOSS = "DISPUTE_LOSS"
    RESERVE_HOLD = "RESERVE_HOLD"
    RESERVE_RELEASE = "RESERVE_RELEASE"


def record(
    connection: Connection,
    *,
    merchant_id: str,
    kind: TransactionType,
    amount: Money,
    source_id: str,
    order_id: str | None,
    at: datetime,
    available_on: date,
    release_on: date | None = None,
    payout_id: str | None = None,
) -> str:
    """Add one statement row; its ledger entry is the caller's (same transaction)."""
    row_id = new_uuid()
    connection.execute(
        settlement_transactions.insert().values(
            id=row_id,
            merchant_id=merchant_id,
            currency=amount.currency,
            type=kind.value,
            amount=amount.minor,
            source_id=source_id,
            order_id=order_id,
            occurred_at=at,
            available_on=available_on,
            release_on=release_on,
            payout_id=payout_id,
        )
    )
    return row_id


def _missing(kind: TransactionType, source: Any) -> Any:
    statement = settlement_transactions
    return (
        ~select(statement.c.id)
        .where(and_(statement.c.type == kind.value, statement.c.source_id == source))
        .exists()
    )


def sync(connection: Connection, *, before: datetime | None = None) -> int:
    """Add the statement rows of captures and refunds (made before ``before`` when given);
    returns how many.

    Running it again adds nothing (a capture or refund has its rows once).
    """
    rows: list[dict[str, Any]] = []
    delays: dict[str, int] = {}
    new_captures = connection.execute(
        select(
            captures.c.id,
            captures.c.captured_amount,
            captures.c.fee_amount,
            captures.c.captured_at,
            orders.c.id.label("order_id"),
            orders.c.merchant_id,
            orders.c.purchase_currency,
        )
        .join(orders, orders.c.id == captures.c.order_id)
        .where(_missing(TransactionType.SALE, captures.c.id))
        .where(captures.c.captured_at < before if before else true())
        .order_by(captures.c.captured_at, captures.c.id)
    ).all()
    for capture in new_captures:
        if capture.merchant_id not in delays:
            delays[capture.merchant_id] = get_settings(connection, capture.merchant_id).delay_days
        due = capture.captured_at.date() + timedelta(days=delays[capture.merchant_id])
        common = {
            "merchant_id": capture.merchant_id,
            "currency": capture.purchase_currency,
            "source_id": capture.id,
            "order_id": capture.order_id,
            "occurred_at": capture.captured_at,
            "available_on": due,
            "release_on": None,
            "payout_id": None,
        }
        rows.append({**common, "id": new_uuid(), "type": "SALE", "amount": capture.captured_amount})
        if capture.fee_amount:
            rows.append({**common, "id": new_uuid(), "type": "FEE", "amount": -capture.fee_amount})
    new_refunds = connection.execute(
        select(
            refunds.c.id,
            refunds.c.refunded_amount,
            refunds.c.refunded_at,
            orders.c.id.label("order_id"),
            orders.c.merchant_id,
            orders.c.purchase_currency,
            disputes.c.id.label("dispute_id"),
        )
        .join(orders, orders.c.id == refunds.c.order_id)
        .outerjoin(disputes, disputes.c.refund_id == refunds.c.id)
        .where(
            _missing(TransactionType.RETURN, refunds.c.id),
            _missing(TransactionType.DISPUTE_LOSS, refunds.c.id),
        )
        .where(refunds.c.refunded_at < before if before else true())
        .order_by(refunds.c.refunded_at, refunds.c.id)
    ).all()
    for refund in new_refunds:
        rows.append(
            {
                "id": new_uuid(),
                "merchant_id": refund.merchant_id,
                "currency": refund.purchase_currency,
                "type": "DISPUTE_LOSS" if refund.dispute_id else "RETURN",
                "amount": -refund.refunded_amount,
                "source_id": refund.id,
                "order_id": refund.order_id,
                "occurred_at": refund.refunded_at,
                "available_on": refund.refunded_at.date(),
                "release_on": None,
                "payout_id": None,
            }
        )
    if rows:
        # A concurrent reader of the same captures (another run) may have added them meanwhile.
        connection.execute(insert_ignoring_duplicates(connection, settlement_transactions), rows)
    return len(rows)


def transaction_rows(
    connection: Connection,
    merchant_id: str,
    *,
    payout_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The merchant's statement rows (of one payout when given), oldest first, with order data."""
    statement = settlement_transactions
    query = (
        select(
            statement,
            orders.c.merchant_reference1,
            orders.c.merchant_reference2,
            orders.c.plan,
            payouts.c.payment_reference,
        )
        .outerjoin(orders, orders.c.id == statement.c.order_id)
        .outerjoin(payouts, payouts.c.id == statement.c.payout_id)
        .where(statement.c.merchant_id == merchant_id)
        .order_by(statement.c.occurred_at, statement.c.type, statement.c.id)
    )
    if payout_id is not None:
        query = query.where(statement.c.payout_id == payout_id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [dict(row._mapping) for row in connection.execute(query)]


def count_transactions(connection: Connection, merchant_id: str, payout_id: str | None) -> int:
    statement = settlement_transactions
    query = select(func.count()).where(statement.c.merchant_id == merchant_id)
    if payout_id is not None:
        query = query.where(statement.c.payout_id == payout_id)
    return int(connection.execute(query).scalar() or 0)


def transaction_json(row: dict[str, Any]) -> dict[str, Any]:
    kind = row["type"]
    return {
        "transaction_id": row["id"],
        "type": kind,
        "amount": row["amount"],
        "currency_code": row["currency"],
        "order_id": row["order_id"],
        "capture_id": row["source_id"] if kind in ("SALE", "FEE") else None,
        "refund_id": row["source_id"] if kind in ("RETURN", "DISPUTE_LOSS") else None,
        "dispute_id": row["source_id"] if kind in ("DISPUTE_HOLD", "DISPUTE_RELEASE") else None,
        "merchant_reference1": row.get("merchant_reference1") or "",
        "merchant_reference2": row.get("merchant_reference2") or "",
        "plan": row.get("plan"),
        "occurred_at": row["occurred_at"].isoformat(),
        "available_on": row["available_on"].isoformat(),
        "payment_reference": row.get("payment_reference"),
    }


CSV_COLUMNS = (
    "payment_reference",
    "transaction_id",
    "type",
    "occurred_at",
    "available_on",
    "order_id",
    "merchant_reference1",
    "plan",
    "capture_id",
    "refund_id",
    "dispute_id",
    "currency_code",
    "amount",
)


def report_csv(payout: dict[str, Any], rows: Iterable[dict[str, Any]]) -> str:
    """A payout and every transaction in it, as CSV (amounts in minor units)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ("payment_reference", "payment_date", "currency_code", "payout_amount", "transactions")
    )
    writer.writerow(
        (
            payout["payment_reference"],
            payout["run_date"].isoformat(),
            payout["currency"],
            payout["amount"],
            payout["transaction_count"],
        )
    )
    writer.writerow(())
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        data = transaction_json(row)
        writer.writerow(tuple("" if data[c] is None else data[c] for c in CSV_COLUMNS))
    return out.getvalue()


def totals(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Sum per transaction type, in the shape of the Settlements API's ``totals``."""
    sums = {kind.value: 0 for kind in TransactionType}
    for row in rows:
        sums[row["type"]] += row["amount"]
    return {
        "sale_amount": sums["SALE"],
        "fee_amount": -sums["FEE"],
        "return_amount": -sums["RETURN"],
        "dispute_hold_amount": -sums["DISPUTE_HOLD"],
        "dispute_release_amount": sums["DISPUTE_RELEASE"],
        "dispute_loss_amount": -sums["DISPUTE_LOSS"],
        "reserve_hold_amount": -sums["RESERVE_HOLD"],
        "reserve_release_amount": sums["RESERVE_RELEASE"],
        "settlement_amount": sum(sums.values()),
    }
