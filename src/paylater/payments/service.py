"""Cards on file, the autopay choice, and one-click card payments.

A card is tokenized by the processor the moment it is added; only the token, brand, last four
digits and expiry are stored. Every charge attempted is a ``card_charges`` row with the outcome.
An approved charge becomes a payment through :func:`paylater.billing.service.record_payment`,
which applies it to the order's instalments, posts it to the ledger and sends the "payment
received" e-mail.

The processor is called inside the caller's transaction with an idempotency key derived from what
is being paid, so a transaction that fails after the processor approved is simply run again: the
processor answers the repeated key with the first outcome and nothing is charged twice.

Lock order (see paylater.db): the order row first, then its instalments (record_payment).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, select

from paylater.billing.service import outstanding, record_payment
from paylater.consumers.models import consumers
from paylater.db import insert_ignoring_duplicates
from paylater.kit.errors import BadValue, IdempotencyKeyReused, NoSuchOrder, NotFound
from paylater.kit.ids import new_ordered_uuid
from paylater.kit.money import Money
from paylater.orders.models import orders
from paylater.payments.errors import (
    AmountExceedsOutstanding,
    CardDeclined,
    NoSuchPaymentMethod,
    NothingToPay,
)
from paylater.payments.models import autopay_settings, card_charges, payment_methods
from paylater.payments.processor import CardProcessor, CardToken, DeclineReason, is_expired

T = TypeVar("T")
ONE_CLICK = "one_click"
AUTOPAY = "autopay"
APPROVED = "approved"
DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Card:
    """A card on file as the consumer sees it."""

    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    autopay: bool
    created_at: datetime

    @property
    def label(self) -> str:
        return f"{self.brand.capitalize()} •••• {self.last4}"


@dataclass(frozen=True, slots=True)
class Charge:
    """One recorded card charge."""

    id: str
    status: str
    decline_reason: str | None
    amount: Money
    attempt: int
    day: date

    @property
    def approved(self) -> bool:
        return self.status == APPROVED


@dataclass(frozen=True, slots=True)
class CardPayment:
    """An approved one-click payment."""

    charge_id: str
    payment_id: str
    order_id: str
    amount: Money
    method_id: str


# --- cards ------------------------------------------------------------------------------------


def add_card(
    connection: Connection,
    *,
    consumer_id: str,
    number: str,
    exp_month: int,
    exp_year: int,
    cvc: str,
    processor: CardProcessor,
    at: datetime,
) -> Card:
    """Tokenize a card with the processor and keep what may be kept of it.

    Raises :class:`BadValue` for a number that fails the check digit, a past expiry or a bad
    security code. The number and the code are handed to the processor and then forgotten.
    (:func:`store_card` keeps a card tokenized earlier, outside any transaction.)
    """
    card = processor.tokenize(
        number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc, today=at.date()
    )
    return store_card(
        connection, consumer_id=consumer_id, card=card, processor_name=processor.name, at=at
    )


def store_card(
    connection: Connection, *, consumer_id: str, card: CardToken, processor_name: str, at: datetime
) -> Card:
    """Keep a card the processor tokenized (its token, brand, last four digits and expiry)."""
    known = connection.execute(select(consumers.c.id).where(consumers.c.id == consumer_id)).first()
    if known is None:
        raise NotFound("no such consumer")
    method_id = new_ordered_uuid()
    connection.execute(
        payment_methods.insert().values(
            id=method_id,
            consumer_id=consumer_id,
            kind="card",
            processor=processor_name,
            token=card.token,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            created_at=at,
            removed_at=None,
        )
    )
    return Card(method_id, card.brand, card.last4, card.exp_month, card.exp_year, False, at)


def card_on_file(connection: Connection, consumer_id: str, method_id: str) -> Any:
    """The consumer's card ``method_id`` (a ``payment_methods`` row), if still on file."""
    row = connection.execute(
        select(payment_methods)
        .where(payment_methods.c.id == method_id)
        .where(payment_methods.c.consumer_id == consumer_id)
        .where(payment_methods.c.removed_at.is_(None))
    ).first()
    if row is None:
        raise NoSuchPaymentMethod("no such card on file")
    return row


def autopay_method(connection: Connection, consumer_id: str) -> str | None:
    """The card autopay charges for this consumer, or ``None`` when autopay is off."""
    found = connection.execute(
        select(autopay_settings.c.method_id).where(autopay_settings.c.consumer_id == consumer_id)
    ).scalar()
    return str(found) if found is not None else None


def list_cards(connection: Connection, consumer_id: str) -> list[Card]:
    """The consumer's cards on file (removed ones excluded), oldest first."""
    autopay = autopay_method(connection, consumer_id)
    rows = connection.execute(
        select(payment_methods)
        .where(payment_methods.c.consumer_id == consumer_id)
        .where(payment_methods.c.removed_at.is_(None))
        .order_by(payment_methods.c.created_at, payment_methods.c.id)
    ).all()
    return [
        Card(
            row.id,
            row.brand,
            row.last4,
            row.exp_month,
            row.exp_year,
            row.id == autopay,
            row.created_at,
        )
        for row in rows
    ]


def remove_card(connection: Connection, *, consumer_id: str, method_id: str, at: datetime) -> None:
    """Remove a card; autopay is turned off when it was the autopay card."""
    card_on_file(connection, consumer_id, method_id)
    connection.execute(
        autopay_settings.delete()
        .where(autopay_settings.c.consumer_id == consumer_id)
        .where(autopay_settings.c.method_id == method_id)
    )
    connection.execute(
        payment_methods.update().where(payment_methods.c.id == method_id).values(removed_at=at)
    )


def set_autopay(connection: Connection, consumer_id: str, method_id: str | None) -> None:
    """Charge instalments to ``method_id`` on their due dates from now on; ``None`` stops it."""
    if method_id is not None:
        card_on_file(connection, consumer_id, method_id)
    connection.execute(
        autopay_settings.delete().where(autopay_settings.c.consumer_id == consumer_id)
    )
    if method_id is not None:
        connection.execute(
            autopay_settings.insert().values(consumer_id=consumer_id, method_id=method_id)
        )


# --- charges ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardAnswer:
    """What the processor (or the card's expiry) said to one charge."""

    approved: bool
    decline_reason: str | None
    processor_reference: str


def ask_processor(
    *, method: Any, amount: Money, idempotency_key: str, processor: CardProcessor, day: date
) -> CardAnswer:
    """Ask the processor to charge a card on file (``method``: a ``payment_methods`` row); a
    card past its expiry is declined without asking. The same key always gets the same answer,
    so asking again after a crash charges nothing twice. Call it with no transaction open where
    the caller can: a card network answers in hundreds of milliseconds."""
    if is_expired(int(method.exp_month), int(method.exp_year), day):
        return CardAnswer(False, DeclineReason.EXPIRED_CARD.value, "")
    outcome = processor.charge(token=method.token, amount=amount, idempotency_key=idempotency_key)
    reason = outcome.decline_reason.value if outcome.decline_reason else None
    return CardAnswer(outcome.approved, reason, outcome.processor_reference)


def record_charge(
    connection: Connection,
    *,
    method: Any,
    order_id: str,
    amount: Money,
    purpose: str,
    idempotency_key: str,
    answer: CardAnswer,
    at: datetime,
    day: date,
    instalment_id: str | None = None,
    due_date: date | None = None,
    attempt: int = 1,
) -> Charge | None:
    """Record the processor's answer to a charge; changes nothing else. Returns ``None`` when a
    charge with the same key or the same autopay attempt is already recorded."""
    charge_id = new_ordered_uuid()
    status = APPROVED if answer.approved else DECLINED
    reason = None if answer.approved else answer.decline_reason
    inserted = connection.execute(
        insert_ignoring_duplicates(connection, card_charges).returning(card_charges.c.id),
        {
            "id": charge_id,
            "consumer_id": method.consumer_id,
            "order_id": order_id,
            "instalment_id": instalment_id,
            "method_id": method.id,
            "amount": amount.minor,
            "currency": amount.currency,
            "status": status,
            "decline_reason": reason,
            "purpose": purpose,
            "due_date": due_date,
            "attempt": attempt,
            "day": day,
            "idempotency_key": idempotency_key,
            "processor_reference": answer.processor_reference,
            "created_at": at,
        },
    ).first()
    if inserted is None:
        return None
    return Charge(charge_id, status, reason, amount, attempt, day)


def _charge_by_key(connection: Connection, key: str) -> Any:
    return connection.execute(
        select(card_charges).where(card_charges.c.idempotency_key == key)
    ).first()


def pay_by_card(
    connection: Connection,
    *,
    consumer_id: str,
    order_id: str,
    method_id: str,
    amount: Money | None,
    processor: CardProcessor,
    at: datetime,
    payment_id: str | None = None,
) -> CardPayment:
    """One-click payment of ``amount`` (``None``: everything outstanding) on the consumer's order,
    all in the caller's transaction (the order row stays locked while the processor answers).

    An approved charge is applied to the order's earliest unpaid instalments, posted to the
    ledger and confirmed by e-mail. A decline raises :class:`CardDeclined` after recording the
    declined charge and nothing else; wrap the work in :func:`keep_decline` so that the record is
    committed, then :func:`settled` re-raises it::

        payment = settled(database.run(keep_decline(lambda c: pay_by_card(c, ...))))

    The same ``payment_id`` pays once: a repeat returns the first payment (or its decline).
    Where a transaction must not wait for the processor (a web request on SQLite, say), use
    :func:`check_one_click`, :func:`ask_processor` and :func:`settle_one_click` instead.
    """
    checked = check_one_click(
        connection,
        consumer_id=consumer_id,
        order_id=order_id,
        method_id=method_id,
        amount=amount,
        payment_id=payment_id,
        lock=True,
    )
    if isinstance(checked, CardPayment):
        return checked
    answer = ask_processor(
        method=checked.method,
        amount=checked.amount,
        idempotency_key=checked.key,
        processor=processor,
        day=at.date(),
    )
    return settle_one_click(connection, checked, answer=answer, at=at)


@dataclass(frozen=True, slots=True)
class OneClick:
    """A one-click payment checked and ready to be charged."""

    consumer_id: str
    order_id: str
    amount: Money
    payment_id: str
    key: str  # the processor's idempotency key: the same payment id charges once
    method: Any  # the card: a ``payment_methods`` row (``None`` until a new card is stored)


def check_one_click(
    connection: Connection,
    *,
    consumer_id: str,
    order_id: str,
    method_id: str | None,
    amount: Money | None,
    payment_id: str | None = None,
    lock: bool = False,
) -> OneClick | CardPayment:
    """Check a one-click payment before the card is charged: the order is the consumer's and
    owes at least ``amount`` (``None``: everything outstanding), the card is the consumer's
    (``method_id`` ``None``: a card not on file yet, set on the result once stored). Returns
    the earlier payment when ``payment_id`` has paid already (or raises its decline).
    ``lock``: hold the order row until the transaction ends."""
    payment_id = payment_id or new_ordered_uuid()
    query = select(orders.c.consumer_id, orders.c.purchase_currency).where(orders.c.id == order_id)
    order = connection.execute(query.with_for_update() if lock else query).first()
    if order is None or order.consumer_id != consumer_id:
        raise NoSuchOrder(f"no order {order_id} for this consumer")
    key = f"{ONE_CLICK}:{consumer_id}:{payment_id}"
    earlier = _charge_by_key(connection, key)
    if earlier is not None:
        return _replay(earlier, order_id, method_id, amount, payment_id)
    currency = order.purchase_currency
    owed = outstanding(connection, order_id)
    if owed <= 0:
        raise NothingToPay("nothing is outstanding on this order")
    to_pay = amount if amount is not None else Money(owed, currency)
    if to_pay.currency != currency:
        raise BadValue(f"the order is paid in {currency}, not {to_pay.currency}")
    if to_pay.minor <= 0:
        raise BadValue("the amount must be positive")
    if to_pay.minor > owed:
        raise AmountExceedsOutstanding(
            f"{to_pay} is more than the {Money(owed, currency)} outstanding on this order"
        )
    method = None if method_id is None else card_on_file(connection, consumer_id, method_id)
    return OneClick(consumer_id, order_id, to_pay, payment_id, key, method)


def settle_one_click(
    connection: Connection, checked: OneClick, *, answer: CardAnswer, at: datetime
) -> CardPayment:
    """Record the processor's answer to a checked one-click payment and, when approved, book
    the payment. The money was taken, so it is booked even if the order was paid another way
    since the check: what exceeds the debt then becomes a credit. A decline raises
    :class:`CardDeclined` (see :func:`keep_decline`); a payment id recorded meanwhile by a
    concurrent request returns that payment."""
    connection.execute(select(orders.c.id).where(orders.c.id == checked.order_id).with_for_update())
    charge = record_charge(
        connection,
        method=checked.method,
        order_id=checked.order_id,
        amount=checked.amount,
        purpose=ONE_CLICK,
        idempotency_key=checked.key,
        answer=answer,
        at=at,
        day=at.date(),
    )
    if charge is None:  # recorded by a concurrent request with the same payment id
        earlier = _charge_by_key(connection, checked.key)
        return _replay(
            earlier, checked.order_id, checked.method.id, checked.amount, checked.payment_id
        )
    if not charge.approved:
        raise CardDeclined(charge.decline_reason or "card_declined", charge_id=charge.id)
    record_payment(
        connection,
        order_id=checked.order_id,
        consumer_id=checked.consumer_id,
        payment=checked.amount,
        at=at,
        channel="card",
        payment_id=checked.payment_id,
    )
    return CardPayment(
        charge.id, checked.payment_id, checked.order_id, checked.amount, checked.method.id
    )


def _replay(
    row: Any, order_id: str, method_id: str | None, amount: Money | None, payment_id: str
) -> CardPayment:
    """The payment recorded under ``payment_id`` earlier (``method_id`` ``None``: paid with a
    card entered with the payment, whichever it was)."""
    charged = Money(int(row.amount), row.currency)
    if (
        row.order_id != order_id
        or (method_id is not None and row.method_id != method_id)
        or (amount is not None and amount != charged)
    ):
        raise IdempotencyKeyReused(f"payment id {payment_id} was used for another payment")
    if row.status != APPROVED:
        raise CardDeclined(row.decline_reason or "card_declined", charge_id=row.id)
    return CardPayment(row.id, payment_id, order_id, charged, row.method_id)


def keep_decline(work: Callable[[Connection], T]) -> Callable[[Connection], T | CardDeclined]:
    """Wrap a unit of work so that a card decline is returned instead of raised.

    The transaction then commits, keeping the declined charge on record; pass the result to
    :func:`settled` to raise the decline to the caller.
    """

    def wrapped(connection: Connection) -> T | CardDeclined:
        try:
            return work(connection)
        except CardDeclined as declined:
            return declined

    return wrapped


def settled(outcome: T | CardDeclined) -> T:
    """The result of a :func:`keep_decline` unit, raising the decline it returned."""
    if isinstance(outcome, CardDeclined):
        raise outcome
    return outcome


def charges_of(connection: Connection, consumer_id: str) -> list[dict[str, Any]]:
    """The consumer's card charges, newest first, for the portal's payment history."""
    rows = connection.execute(
        select(card_charges, payment_methods.c.brand, payment_methods.c.last4)
        .join(payment_methods, payment_methods.c.id == card_charges.c.method_id)
        .where(card_charges.c.consumer_id == consumer_id)
        .order_by(card_charges.c.created_at.desc(), card_charges.c.id)
    ).all()
    return [
        {
            "id": row.id,
            "order_id": row.order_id,
            "amount": Money(int(row.amount), row.currency),
            "status": row.status,
            "decline_reason": row.decline_reason,
            "purpose": row.purpose,
            "day": row.day,
            "card": f"{row.brand.capitalize()} •••• {row.last4}",
        }
        for row in rows
    ]
