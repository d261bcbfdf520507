"""Credit decisions, stored with their inputs before any contract exists."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, String, Table

from paylater.db import UTCDateTime, metadata

credit_decisions = Table(
    "credit_decisions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("stage", String(20), nullable=False),  # offer | authorization | update
    Column("merchant_id", String(32), nullable=False),
    Column("session_id", String(36), nullable=True),
    Column("order_id", String(36), nullable=True),
    Column("consumer_id", String(32), nullable=True),
    Column("email", String(254), nullable=True),
    Column("device_id", String(100), nullable=True),
    Column("outcome", String(10), nullable=False),
    Column("reason_codes", JSON, nullable=False),
    Column("rules", JSON, nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_credit_decisions_consumer", "consumer_id", "created_at"),
    Index("ix_credit_decisions_email", "email", "created_at"),
    Index("ix_credit_decisions_device", "device_id", "created_at"),
)
