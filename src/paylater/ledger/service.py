"""Posting journal entries, reversing them, and verifying every balance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Insert,
    String,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    select,
    values,
)
from sqlalchemy.dialects import postgresql

from paylater.db import insert_ignoring_duplicates
from paylater.fastsql import execute
from paylater.kit.ids import new_ordered_uuid
from paylater.kit.money import Money
from paylater.ledger.models import journal_entries, ledger_accounts, postings


class AccountKind(StrEnum):
    CONSUMER_RECEIVABLE = "consumer_receivable"  # what consumers owe the lender
    CONSUMER_PAYABLE = "consumer_payable"  # what the lender owes consumers (refunds, overpayments)
    MERCHANT_PAYABLE = "merchant_payable"  # what the lender owes merchants
    BANK_CLEARING = "bank_clearing"  # money on its way through the lender's bank accounts
    FEE_INCOME = "fee_income"  # merchant fees
    LATE_FEE_INCOME = "late_fee_income"  # reminder and late fees
    INTEREST_INCOME = "interest_income"  # financing interest as it is earned
    DEFERRED_INTEREST = "deferred_interest"  # financing interest not yet earned
    SUSPENSE = "suspense"  # bank money not yet matched to an invoice
    CREDIT_LOSSES = "credit_losses"  # debt written off
    DISPUTE_HOLD = "dispute_hold"  # merchant money withheld while a dispute is open
    MERCHANT_RESERVE = "merchant_reserve"  # rolling reserve withheld from merchant payouts


_INSERT_POSTINGS = postings.insert()
_INSERT_ENTRY = journal_entries.insert()


@lru_cache(maxsize=32)
def insert_missing_accounts(count: int) -> Insert:
    """PostgreSQL: insert those of ``count`` account keys (bound as ``b_key_0`` …) that do not
    exist yet, in one statement.

    An ``INSERT … ON CONFLICT`` that meets an existing account row whose balance another
    transaction is updating waits for that transaction, and every capture updates the fee income
    and the merchant's payable rows. The ``NOT EXISTS`` filter reads without waiting, so only keys
    that are really missing reach the conflict check. Kind, owner and currency are the key's
    three parts (see :func:`account`).

    The keys are a ``VALUES`` list of fixed length rather than an array: PostgreSQL then
    estimates the prepared statement's generic plan exactly like a plan for the values at hand,
    and keeps the generic one instead of planning the statement again at every execution.
    """
    wanted = values(column("wanted_key", String), name="wanted").data(
        [(bindparam(f"b_key_{index}", type_=String),) for index in range(count)]
    )
    key = wanted.c.wanted_key
    part = [func.split_part(key, literal_column("'/'"), literal_column(str(n))) for n in (1, 2, 3)]
    missing = select(key, *part, literal_column("0")).where(
        ~exists().where(ledger_accounts.c.key == key)
    )
    return (
        postgresql.insert(ledger_accounts)
        .from_select(["key", "kind", "owner", "currency", "balance"], missing)
        .on_conflict_do_nothing()
    )


class LedgerError(ValueError):
    """An entry that would break the ledger's rules; nothing was written."""


def account(kind: AccountKind, currency: str, owner: str = "") -> str:
    """The key of an account, e.g. ``merchant_payable/mer_1a2b/SEK``."""
    return f"{kind.value}/{owner}/{currency}"


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    amount: Money


@dataclass(slots=True)
class VerifyReport:
    accounts: int = 0
    entries: int = 0
    postings: int = 0
    drift: list[tuple[str, int, int]] = field(default_factory=list)
    unbalanced: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            not self.drift
            and not self.unbalanced
            and all(total == 0 for total in self.totals.values())
        )


def _check(entry_postings: Sequence[Posting]) -> None:
    if len(entry_postings) < 2:
        raise LedgerError("an entry needs at least two postings")
    sums: dict[str, int] = defaultdict(int)
    for posting in entry_postings:
        kind, _owner, currency = posting.account.split("/")
        AccountKind(kind)
        if currency != posting.amount.currency:
            raise LedgerError(f"{posting.account} cannot hold {posting.amount.currency}")
        sums[currency] += posting.amount.minor
    unbalanced = {currency: total for currency, total in sums.items() if total != 0}
    if unbalanced:
        raise LedgerError(f"entry does not balance: {unbalanced}")


@dataclass(frozen=True, slots=True)
class Entry:
    """One balanced journal entry to write with :func:`post_many`."""

    kind: str
    reference: str
    postings: Sequence[Posting]
    memo: str = ""
    reverses: str | None = None


def post(
    connection: Connection,
    *,
    kind: str,
    reference: str,
    entry_postings: Sequence[Posting],
    at: datetime,
    memo: str = "",
    reverses: str | None = None,
) -> str:
    """Write one balanced entry; zero-amount postings are dropped. Returns the entry id."""
    return post_many(connection, [Entry(kind, reference, entry_postings, memo, reverses)], at=at)[0]


def post_many(connection: Connection, entries: Sequence[Entry], *, at: datetime) -> list[str]:
    """Write several balanced entries with one insert per table; returns their ids in order.

    Each entry is checked and sealed on its own, exactly as :func:`post` does for one.
    """
    entry_ids: list[str] = []
    account_rows: dict[str, dict[str, Any]] = {}
    posting_rows: list[dict[str, Any]] = []
    entry_rows: list[dict[str, Any]] = []
    for entry in entries:
        kept = [p for p in entry.postings if p.amount.minor != 0]
        _check(kept)
        entry_id = new_ordered_uuid()
        entry_ids.append(entry_id)
        for posting in kept:
            if posting.account not in account_rows:
                kind_value, owner, currency = posting.account.split("/")
                account_rows[posting.account] = {
                    "key": posting.account,
                    "kind": kind_value,
                    "owner": owner,
                    "currency": currency,
                    "balance": 0,
                }
            posting_rows.append(
                {
                    "entry_id": entry_id,
                    "account_key": posting.account,
                    "amount": posting.amount.minor,
                    "currency": posting.amount.currency,
                }
            )
        entry_rows.append(
            {
                "id": entry_id,
                "kind": entry.kind,
                "reference": entry.reference,
                "memo": entry.memo,
                "created_at": at,
                "reverses": entry.reverses,
            }
        )
    if not entry_rows:
        return entry_ids
    if connection.dialect.name == "postgresql":
        keys = {f"b_key_{index}": key for index, key in enumerate(account_rows)}
        execute(connection, insert_missing_accounts(len(keys)), keys)
    else:  # one writer at a time: nobody to wait for
        execute(
            connection,
            insert_ignoring_duplicates(connection, ledger_accounts),
            list(account_rows.values()),
        )
    # Postings first: inserting an entry's header seals it and checks that it balances.
    execute(connection, _INSERT_POSTINGS, posting_rows)
    execute(connection, _INSERT_ENTRY, entry_rows if len(entry_rows) > 1 else entry_rows[0])
    return entry_ids


def reverse(connection: Connection, entry_id: str, *, at: datetime, memo: str = "") -> str:
    """Correct an entry by posting its mirror image; the original stays as it was."""
    rows = connection.execute(
        select(postings.c.account_key, postings.c.amount, postings.c.currency).where(
            postings.c.entry_id == entry_id
        )
    ).all()
    header = connection.execute(
        select(journal_entries.c.kind, journal_entries.c.reference).where(
            journal_entries.c.id == entry_id
        )
    ).first()
    if header is None or not rows:
        raise LedgerError(f"no journal entry {entry_id}")
    return post(
        connection,
        kind=f"reversal:{header.kind}",
        reference=header.reference,
        entry_postings=[Posting(r.account_key, Money(-r.amount, r.currency)) for r in rows],
        at=at,
        memo=memo or f"reversal of {entry_id}",
        reverses=entry_id,
    )


def balance(connection: Connection, key: str) -> int:
    value = connection.execute(
        select(ledger_accounts.c.balance).where(ledger_accounts.c.key == key)
    ).scalar()
    return int(value or 0)


def balances_by_kind(connection: Connection) -> dict[tuple[str, str], int]:
    """Trial balance: the sum of balances per (account kind, currency)."""
    rows = connection.execute(
        select(
            ledger_accounts.c.kind, ledger_accounts.c.currency, func.sum(ledger_accounts.c.balance)
        )
        .group_by(ledger_accounts.c.kind, ledger_accounts.c.currency)
        .order_by(ledger_accounts.c.currency, ledger_accounts.c.kind)
    ).all()
    return {(row[0], row[1]): int(row[2]) for row in rows}


def verify(connection: Connection) -> VerifyReport:
    """Recompute every balance from postings and check every entry balances."""
    report = VerifyReport()
    recomputed = dict(
        connection.execute(
            select(postings.c.account_key, func.sum(postings.c.amount)).group_by(
                postings.c.account_key
            )
        ).all()
    )
    for key, stored, currency in connection.execute(
        select(ledger_accounts.c.key, ledger_accounts.c.balance, ledger_accounts.c.currency)
    ):
        report.accounts += 1
        computed = int(recomputed.get(key) or 0)
        if computed != stored:
            report.drift.append((key, int(stored), computed))
        report.totals[currency] = report.totals.get(currency, 0) + computed
    report.unbalanced = list(
        connection.execute(
            select(postings.c.entry_id)
            .group_by(postings.c.entry_id, postings.c.currency)
            .having(func.sum(postings.c.amount) != 0)
        ).scalars()
    )
    orphans = connection.execute(
        select(postings.c.entry_id)
        .outerjoin(journal_entries, journal_entries.c.id == postings.c.entry_id)
        .where(journal_entries.c.id.is_(None))
    ).scalars()
    report.unbalanced.extend(orphans)
    report.entries = int(
        connection.execute(select(func.count()).select_from(journal_entries)).scalar_one()
    )
    report.postings = int(
        connection.execute(select(func.count()).select_from(postings)).scalar_one()
    )
    return report
