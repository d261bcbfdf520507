"""Tables of this package."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from paylater.db import UTCDateTime, metadata

disputes = Table(
    "disputes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False),
    Column("merchant_id", String(32), nullable=False),
    Column("consumer_id", String(32), nullable=False),
    Column("reason", String(20), nullable=False),
    Column("message", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),  # held from the merchant while open
    Column("currency", String(3), nullable=False),
    Column("status", String(10), nullable=False),  # open | responded | closed
    Column("outcome", String(10), nullable=True),  # consumer | merchant
    Column("resolution", String(10), nullable=True),  # accepted | late | decided
    Column("deadline", UTCDateTime(), nullable=False),
    Column("evidence", Text, nullable=True),
    Column("decision_note", Text, nullable=True),
    Column("pause_id", String(36), nullable=True),
    Column("refund_id", String(36), nullable=True),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("responded_at", UTCDateTime(), nullable=True),
    Column("decided_at", UTCDateTime(), nullable=True),
    Index("ix_disputes_merchant_opened", "merchant_id", "opened_at"),
    Index("ix_disputes_order", "order_id"),
    Index("ix_disputes_status_deadline", "status", "deadline"),
)

dispute_events = Table(
    "dispute_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dispute_id", String(32), nullable=False),
    Column("kind", String(12), nullable=False),  # opened | responded | accepted | expired | decided
    Column("actor", String(10), nullable=False),  # consumer | merchant | operator | system
    Column("note", Text, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_dispute_events_dispute", "dispute_id"),
)

dispute_attachments = Table(
    "dispute_attachments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("dispute_id", String(32), ForeignKey("disputes.id"), nullable=False),
    Column("filename", String(120), nullable=False),  # cleaned: shown, never used as a path
    Column("content_type", String(40), nullable=False),  # from the file's own bytes
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_by", String(10), nullable=False),  # consumer
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_dispute_attachments_dispute", "dispute_id"),
)
