"""payments: cards on file, autopay settings, card charges

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_methods",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("consumer_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("processor", sa.String(length=20), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.Column("brand", sa.String(length=20), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["consumer_id"], ["consumers.id"], name=op.f("fk_payment_methods_consumer_id_consumers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_methods")),
    )
    op.create_index("ix_payment_methods_consumer", "payment_methods", ["consumer_id"])
    op.create_table(
        "autopay_settings",
        sa.Column("consumer_id", sa.String(length=32), nullable=False),
        sa.Column("method_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["consumers.id"],
            name=op.f("fk_autopay_settings_consumer_id_consumers"),
        ),
        sa.ForeignKeyConstraint(
            ["method_id"],
            ["payment_methods.id"],
            name=op.f("fk_autopay_settings_method_id_payment_methods"),
        ),
        sa.PrimaryKeyConstraint("consumer_id", name=op.f("pk_autopay_settings")),
    )
    op.create_table(
        "card_charges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("consumer_id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("instalment_id", sa.String(length=36), nullable=True),
        sa.Column("method_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decline_reason", sa.String(length=32), nullable=True),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("processor_reference", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_id"], ["consumers.id"], name=op.f("fk_card_charges_consumer_id_consumers")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_card_charges_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["instalment_id"],
            ["instalments.id"],
            name=op.f("fk_card_charges_instalment_id_instalments"),
        ),
        sa.ForeignKeyConstraint(
            ["method_id"],
            ["payment_methods.id"],
            name=op.f("fk_card_charges_method_id_payment_methods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_charges")),
        sa.UniqueConstraint(
            "instalment_id", "due_date", "attempt", name="uq_card_charges_instalment_due_attempt"
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_card_charges_idempotency_key"),
    )
    op.create_index("ix_card_charges_order", "card_charges", ["order_id"])
    op.create_index(
        "ix_card_charges_consumer_created", "card_charges", ["consumer_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("card_charges")
    op.drop_table("autopay_settings")
    op.drop_table("payment_methods")
