"""backoffice: merchant users, operators, staff sessions, audit log, order search indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ORDER_INDEXES = {
    "ix_orders_merchant_created_id": ["merchant_id", "created_at", "id"],
    "ix_orders_merchant_status_created": ["merchant_id", "status", "created_at", "id"],
    "ix_orders_merchant_amount_created": ["merchant_id", "order_amount", "created_at", "id"],
    "ix_orders_merchant_reference_created": [
        "merchant_id",
        "merchant_reference1",
        "created_at",
        "id",
    ],
    "ix_orders_merchant_consumer_created": ["merchant_id", "consumer_id", "created_at", "id"],
    "ix_orders_fraud_status": ["fraud_status"],
}


def _when(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "merchant_users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("merchant_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("invite_hash", sa.String(length=64), nullable=True),
        _when("invite_expires_at", nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("disabled_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name="fk_merchant_users_merchant_id_merchants"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_merchant_users"),
        sa.UniqueConstraint("invite_hash", name="uq_merchant_users_invite_hash"),
    )
    op.create_index("ux_merchant_users_email", "merchant_users", ["email"], unique=True)
    op.create_index("ix_merchant_users_merchant", "merchant_users", ["merchant_id"])
    op.create_table(
        "operators",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("disabled_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_operators"),
        sa.UniqueConstraint("email", name="uq_operators_email"),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        sa.PrimaryKeyConstraint("id", name="pk_staff_sessions"),
    )
    op.create_index("ix_staff_sessions_user", "staff_sessions", ["kind", "user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("operator_id", sa.String(length=32), nullable=False),
        sa.Column("operator_email", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        _when("at"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_subject", "audit_log", ["subject_type", "subject_id"])
    for name, columns in ORDER_INDEXES.items():
        op.create_index(name, "orders", columns)


def downgrade() -> None:
    for name in ORDER_INDEXES:
        op.drop_index(name, table_name="orders")
    op.drop_table("audit_log")
    op.drop_table("staff_sessions")
    op.drop_table("operators")
    op.drop_table("merchant_users")
