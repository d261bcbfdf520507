"""Tables of the merchant portal and the back office: staff accounts, sessions, the audit log.

Passwords are stored as scrypt hashes, invitation and session tokens only as their SHA-256, so
nothing read from the database lets anyone sign in. The extra indexes on ``orders`` serve the
portal's search with keyset pagination (newest first, ``(created_at, id)`` as the cursor).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table

from paylater.db import UTCDateTime, metadata
from paylater.orders.models import orders

MERCHANT_ROLES = ("owner", "operations", "read_only")
OPERATOR_ROLES = ("admin", "operator", "read_only")

merchant_users = Table(
    "merchant_users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("merchant_id", String(32), ForeignKey("merchants.id"), nullable=False),
    Column("email", String(254), nullable=False),
    Column("role", String(12), nullable=False),
    Column("password_hash", String(200), nullable=True),  # None until the invitation is used
    Column("invite_hash", String(64), nullable=True, unique=True),
    Column("invite_expires_at", UTCDateTime(), nullable=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled_at", UTCDateTime(), nullable=True),
    Index("ux_merchant_users_email", "email", unique=True),
    Index("ix_merchant_users_merchant", "merchant_id"),
)

operators = Table(
    "operators",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("role", String(12), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled_at", UTCDateTime(), nullable=True),
)

# The admin API's bearer tokens, one or more per operator: only their keyed hash is kept.
operator_api_tokens = Table(
    "operator_api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("operator_id", String(32), ForeignKey("operators.id"), nullable=False),
    Column("label", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index("ix_operator_api_tokens_operator", "operator_id"),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie's token
    Column("kind", String(10), nullable=False),  # "merchant" or "operator"
    Column("user_id", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_staff_sessions_user", "kind", "user_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("operator_id", String(32), nullable=False),
    Column("operator_email", String(254), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_subject", "subject_type", "subject_id"),
)

# The portal's order search: every list is newest first within one merchant, keyed by
# (created_at, id), and each filter has an index that keeps that order.
ORDER_INDEXES = (
    Index("ix_orders_merchant_created_id", orders.c.merchant_id, orders.c.created_at, orders.c.id),
    Index(
        "ix_orders_merchant_status_created",
        orders.c.merchant_id,
        orders.c.status,
        orders.c.created_at,
        orders.c.id,
    ),
    Index(
        "ix_orders_merchant_amount_created",
        orders.c.merchant_id,
        orders.c.order_amount,
        orders.c.created_at,
        orders.c.id,
    ),
    Index(
        "ix_orders_merchant_reference_created",
        orders.c.merchant_id,
        orders.c.merchant_reference1,
        orders.c.created_at,
        orders.c.id,
    ),
    Index(
        "ix_orders_merchant_consumer_created",
        orders.c.merchant_id,
        orders.c.consumer_id,
        orders.c.created_at,
        orders.c.id,
    ),
    Index("ix_orders_fraud_status", orders.c.fraud_status),
)
