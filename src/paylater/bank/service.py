"""The unmatched queue: what operators do with bank money that found no invoice on its own, and
what a consumer's "payment not registered" report does on the spot.

Every operator action is written to the audit log (``bank_audit``) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from paylater.bank import matching, references
from paylater.bank.models import bank_entries, bank_suggestions, payment_references
from paylater.billing.models import instalments
from paylater.consumers.models import consumers
from paylater.kit.errors import InvalidOperation, NotFound
from paylater.kit.money import Money

# A consumer's report: bookings from a day before the stated payment day to a week after it.
WINDOW_BEFORE = timedelta(days=1)
WINDOW_AFTER = timedelta(days=7)
CONSUMER_REPORT = "consumer-report"
APPLY_SCORE = 3  # the stated amount plus one more sign (name, reference or suggestion)


@dataclass(frozen=True, slots=True)
class ReportCandidate:
    entry_id: str
    instalment_id: str
    score: int
    amount: int
    currency: str
    booking_date: date | None
    payer_name: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    instalment_id: str
    order_id: str
    reason: str
    score: int
    reference: str
    outstanding: int


@dataclass(frozen=True, slots=True)
class UnmatchedEntry:
    id: str
    amount: int
    currency: str
    booking_date: date | None
    payer_name: str
    reference: str
    unstructured: str
    end_to_end_id: str
    state: str
    suggestions: list[Suggestion] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "amount": self.amount,
            "currency": self.currency,
            "booking_date": self.booking_date.isoformat() if self.booking_date else None,
            "payer_name": self.payer_name,
            "reference": self.reference,
            "unstructured": self.unstructured,
            "end_to_end_id": self.end_to_end_id,
            "state": self.state,
            "suggestions": [
                {
                    "instalment_id": s.instalment_id,
                    "order_id": s.order_id,
                    "reason": s.reason,
                    "score": s.score,
                    "reference": s.reference,
                    "outstanding": s.outstanding,
                }
                for s in self.suggestions
            ],
        }


def apply_suggestion(
    connection: Connection, entry_id: str, instalment_id: str, operator: str, at: datetime
) -> int:
    """An operator applies an unmatched or suggested entry to an instalment (any instalment, not
    only a suggested one). Returns the amount applied to instalments."""
    return matching.apply_entry(
        connection, entry_id, instalment_id, at=at, operator=operator, action="apply"
    )


def return_to_sender(
    connection: Connection, entry_id: str, operator: str, at: datetime, note: str = ""
) -> None:
    """An operator sends an unmatched entry back to the payer's bank: it leaves suspense."""
    entry = connection.execute(
        select(bank_entries).where(bank_entries.c.id == entry_id).with_for_update()
    ).first()
    if entry is None:
        raise NotFound(f"no bank entry {entry_id}")
    claimed = connection.execute(
        update(bank_entries)
        .where(and_(bank_entries.c.id == entry_id, matching.IS_OPEN))
        .where(bank_entries.c.direction == "CRDT")
        .values(state="returned", updated_at=at)
    )
    if claimed.rowcount != 1:
        raise InvalidOperation(f"bank entry {entry_id} is {entry.state}; it cannot be returned")
    money = Money(int(entry.amount), entry.currency)
    matching.release_suspense(
        connection, reference=entry_id, money=money, at=at, kind="bank:returned"
    )
    matching.audit(
        connection,
        operator=operator,
        action="return",
        at=at,
        entry_id=entry_id,
        amount=money.minor,
        currency=money.currency,
        payer_name=entry.payer_name,
        note=note[:500],
    )


def _suggestions(connection: Connection, entry_ids: list[str]) -> dict[str, list[Suggestion]]:
    if not entry_ids:
        return {}
    rows = connection.execute(
        select(
            bank_suggestions.c.entry_id,
            bank_suggestions.c.instalment_id,
            bank_suggestions.c.reason,
            bank_suggestions.c.score,
            instalments.c.order_id,
            (instalments.c.amount - instalments.c.paid_amount).label("outstanding"),
            payment_references.c.reference,
        )
        .join(instalments, instalments.c.id == bank_suggestions.c.instalment_id)
        .outerjoin(payment_references, payment_references.c.instalment_id == instalments.c.id)
        .where(bank_suggestions.c.entry_id.in_(entry_ids))
        .order_by(bank_suggestions.c.score.desc(), bank_suggestions.c.id)
    )
    found: dict[str, list[Suggestion]] = {}
    for row in rows:
        found.setdefault(row.entry_id, []).append(
            Suggestion(
                row.instalment_id,
                row.order_id,
                row.reason,
                int(row.score),
                row.reference or "",
                int(row.outstanding),
            )
        )
    return found


def search_unmatched(
    connection: Connection,
    amount: Money | int | None = None,
    name: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 100,
) -> list[UnmatchedEntry]:
    """Unmatched and suggested entries, newest booking first, with their suggestions."""
    query = select(bank_entries).where(matching.IS_OPEN)
    if amount is not None:
        minor = amount.minor if isinstance(amount, Money) else int(amount)
        query = query.where(bank_entries.c.amount == minor)
        if isinstance(amount, Money):
            query = query.where(bank_entries.c.currency == amount.currency)
    if date_from is not None:
        query = query.where(bank_entries.c.booking_date >= date_from)
    if date_to is not None:
        query = query.where(bank_entries.c.booking_date <= date_to)
    if name:
        words = matching.name_tokens(name)
        query = query.where(
            and_(*(func.lower(bank_entries.c.payer_name).contains(word) for word in words))
        )
    rows = connection.execute(
        query.order_by(bank_entries.c.booking_date.desc(), bank_entries.c.id).limit(limit)
    ).all()
    suggestions = _suggestions(connection, [row.id for row in rows])
    return [
        UnmatchedEntry(
            row.id,
            int(row.amount),
            row.currency,
            row.booking_date,
            row.payer_name,
            row.reference,
            row.unstructured,
            row.end_to_end_id,
            row.state,
            suggestions.get(row.id, []),
        )
        for row in rows
    ]


def reported_payment_candidates(
    connection: Connection,
    *,
    order_id: str,
    consumer_id: str,
    amount: Money | None,
    paid_on: date | None,
    reference: str | None,
    at: datetime,
) -> list[ReportCandidate]:
    """Entries that may be the payment a consumer reports as not registered, best first.

    Candidates are unmatched or suggested entries in the order's currency, of the stated amount,
    booked in a window around the stated day. Each is scored on a suggestion for this order, a
    reference one edit from one of the order's references (or the reference the consumer gives),
    and the payer's name.
    """
    own = connection.execute(
        select(instalments.c.id, instalments.c.currency, instalments.c.status)
        .where(instalments.c.order_id == order_id)
        .where(instalments.c.consumer_id == consumer_id)
        .order_by(instalments.c.due_date, instalments.c.seq)
    ).all()
    if not own:
        return []
    currency = own[0].currency
    ids = {row.id for row in own}
    for row in own:
        if row.status == "open":
            references.reference_for_instalment(connection, row.id, at)
    order_references = references.references_for_order(connection, order_id)
    given = references.normalize(reference) if reference else ""
    person = connection.execute(
        select(consumers.c.given_name, consumers.c.family_name).where(consumers.c.id == consumer_id)
    ).one()
    query = (
        select(bank_entries)
        .where(matching.IS_OPEN)
        .where(bank_entries.c.direction == "CRDT")
        .where(bank_entries.c.currency == currency)
    )
    if amount is not None:
        query = query.where(bank_entries.c.amount == amount.minor)
    if paid_on is not None:
        query = query.where(
            or_(
                bank_entries.c.booking_date.is_(None),
                bank_entries.c.booking_date.between(
                    paid_on - WINDOW_BEFORE, paid_on + WINDOW_AFTER
                ),
            )
        )
    rows = connection.execute(query.order_by(bank_entries.c.booking_date).limit(500)).all()
    suggested = _suggestions(connection, [row.id for row in rows])
    found: list[ReportCandidate] = []
    fallback = next((r.id for r in own if r.status == "open"), own[-1].id)
    for row in rows:
        score = 1 if amount is not None else 0
        target = ""
        for suggestion in suggested.get(row.id, []):
            if suggestion.instalment_id in ids:
                score += 2
                target = suggestion.instalment_id
                break
        typed = matching.entry_reference(row)
        if typed:
            for known, instalment_id in order_references.items():
                if typed == known or matching.similar_reference(typed, known):
                    score += 2
                    target = target or instalment_id
                    break
            if given and (typed == given or references.one_edit_apart(typed, given)):
                score += 1
        if row.payer_name and matching.name_matches(
            row.payer_name, person.given_name, person.family_name
        ):
            score += 2
        found.append(
            ReportCandidate(
                entry_id=row.id,
                instalment_id=target or fallback,
                score=score,
                amount=int(row.amount),
                currency=row.currency,
                booking_date=row.booking_date,
                payer_name=row.payer_name,
            )
        )
    found.sort(key=lambda c: (-c.score, c.booking_date or date.min, c.entry_id))
    return found


def match_reported_payment(
    connection: Connection,
    *,
    order_id: str,
    consumer_id: str,
    amount: Money | None,
    paid_on: date | None,
    reference: str | None,
    at: datetime,
) -> bool:
    """A consumer reports a payment that is not registered: look for the entry on the spot and
    apply the best candidate (see :func:`reported_payment_candidates`) when it carries at least
    two independent signs and no other candidate is as good. Returns True when applied; else the
    report waits for an operator, who sees the same candidates."""
    found = reported_payment_candidates(
        connection,
        order_id=order_id,
        consumer_id=consumer_id,
        amount=amount,
        paid_on=paid_on,
        reference=reference,
        at=at,
    )
    if not found or found[0].score < APPLY_SCORE:
        return False
    if len(found) > 1 and found[1].score == found[0].score:
        return False  # ambiguous: an operator decides
    matching.apply_entry(
        connection,
        found[0].entry_id,
        found[0].instalment_id,
        at=at,
        operator=CONSUMER_REPORT,
        action="apply_reported",
    )
    return True
