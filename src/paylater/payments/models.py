"""Tables of this package: cards on file, the autopay choice, and every card charge attempted.

No table here holds a card number or a security code: only the processor's token, the brand, the
last four digits and the expiry.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from paylater.db import UTCDateTime, metadata

payment_methods = Table(
    "payment_methods",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("consumer_id", String(32), ForeignKey("consumers.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # card
    Column("processor", String(20), nullable=False),  # which adapter issued the token
    Column("token", String(128), nullable=False),
    Column("brand", String(20), nullable=False),
    Column("last4", String(4), nullable=False),
    Column("exp_month", Integer, nullable=False),
    Column("exp_year", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("removed_at", UTCDateTime(), nullable=True),
    Index("ix_payment_methods_consumer", "consumer_id"),
)

# One row per consumer who has autopay on: the card their instalments are charged to.
autopay_settings = Table(
    "autopay_settings",
    metadata,
    Column("consumer_id", String(32), ForeignKey("consumers.id"), primary_key=True),
    Column("method_id", String(36), ForeignKey("payment_methods.id"), nullable=False),
)

# Every charge attempted, approved or declined. An autopay attempt is unique per instalment, due
# date and attempt number, which is what makes the daily run safe to repeat; the idempotency key
# (also sent to the processor) makes a one-click payment happen once per payment id.
card_charges = Table(
    "card_charges",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("consumer_id", String(32), ForeignKey("consumers.id"), nullable=False),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False),
    Column("instalment_id", String(36), ForeignKey("instalments.id"), nullable=True),
    Column("method_id", String(36), ForeignKey("payment_methods.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(10), nullable=False),  # approved | declined
    Column("decline_reason", String(32), nullable=True),
    Column("purpose", String(10), nullable=False),  # one_click | autopay
    Column("due_date", Date, nullable=True),  # autopay: the due date being collected
    Column("attempt", Integer, nullable=False),
    Column("day", Date, nullable=False),
    Column("idempotency_key", String(160), nullable=False),
    Column("processor_reference", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint(
        "instalment_id", "due_date", "attempt", name="uq_card_charges_instalment_due_attempt"
    ),
    UniqueConstraint("idempotency_key", name="uq_card_charges_idempotency_key"),
    Index("ix_card_charges_order", "order_id"),
    Index("ix_card_charges_consumer_created", "consumer_id", "created_at"),
)
