"""Payout runs: what is due to each merchant becomes one payout per currency and run date.

A run for day D reads new captures and refunds into the statement, releases rolling reserves whose
time has come, then sums, per merchant and currency, every statement row not yet paid out whose
``available_on`` is D or earlier. A positive sum becomes a payout (less a new reserve hold, if the
merchant has one) with a unique payment reference, and those rows are marked as its transactions,
so a payout always equals the sum of the rows it lists. A sum of zero or less pays nothing: the
rows wait and are netted against the next run (the negative balance carries forward). Weekly
merchants are only paid on their weekday. The run is recorded, so running D again changes
nothing. Money leaves merchant payable for bank clearing when the payout is exported to the bank
(:mod:`paylater.settlement.pain001`), not here.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text

from paylater.db import insert_ignoring_duplicates
from paylater.kit.errors import Conflict, NotFound
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money, round_minor
from paylater.ledger.service import AccountKind, Posting, account, post
from paylater.settlement import transactions
from paylater.settlement.models import payout_runs, payouts, settlement_transactions
from paylater.settlement.settings import get_settings
from paylater.settlement.transactions import TransactionType

PENDING = "pending"
SENT = "sent"
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CHUNK = 500
_LOCK_KEY = 0x5E771E  # the advisory lock taken by payout runs and exports


@dataclass
class RunResult:
    day: date
    already_ran: bool
    payouts: list[dict[str, Any]] = field(default_factory=list)
    carried_forward: list[tuple[str, Money]] = field(default_factory=list)


def new_payment_reference(day: date) -> str:
    """``PL`` + the run date + 6 random characters: short enough for every bank line."""
    suffix = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
    return f"PL{day:%Y%m%d}{suffix}"


def _payouts_of(connection: Connection, day: date) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(payouts).where(payouts.c.run_date == day).order_by(payouts.c.merchant_id)
    )
    return [dict(row._mapping) for row in rows]


def _release_reserves(connection: Connection, day: date, now: datetime) -> int:
    """Give back reserve holds whose release day has come (once each)."""
    statement = settlement_transactions
    released = statement.alias("released")
    due = connection.execute(
        select(statement)
        .where(
            statement.c.type == TransactionType.RESERVE_HOLD.value,
            statement.c.release_on <= day,
            ~select(released.c.id)
            .where(
                released.c.type == TransactionType.RESERVE_RELEASE.value,
                released.c.source_id == statement.c.id,
            )
            .exists(),
        )
        .order_by(statement.c.release_on, statement.c.id)
    ).all()
    for hold in due:
        amount = Money(-hold.amount, hold.currency)
        post(
            connection,
            kind="reserve_release",
            reference=hold.id,
            at=now,
            entry_postings=[
                Posting(
                    account(AccountKind.MERCHANT_RESERVE, hold.currency, hold.merchant_id), amount
                ),
                Posting(
                    account(AccountKind.MERCHANT_PAYABLE, hold.currency, hold.merchant_id), -amount
                ),
            ],
        )
        transactions.record(
            connection,
            merchant_id=hold.merchant_id,
            kind=TransactionType.RESERVE_RELEASE,
            amount=amount,
            source_id=hold.id,
            order_id=None,
            at=now,
            available_on=hold.release_on,
        )
    return len(due)


def _hold_reserve(
    connection: Connection,
    *,
    merchant_id: str,
    payout_id: str,
    sales: Money,
    net: Money,
    rate_bp: int,
    days: int,
    day: date,
    now: datetime,
) -> Money:
    """Withhold the rolling reserve from a payout; never the whole payout."""
    reserve = Money(round_minor(Decimal(sales.minor) * rate_bp / 10_000), net.currency)
    if reserve.minor <= 0 or reserve >= net:
        return Money.zero(net.currency)
    post(
        connection,
        kind="reserve_hold",
        reference=payout_id,
        at=now,
        entry_postings=[
            Posting(account(AccountKind.MERCHANT_PAYABLE, net.currency, merchant_id), reserve),
            Posting(account(AccountKind.MERCHANT_RESERVE, net.currency, merchant_id), -reserve),
        ],
    )
    transactions.record(
        connection,
        merchant_id=merchant_id,
        kind=TransactionType.RESERVE_HOLD,
        amount=-reserve,
        source_id=payout_id,
        order_id=None,
        at=now,
        available_on=day,
        release_on=day + timedelta(days=days),
        payout_id=payout_id,
    )
    return reserve


_ASSIGN = (
    settlement_transactions.update()
    .where(settlement_transactions.c.id.in_(bindparam("ids", expanding=True)))
    .where(settlement_transactions.c.payout_id.is_(None))
    .values(payout_id=bindparam("payout_id"))
)


def serialize_settlement(connection: Connection) -> None:
    """Let one payout run or export at a time proceed (PostgreSQL; SQLite has one writer).

    Two runs of different days (a worker catching up) would otherwise both pick the same unpaid
    rows.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def run_payouts(connection: Connection, day: date, *, now: datetime) -> RunResult:
    """Create the payouts of run date ``day``; a second run for the same day changes nothing."""
    serialize_settlement(connection)
    # Claim the day first: a concurrent run of the same day waits here, then finds it taken.
    claimed = connection.execute(
        insert_ignoring_duplicates(connection, payout_runs).returning(payout_runs.c.run_date),
        {"run_date": day, "payouts": 0, "carried_forward": 0, "created_at": now},
    ).first()
    if claimed is None:
        return RunResult(day, already_ran=True, payouts=_payouts_of(connection, day))
    transactions.sync(connection)
    _release_reserves(connection, day, now)
    statement = settlement_transactions
    due = connection.execute(
        select(statement.c.id, statement.c.merchant_id, statement.c.currency)
        .add_columns(statement.c.type, statement.c.amount)
        .where(statement.c.payout_id.is_(None), statement.c.available_on <= day)
        .order_by(statement.c.merchant_id, statement.c.currency, statement.c.id)
    ).all()
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in due:
        groups[(row.merchant_id, row.currency)].append(row)
    result = RunResult(day, already_ran=False)
    for (merchant_id, currency), rows in groups.items():
        settings = get_settings(connection, merchant_id)
        if not settings.pays_on(day.weekday()):
            continue
        net = Money(sum(row.amount for row in rows), currency)
        if net.minor <= 0:
            result.carried_forward.append((merchant_id, net))
            continue
        payout_id = new_uuid()
        sales = Money(sum(r.amount for r in rows if r.type == TransactionType.SALE), currency)
        reserve = Money.zero(currency)
        if settings.reserve_rate_bp:
            reserve = _hold_reserve(
                connection,
                merchant_id=merchant_id,
                payout_id=payout_id,
                sales=sales,
                net=net,
                rate_bp=settings.reserve_rate_bp,
                days=settings.reserve_days,
                day=day,
                now=now,
            )
        ids = [row.id for row in rows]
        assigned = 0
        for start in range(0, len(ids), _CHUNK):
            chunk = {"ids": ids[start : start + _CHUNK], "payout_id": payout_id}
            assigned += connection.execute(_ASSIGN, chunk).rowcount
        if assigned != len(ids):
            raise Conflict("statement rows changed during the payout run; run it again")
        payout = {
            "id": payout_id,
            "payment_reference": new_payment_reference(day),
            "merchant_id": merchant_id,
            "currency": currency,
            "amount": (net - reserve).minor,
            "run_date": day,
            "status": PENDING,
            "transaction_count": len(rows) + (1 if reserve.minor else 0),
            "export_id": None,
            "created_at": now,
            "sent_at": None,
        }
        connection.execute(payouts.insert().values(**payout))
        result.payouts.append(payout)
    connection.execute(
        payout_runs.update()
        .where(payout_runs.c.run_date == day)
        .values(payouts=len(result.payouts), carried_forward=len(result.carried_forward))
    )
    return result


def get_payout(connection: Connection, merchant_id: str, payment_reference: str) -> dict[str, Any]:
    row = connection.execute(
        select(payouts).where(
            payouts.c.payment_reference == payment_reference,
            payouts.c.merchant_id == merchant_id,
        )
    ).first()
    if row is None:
        raise NotFound(f"no payout {payment_reference}")
    return dict(row._mapping)


def list_payouts(
    connection: Connection,
    merchant_id: str,
    *,
    start_date: date | None = None,
    end_date: date | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """The merchant's payouts, newest first, and how many match in all."""
    conditions = [payouts.c.merchant_id == merchant_id]
    if start_date is not None:
        conditions.append(payouts.c.run_date >= start_date)
    if end_date is not None:
        conditions.append(payouts.c.run_date <= end_date)
    total = int(
        connection.execute(select(func.count()).select_from(payouts).where(*conditions)).scalar()
        or 0
    )
    rows = connection.execute(
        select(payouts)
        .where(*conditions)
        .order_by(payouts.c.run_date.desc(), payouts.c.currency)
        .limit(limit)
        .offset(offset)
    )
    return [dict(row._mapping) for row in rows], total


def payout_totals(connection: Connection, payout_ids: list[str]) -> dict[str, dict[str, int]]:
    """The totals of each payout, by transaction type (see :func:`transactions.totals`)."""
    statement = settlement_transactions
    grouped: dict[str, list[dict[str, Any]]] = {payout_id: [] for payout_id in payout_ids}
    if payout_ids:
        rows = connection.execute(
            select(statement.c.payout_id, statement.c.type, func.sum(statement.c.amount))
            .where(statement.c.payout_id.in_(payout_ids))
            .group_by(statement.c.payout_id, statement.c.type)
        ).all()
        for payout_id, kind, amount in rows:
            grouped[payout_id].append({"type": kind, "amount": int(amount)})
    return {payout_id: transactions.totals(rows) for payout_id, rows in grouped.items()}


def payout_json(payout: dict[str, Any], totals: dict[str, int]) -> dict[str, Any]:
    sent_at = payout["sent_at"]
    return {
        "payment_reference": payout["payment_reference"],
        "payment_date": payout["run_date"].isoformat(),
        "merchant_id": payout["merchant_id"],
        "currency_code": payout["currency"],
        "amount": payout["amount"],
        "status": payout["status"],
        "sent_at": sent_at.isoformat() if sent_at else None,
        "transaction_count": payout["transaction_count"],
        "totals": totals,
    }


def unpaid_balance(connection: Connection, merchant_id: str, currency: str) -> Money:
    """What the statement owes the merchant beyond every payout made so far (may be negative)."""
    statement = settlement_transactions
    value = connection.execute(
        select(func.sum(statement.c.amount)).where(
            statement.c.merchant_id == merchant_id,
            statement.c.currency == currency,
            statement.c.payout_id.is_(None),
        )
    ).scalar()
    return Money(int(value or 0), currency)
