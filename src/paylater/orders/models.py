"""Orders, captures and refunds."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    true,
)

from paylater.db import UTCDateTime, metadata

orders = Table(
    "orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("merchant_id", String(32), ForeignKey("merchants.id"), nullable=False),
    Column("consumer_id", String(32), ForeignKey("consumers.id"), nullable=False),
    Column("authorization_token", String(64), nullable=True),
    Column("customer_token", String(64), nullable=True),
    Column("status", String(14), nullable=False),
    Column("fraud_status", String(10), nullable=False),
    Column("plan", String(20), nullable=False),
    Column("financing_months", Integer, nullable=True),
    Column("purchase_country", String(2), nullable=False),
    Column("purchase_currency", String(3), nullable=False),
    Column("locale", String(10), nullable=False),
    Column("order_amount", BigInteger, nullable=False),
    Column("original_order_amount", BigInteger, nullable=False),
    Column("captured_amount", BigInteger, nullable=False, default=0),
    Column("refunded_amount", BigInteger, nullable=False, default=0),
    Column("details", JSON, nullable=False),  # order_lines, addresses, merchant_urls
    Column("merchant_reference1", String(255), nullable=False, default=""),
    Column("merchant_reference2", String(255), nullable=False, default=""),
    # Whether the terms the consumer accepted include the reminder fee (Sweden asks for it).
    Column("fees_agreed", Boolean, nullable=False, default=True, server_default=true()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    # By merchant and creation time: ix_orders_merchant_created_id (backoffice/models.py).
    Index("ix_orders_consumer_status", "consumer_id", "status"),
)

captures = Table(
    "captures",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False),
    Column("captured_amount", BigInteger, nullable=False),
    Column("fee_amount", BigInteger, nullable=False),
    Column("description", String(255), nullable=False, default=""),
    Column("reference", String(255), nullable=False, default=""),
    Column("order_lines", JSON, nullable=False),
    Column("shipping_info", JSON, nullable=False),
    Column("captured_at", UTCDateTime(), nullable=False),
    Index("ix_captures_order", "order_id"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False),
    Column("refunded_amount", BigInteger, nullable=False),
    Column("payback_amount", BigInteger, nullable=False, default=0),
    Column("description", String(255), nullable=False, default=""),
    Column("reference", String(255), nullable=False, default=""),
    Column("order_lines", JSON, nullable=False),
    Column("refunded_at", UTCDateTime(), nullable=False),
    Index("ix_refunds_order", "order_id"),
)
