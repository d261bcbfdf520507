"""Webhook endpoints, the events merchants are told about, and every delivery attempt."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from paylater.db import UTCDateTime, metadata

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("merchant_id", String(32), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("event_types", JSON, nullable=False),
    # Signing secrets, newest first: [{"secret": …, "expires_at": iso | null}]. A rotated-out
    # secret keeps signing for a grace period so receivers can switch without missing events.
    Column("secrets", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled_at", UTCDateTime(), nullable=True),
    Index("ix_webhook_endpoints_merchant", "merchant_id"),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", String(36), primary_key=True),  # stable: the same on every retry
    Column("merchant_id", String(32), nullable=False),
    Column("type", String(60), nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_webhook_events_merchant", "merchant_id", "created_at"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("endpoint_id", String(32), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Column("delivered", Integer, nullable=False),  # 1 when the receiver answered 2xx
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_webhook_deliveries_endpoint", "endpoint_id", "at"),
    Index("ix_webhook_deliveries_event", "event_id"),
)
