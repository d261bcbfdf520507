"""collections tables

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collection_cases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("consumer_id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_owed", sa.BigInteger(), nullable=False),
        sa.Column("oldest_due_date", sa.Date(), nullable=False),
        sa.Column("days_overdue_at_opening", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("written_off_amount", sa.BigInteger(), nullable=True),
        sa.Column("write_off_entry_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["consumers.id"],
            name=op.f("fk_collection_cases_consumer_id_consumers"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_collection_cases_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_cases")),
    )
    op.create_index(
        "uq_collection_cases_open_order",
        "collection_cases",
        ["order_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index(
        "ix_collection_cases_consumer_status", "collection_cases", ["consumer_id", "status"]
    )
    op.create_index(
        "ix_collection_cases_status_country",
        "collection_cases",
        ["status", "country", "opened_on"],
    )
    op.create_index("ix_collection_cases_order", "collection_cases", ["order_id"])


def downgrade() -> None:
    op.drop_table("collection_cases")
