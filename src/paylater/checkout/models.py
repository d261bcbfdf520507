"""Payment sessions, authorizations and customer tokens."""

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

payment_sessions = Table(
    "payment_sessions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("merchant_id", String(32), ForeignKey("merchants.id"), nullable=False),
    Column("status", String(12), nullable=False),  # incomplete | complete | expired
    Column("client_token", String(80), nullable=False, unique=True),
    Column("purchase_country", String(2), nullable=False),
    Column("purchase_currency", String(3), nullable=False),
    Column("locale", String(10), nullable=False),
    Column("order_amount", BigInteger, nullable=False),
    Column("order_tax_amount", BigInteger, nullable=False, default=0),
    Column("intent", String(20), nullable=False, default="buy"),
    Column("details", JSON, nullable=False),  # order_lines, addresses, customer, urls, refs
    Column("offered_plans", JSON, nullable=False),
    Column("decision_id", String(36), nullable=True),
    Column("authorization_token", String(64), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_payment_sessions_merchant", "merchant_id"),
)

authorizations = Table(
    "authorizations",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("session_id", String(36), ForeignKey("payment_sessions.id"), nullable=False),
    Column("merchant_id", String(32), nullable=False),
    Column("consumer_id", String(32), ForeignKey("consumers.id"), nullable=False),
    Column("plan", String(20), nullable=False),
    Column("financing_months", Integer, nullable=True),
    # The consumer accepted terms that include the reminder fee (where a country asks).
    Column("fees_agreed", Boolean, nullable=False, default=True, server_default=true()),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("fraud_status", String(10), nullable=False),
    Column("decision_id", String(36), nullable=False),
    Column("status", String(12), nullable=False),  # authorized | used | cancelled | expired
    Column("order_id", String(36), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_authorizations_consumer", "consumer_id", "status"),
)

customer_tokens = Table(
    "customer_tokens",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("merchant_id", String(32), ForeignKey("merchants.id"), nullable=False),
    Column("consumer_id", String(32), ForeignKey("consumers.id"), nullable=False),
    Column("plan", String(20), nullable=False),
    Column("purchase_country", String(2), nullable=False),
    Column("purchase_currency", String(3), nullable=False),
    Column("locale", String(10), nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("intended_use", String(30), nullable=False, default="SUBSCRIPTION"),
    Column("status", String(12), nullable=False),  # ACTIVE | CANCELLED
    Column("created_at", UTCDateTime(), nullable=False),
)
