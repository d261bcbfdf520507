"""What servicing remembers: notices sent per due date, fees charged, and pauses."""

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

# One row per reminder e-mail an instalment got for one due date.
notices = Table(
    "notices",
    metadata,
    # The key is the reminder itself, so a second run of the same day cannot add it again (and
    # a moved due date gets fresh notices); one index only keeps bulk inserts light.
    Column(
        "instalment_id", String(36), ForeignKey("instalments.id"), primary_key=True, nullable=False
    ),
    Column("kind", String(20), primary_key=True, nullable=False),  # upcoming | due | overdue_1 …
    Column("due_date", Date, primary_key=True, nullable=False),
    Column("order_id", String(36), nullable=False),
    Column("consumer_id", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("fee_amount", BigInteger, nullable=False, default=0),
    Column("message_id", String(36), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Reminder and late fees. At most one per instalment and day (the unique key), within the
# country's caps per instalment and per order.
fees = Table(
    "fees",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("instalment_id", String(36), ForeignKey("instalments.id"), nullable=False),
    Column("order_id", String(36), nullable=False),
    Column("consumer_id", String(32), nullable=False),
    Column("kind", String(12), nullable=False),  # reminder | late
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("day", Date, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("instalment_id", "day", name="uq_fees_instalment_day"),
    # No index by order: an order's fees so far are its instalments' ``fee_amount`` summed.
)

# A reported problem holds a purchase: no reminders or fees, its unpaid due dates moved.
pauses = Table(
    "pauses",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False),
    Column("consumer_id", String(32), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("note", String(500), nullable=False, default=""),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),  # the first day the purchase is no longer paused
    Column("days", Integer, nullable=False),  # how far due dates were moved, extensions included
    Column("status", String(10), nullable=False),  # active | ended
    Column("ended_on", Date, nullable=True),
    Column("end_reason", String(32), nullable=True),  # expired | operator | refund | dispute
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_pauses_order_status", "order_id", "status"),
    Index("ix_pauses_status_ends", "status", "ends_on"),
)

# What a consumer reported about a purchase, and what became of it.
problem_reports = Table(
    "problem_reports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False),
    Column("consumer_id", String(32), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("details", String(2000), nullable=False, default=""),
    Column("proof_reference", String(100), nullable=True),
    # open (paused, waiting) | resolved (e.g. the payment was found) | guidance (no pause)
    Column("status", String(12), nullable=False),
    Column("pause_id", String(36), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("resolved_at", UTCDateTime(), nullable=True),
    Index("ix_problem_reports_order", "order_id"),
)
