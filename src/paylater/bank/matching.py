"""Matching bank entries to instalments, and applying the money.

Every credit entry enters the ledger's suspense account when its file is imported. Applying an entry
to an instalment records the payment on the instalment's order (which posts bank clearing →
receivable, or consumer credit for what exceeds the debt, and e-mails "payment received") and moves
the same amount out of suspense. An entry is applied at most once: the state change from
``unmatched``/``suggested`` to ``applied`` is a guarded update in the same transaction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, literal_column, select, update

from paylater.bank import references
from paylater.bank.models import (
    OPEN_STATES,
    bank_audit,
    bank_entries,
    bank_suggestions,
    payment_references,
)
from paylater.billing.models import instalments
from paylater.billing.service import record_payment
from paylater.consumers.models import consumers
from paylater.kit.errors import BadValue, InvalidOperation, NotFound
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Posting, account, post
from paylater.orders.models import orders

# Entries still to be matched, with the states as literals, so that the partial index on them
# (ix_bank_entries_open_amount) serves the queries on SQLite too.
IS_OPEN = bank_entries.c.state.in_([literal_column(f"'{state}'") for state in OPEN_STATES])
CANDIDATE_LIMIT = 200
_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True, slots=True)
class Candidate:
    instalment_id: str
    order_id: str
    consumer_id: str
    reference: str
    reason: str  # reference_typo | amount_name
    score: int


def audit(
    connection: Connection,
    *,
    operator: str,
    action: str,
    at: datetime,
    entry_id: str | None = None,
    **detail: Any,
) -> None:
    """One line in the operators' audit log."""
    connection.execute(
        insert(bank_audit).values(
            at=at, operator=operator, action=action, entry_id=entry_id, detail=detail
        )
    )


def name_tokens(name: str) -> list[str]:
    """Lower-case words without accents, for comparing names across spellings."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return [token for token in _WORD.split(plain) if token]


def name_matches(payer: str, given_name: str, family_name: str) -> bool:
    """The payer named on a transfer is the consumer: every word of the family name appears, and
    the given name appears whole or as an initial."""
    words = set(name_tokens(payer))
    family = name_tokens(family_name)
    if not words or not family or not all(word in words for word in family):
        return False
    given = name_tokens(given_name)
    if not given:
        return True
    others = words - set(family)
    return all(word in words for word in given) or any(other[0] == given[0][0] for other in others)


def entry_reference(entry: Any) -> str:
    """The reference the payer gave: the structured one, else one found in the free text."""
    if entry.reference:
        return references.normalize(str(entry.reference))
    return references.find_in_text(str(entry.unstructured or ""))


def similar_reference(given: str, known: str) -> bool:
    if references.one_edit_apart(given, known):
        return True
    if references.is_valid(given):
        return False
    # A failing check: the same body with other check digits.
    if given.startswith("RF") and known.startswith("RF"):
        return len(given) > 4 and given[4:] == known[4:]
    return given.isdigit() and known.isdigit() and given[:-1] == known[:-1]


def _open_with_outstanding(amount: int, currency: str) -> Any:
    return (
        select(
            instalments.c.id,
            instalments.c.order_id,
            instalments.c.consumer_id,
            payment_references.c.reference,
            consumers.c.given_name,
            consumers.c.family_name,
        )
        .join(consumers, consumers.c.id == instalments.c.consumer_id)
        .outerjoin(payment_references, payment_references.c.instalment_id == instalments.c.id)
        .where(instalments.c.status == "open")
        .where(instalments.c.currency == currency)
        .where(instalments.c.amount - instalments.c.paid_amount == amount)
        .order_by(instalments.c.due_date, instalments.c.id)
        .limit(CANDIDATE_LIMIT)
    )


def candidates(connection: Connection, entry: Any) -> list[Candidate]:
    """Open instalments the entry may be meant for, best first (suggestions, never applied)."""
    given = entry_reference(entry)
    found: list[Candidate] = []
    for row in connection.execute(_open_with_outstanding(int(entry.amount), entry.currency)):
        named = bool(entry.payer_name) and name_matches(
            str(entry.payer_name), row.given_name, row.family_name
        )
        if given and row.reference and similar_reference(given, row.reference):
            found.append(
                Candidate(
                    row.id,
                    row.order_id,
                    row.consumer_id,
                    row.reference,
                    "reference_typo",
                    3 + (2 if named else 0),
                )
            )
        elif not given and named:
            found.append(
                Candidate(
                    row.id, row.order_id, row.consumer_id, row.reference or "", "amount_name", 2
                )
            )
    found.sort(key=lambda c: -c.score)
    return found


def exact_instalment(connection: Connection, entry: Any) -> Any:
    """The open or paid instalment whose reference the entry carries exactly, if valid."""
    given = entry_reference(entry)
    if not given or not references.is_valid(given):
        return None
    return connection.execute(
        select(
            instalments.c.id,
            instalments.c.order_id,
            instalments.c.consumer_id,
            instalments.c.currency,
        )
        .join(payment_references, payment_references.c.instalment_id == instalments.c.id)
        .where(payment_references.c.reference == given)
    ).first()


def suggest(connection: Connection, entry_id: str, found: list[Candidate]) -> None:
    connection.execute(bank_suggestions.delete().where(bank_suggestions.c.entry_id == entry_id))
    if found:
        connection.execute(
            insert(bank_suggestions),
            [
                {
                    "entry_id": entry_id,
                    "instalment_id": c.instalment_id,
                    "reason": c.reason,
                    "score": c.score,
                }
                for c in found[:10]
            ],
        )


def to_suspense(
    connection: Connection, *, reference: str, totals: dict[str, int], at: datetime
) -> None:
    """Money received and not yet applied: bank clearing against suspense, per currency."""
    for currency, total in sorted(totals.items()):
        if total:
            post(
                connection,
                kind="bank:received",
                reference=reference,
                at=at,
                entry_postings=[
                    Posting(account(AccountKind.BANK_CLEARING, currency), Money(total, currency)),
                    Posting(account(AccountKind.SUSPENSE, currency), Money(-total, currency)),
                ],
            )


def release_suspense(
    connection: Connection,
    *,
    reference: str,
    money: Money,
    at: datetime,
    kind: str = "bank:applied",
) -> None:
    """Move ``money`` out of suspense against bank clearing (applied elsewhere, or sent back)."""
    post(
        connection,
        kind=kind,
        reference=reference,
        at=at,
        entry_postings=[
            Posting(account(AccountKind.SUSPENSE, money.currency), money),
            Posting(account(AccountKind.BANK_CLEARING, money.currency), -money),
        ],
    )


def apply_entry(
    connection: Connection,
    entry_id: str,
    instalment_id: str,
    *,
    at: datetime,
    operator: str | None = None,
    action: str = "apply",
) -> int:
    """Apply an unmatched or suggested credit entry to the instalment's order.

    Returns the amount applied to instalments (the rest became consumer credit). Raises
    :class:`InvalidOperation` if the entry is already applied or returned. An ``operator``'s
    action is written to the audit log; automatic matches are not.
    """
    entry = connection.execute(
        select(bank_entries).where(bank_entries.c.id == entry_id).with_for_update()
    ).first()
    if entry is None:
        raise NotFound(f"no bank entry {entry_id}")
    if entry.state not in OPEN_STATES or entry.direction != "CRDT":
        raise InvalidOperation(f"bank entry {entry_id} is {entry.state}; it cannot be applied")
    target = connection.execute(
        select(instalments.c.order_id, instalments.c.consumer_id, instalments.c.currency).where(
            instalments.c.id == instalment_id
        )
    ).first()
    if target is None:
        raise NotFound(f"no instalment {instalment_id}")
    if target.currency != entry.currency:
        raise BadValue(f"the entry is in {entry.currency}, the instalment in {target.currency}")
    connection.execute(select(orders.c.id).where(orders.c.id == target.order_id).with_for_update())
    claimed = connection.execute(
        update(bank_entries)
        .where(and_(bank_entries.c.id == entry_id, IS_OPEN))
        .values(
            state="applied",
            order_id=target.order_id,
            instalment_id=instalment_id,
            updated_at=at,
        )
    )
    if claimed.rowcount != 1:
        raise InvalidOperation(f"bank entry {entry_id} was applied meanwhile")
    money = Money(int(entry.amount), entry.currency)
    applied = record_payment(
        connection,
        order_id=target.order_id,
        consumer_id=target.consumer_id,
        payment=money,
        at=at,
        channel="bank_transfer",
        payment_id=entry_id,
    )
    connection.execute(
        update(bank_entries).where(bank_entries.c.id == entry_id).values(applied_amount=applied)
    )
    release_suspense(connection, reference=entry_id, money=money, at=at)
    if operator is None:
        return applied
    audit(
        connection,
        operator=operator,
        action=action,
        at=at,
        entry_id=entry_id,
        instalment_id=instalment_id,
        order_id=target.order_id,
        amount=money.minor,
        currency=money.currency,
        applied=applied,
    )
    return applied
