"""Cards on file and one-click payment: the ledger, declines, ownership, and nothing stored."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, select

from paylater.billing.messages import PAYMENT_RECEIVED
from paylater.db import Database, metadata
from paylater.kit.clock import FixedClock
from paylater.kit.errors import BadValue, DomainError, IdempotencyKeyReused, NoSuchOrder
from paylater.kit.money import Money
from paylater.ledger.service import verify
from paylater.payments import service
from paylater.payments.errors import (
    AmountExceedsOutstanding,
    CardDeclined,
    NoSuchPaymentMethod,
    NothingToPay,
)
from paylater.payments.models import card_charges, payment_methods
from paylater.payments.processor import SandboxProcessor
from tests.payments.conftest import (
    APPROVE,
    APPROVE_MC,
    DECLINE,
    EXPIRED,
    NO_FUNDS,
    bank,
    count,
    messages_of,
    receivable,
    schedule,
)


def _pay(
    database: Database,
    clock: FixedClock,
    processor: SandboxProcessor,
    purchase: Any,
    method_id: str,
    amount: int | None,
    *,
    payment_id: str | None = None,
    consumer_id: str | None = None,
) -> service.CardPayment:
    def work(connection: Connection) -> service.CardPayment:
        return service.pay_by_card(
            connection,
            consumer_id=consumer_id or purchase.consumer_id,
            order_id=purchase.order_id,
            method_id=method_id,
            amount=None if amount is None else Money(amount, "SEK"),
            processor=processor,
            at=clock.now(),
            payment_id=payment_id,
        )

    return service.settled(database.run(service.keep_decline(work)))


def _dump(database: Database) -> str:
    def work(connection: Connection) -> str:
        parts = []
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)).all():
                parts.append(" ".join(str(value) for value in row))
        return "\n".join(parts)

    return database.run(work, readonly=True)


def test_cards_are_added_listed_and_removed(
    database: Database, clock: FixedClock, buy: Any, add_card: Any
) -> None:
    purchase = buy()
    visa = add_card(purchase.consumer_id, APPROVE)
    clock.advance(timedelta(minutes=1))
    mastercard = add_card(purchase.consumer_id, APPROVE_MC, autopay=True)
    cards = database.run(lambda c: service.list_cards(c, purchase.consumer_id))
    assert [(c.id, c.brand, c.last4, c.exp_month, c.exp_year, c.autopay) for c in cards] == [
        (visa, "visa", "1111", 12, 2030, False),
        (mastercard, "mastercard", "4444", 12, 2030, True),
    ]
    assert cards[1].label == "Mastercard •••• 4444"
    # Removing the autopay card turns autopay off.
    database.run(
        lambda c: service.remove_card(
            c, consumer_id=purchase.consumer_id, method_id=mastercard, at=clock.now()
        )
    )
    assert database.run(lambda c: service.autopay_method(c, purchase.consumer_id)) is None
    assert [c.id for c in database.run(lambda c: service.list_cards(c, purchase.consumer_id))] == [
        visa
    ]
    with pytest.raises(NoSuchPaymentMethod):
        database.run(lambda c: service.set_autopay(c, purchase.consumer_id, mastercard))
    database.run(lambda c: service.set_autopay(c, purchase.consumer_id, visa))
    assert database.run(lambda c: service.autopay_method(c, purchase.consumer_id)) == visa
    database.run(lambda c: service.set_autopay(c, purchase.consumer_id, None))
    assert database.run(lambda c: service.autopay_method(c, purchase.consumer_id)) is None


def test_a_bad_card_is_refused_and_nothing_is_stored(
    database: Database, buy: Any, add_card: Any
) -> None:
    purchase = buy()
    with pytest.raises(BadValue, match="check digit"):
        add_card(purchase.consumer_id, "4111111111111112")
    assert count(database, payment_methods) == 0


def test_card_number_and_security_code_are_never_stored(
    database: Database, clock: FixedClock, processor: SandboxProcessor, buy: Any, add_card: Any
) -> None:
    purchase = buy()
    visa = add_card(purchase.consumer_id, APPROVE, autopay=True)
    declined = add_card(purchase.consumer_id, DECLINE)
    _pay(database, clock, processor, purchase, visa, 10_000)
    with pytest.raises(CardDeclined):
        _pay(database, clock, processor, purchase, declined, 10_000)
    dump = _dump(database)
    assert "payment_methods" in {t.name for t in metadata.sorted_tables}
    assert "1111" in dump  # the last four digits are kept, to show the card
    tokens = set(re.findall(r"[A-Za-z0-9]+", dump))
    for number in ("4111111111111111", "4111 1111 1111 1111", "4000000000000002"):
        assert number not in dump
    assert "737" not in tokens  # the security code appears nowhere, not even on its own


def test_one_click_pays_everything_outstanding(
    database: Database, clock: FixedClock, processor: SandboxProcessor, buy: Any, add_card: Any
) -> None:
    purchase = buy()
    card = add_card(purchase.consumer_id)
    assert receivable(database, purchase.consumer_id) == 100_000
    payment = _pay(database, clock, processor, purchase, card, None)
    assert payment.amount == Money(100_000, "SEK")
    assert [row[2:] for row in schedule(database, purchase.order_id)] == [
        (33334, "paid"),
        (33333, "paid"),
        (33333, "paid"),
    ]
    assert receivable(database, purchase.consumer_id) == 0
    assert bank(database) == 100_000
    assert len(messages_of(database, purchase.consumer_id, PAYMENT_RECEIVED)) == 1
    report = database.run(verify)
    assert report.ok, report
    with pytest.raises(NothingToPay):
        _pay(database, clock, processor, purchase, card, None)


def test_one_click_partial_payment(
    database: Database, clock: FixedClock, processor: SandboxProcessor, buy: Any, add_card: Any
) -> None:
    purchase = buy()
    card = add_card(purchase.consumer_id)
    _pay(database, clock, processor, purchase, card, 40_000)
    assert [row[2:] for row in schedule(database, purchase.order_id)] == [
        (33334, "paid"),
        (6666, "open"),
        (0, "open"),
    ]
    assert receivable(database, purchase.consumer_id) == 60_000
    assert bank(database) == 40_000
    with pytest.raises(AmountExceedsOutstanding):
        _pay(database, clock, processor, purchase, card, 60_001)
    with pytest.raises(BadValue, match="positive"):
        _pay(database, clock, processor, purchase, card, 0)
    _pay(database, clock, processor, purchase, card, 60_000)
    assert receivable(database, purchase.consumer_id) == 0
    assert len(messages_of(database, purchase.consumer_id, PAYMENT_RECEIVED)) == 2
    assert database.run(verify).ok


def test_the_same_payment_id_pays_once(
    database: Database, clock: FixedClock, processor: SandboxProcessor, buy: Any, add_card: Any
) -> None:
    purchase = buy()
    card = add_card(purchase.consumer_id)
    first = _pay(database, clock, processor, purchase, card, 10_000, payment_id="p-1")
    again = _pay(database, clock, processor, purchase, card, 10_000, payment_id="p-1")
    assert first == again
    assert count(database, card_charges) == 1
    assert bank(database) == 10_000
    with pytest.raises(IdempotencyKeyReused):
        _pay(database, clock, processor, purchase, card, 20_000, payment_id="p-1")


@pytest.mark.parametrize(
    ("number", "reason"),
    [(DECLINE, "card_declined"), (NO_FUNDS, "insufficient_funds"), (EXPIRED, "expired_card")],
)
def test_a_decline_changes_nothing_but_the_charge_record(
    database: Database,
    clock: FixedClock,
    processor: SandboxProcessor,
    buy: Any,
    add_card: Any,
    number: str,
    reason: str,
) -> None:
    purchase = buy()
    card = add_card(purchase.consumer_id, number)
    before = (_dump(database), bank(database), receivable(database, purchase.consumer_id))
    with pytest.raises(CardDeclined) as declined:
        _pay(database, clock, processor, purchase, card, None)
    error: DomainError = declined.value
    assert (error.status, error.code, declined.value.reason) == (402, "CARD_DECLINED", reason)
    charges = database.run(lambda c: c.execute(select(card_charges)).all())
    assert [(c.status, c.decline_reason, c.amount, c.purpose) for c in charges] == [
        ("declined", reason, 100_000, "one_click")
    ]
    assert charges[0].id == declined.value.charge_id
    after_rows = _dump(database).splitlines()
    # Everything is as before, except the one declined charge row.
    assert sorted(set(after_rows) - set(before[0].splitlines())) == [
        " ".join(str(v) for v in charges[0])
    ]
    assert (bank(database), receivable(database, purchase.consumer_id)) == before[1:]
    assert database.run(verify).ok


def test_a_card_expired_since_it_was_added_is_declined(
    database: Database, clock: FixedClock, processor: SandboxProcessor, buy: Any
) -> None:
    purchase = buy()
    card = database.run(
        lambda c: service.add_card(
            c,
            consumer_id=purchase.consumer_id,
            number=APPROVE,
            exp_month=12,
            exp_year=2026,
            cvc="737",
            processor=processor,
            at=clock.now(),
        )
    )
    clock.set(clock.now().replace(year=2027, month=1, day=4))
    with pytest.raises(CardDeclined) as declined:
        _pay(database, clock, processor, purchase, card.id, 1_000)
    assert declined.value.reason == "expired_card"


def test_only_ones_own_orders_and_cards(
    database: Database, clock: FixedClock, processor: SandboxProcessor, buy: Any, add_card: Any
) -> None:
    anna = buy()
    bo = buy(50_000, email="bo@example.com")
    annas_card = add_card(anna.consumer_id)
    bos_card = add_card(bo.consumer_id)
    with pytest.raises(NoSuchOrder):
        _pay(database, clock, processor, anna, bos_card, 1_000, consumer_id=bo.consumer_id)
    with pytest.raises(NoSuchPaymentMethod):
        _pay(database, clock, processor, anna, bos_card, 1_000)
    with pytest.raises(NoSuchPaymentMethod):
        database.run(
            lambda c: service.remove_card(
                c, consumer_id=bo.consumer_id, method_id=annas_card, at=clock.now()
            )
        )
    with pytest.raises(NoSuchPaymentMethod):
        database.run(lambda c: service.set_autopay(c, bo.consumer_id, annas_card))
    assert count(database, card_charges) == 0
    assert bank(database) == 0


def test_the_charge_history_shows_the_card(
    database: Database, clock: FixedClock, processor: SandboxProcessor, buy: Any, add_card: Any
) -> None:
    purchase = buy()
    card = add_card(purchase.consumer_id)
    _pay(database, clock, processor, purchase, card, 5_000)
    history = database.run(lambda c: service.charges_of(c, purchase.consumer_id))
    assert [(h["amount"], h["status"], h["card"], h["purpose"]) for h in history] == [
        (Money(5_000, "SEK"), "approved", "Visa •••• 1111", "one_click")
    ]
