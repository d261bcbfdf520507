"""What consumers owe: one payment plan per capture, split into instalments."""

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
    text,
)

from paylater.db import UTCDateTime, metadata

payment_plans = Table(
    "payment_plans",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False),
    Column("capture_id", String(36), ForeignKey("captures.id"), nullable=False, unique=True),
    Column("consumer_id", String(32), ForeignKey("consumers.id"), nullable=False),
    Column("plan", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("country", String(2), nullable=False),
    Column("principal", BigInteger, nullable=False),
    Column("interest", BigInteger, nullable=False, default=0),
    # Interest moved from deferred to earned as the instalments fell due.
    Column("interest_recognized", BigInteger, nullable=False, default=0),
    Column("status", String(12), nullable=False),  # active | paid | cancelled
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_payment_plans_order", "order_id"),
    Index("ix_payment_plans_consumer", "consumer_id"),
)

instalments = Table(
    "instalments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("plan_id", String(36), ForeignKey("payment_plans.id"), nullable=False),
    Column("consumer_id", String(32), nullable=False),
    # The plan's order and country, copied so the daily run reads one table.
    Column("order_id", String(36), nullable=False),
    Column("country", String(2), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("original_amount", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),  # what is due now, after refunds
    Column("interest", BigInteger, nullable=False, default=0),
    Column("paid_amount", BigInteger, nullable=False, default=0),
    # Reminder and late fees added to ``amount`` (which includes them).
    Column("fee_amount", BigInteger, nullable=False, default=0),
    # A payment is on its way (a card charge or a debit being collected) until this day: no
    # overdue reminder and no fee before it.
    Column("processing_until", Date, nullable=True),
    # The day this instalment's interest was earned (moved out of deferred interest).
    Column("interest_recognized_on", Date, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("status", String(12), nullable=False),  # open | paid | cancelled
    Column("paid_at", UTCDateTime(), nullable=True),
    Index("ix_instalments_plan", "plan_id", "seq"),
    Index("ix_instalments_consumer_status", "consumer_id", "status", "due_date"),
    Index("ix_instalments_status_due", "status", "due_date"),
    Index("ix_instalments_order", "order_id"),
    Index("ix_instalments_status_country_due", "status", "country", "due_date", "id"),
    # Only instalments whose interest is still to be earned: the daily run reads this range.
    Index(
        "ix_instalments_interest_to_earn",
        "country",
        "due_date",
        sqlite_where=text("interest > 0 AND interest_recognized_on IS NULL"),
        postgresql_where=text("interest > 0 AND interest_recognized_on IS NULL"),
    ),
)
