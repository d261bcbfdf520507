"""settlement and disputes: settings, fee plans, statement rows, payouts, exports, disputes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "merchant_settlement_settings",
        sa.Column("merchant_id", sa.String(length=32), nullable=False),
        sa.Column("payout_schedule", sa.String(length=6), nullable=False),
        sa.Column("payout_weekday", sa.Integer(), nullable=False),
        sa.Column("delay_days", sa.Integer(), nullable=False),
        sa.Column("reserve_rate_bp", sa.Integer(), nullable=False),
        sa.Column("reserve_days", sa.Integer(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("account_holder", sa.String(length=140), nullable=False),
        _when("updated_at"),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_settlement_settings_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("merchant_id", name=op.f("pk_merchant_settlement_settings")),
    )
    op.create_table(
        "merchant_fee_plans",
        sa.Column("merchant_id", sa.String(length=32), nullable=False),
        sa.Column("plan", sa.String(length=20), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("fixed_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_merchant_fee_plans_merchant_id_merchants"),
        ),
        sa.PrimaryKeyConstraint("merchant_id", "plan", name=op.f("pk_merchant_fee_plans")),
    )
    op.create_table(
        "settlement_transactions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("merchant_id", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=True),
        _when("occurred_at"),
        sa.Column("available_on", sa.Date(), nullable=False),
        sa.Column("release_on", sa.Date(), nullable=True),
        sa.Column("payout_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_transactions")),
        sa.UniqueConstraint("type", "source_id", name="uq_settlement_transactions_type_source"),
    )
    op.create_index(
        "ix_settlement_transactions_due",
        "settlement_transactions",
        ["merchant_id", "currency", "payout_id"],
    )
    op.create_index("ix_settlement_transactions_payout", "settlement_transactions", ["payout_id"])
    op.create_table(
        "payouts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("payment_reference", sa.String(length=35), nullable=False),
        sa.Column("merchant_id", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("transaction_count", sa.Integer(), nullable=False),
        sa.Column("export_id", sa.String(length=36), nullable=True),
        _when("created_at"),
        _when("sent_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("payment_reference", name=op.f("uq_payouts_payment_reference")),
        sa.UniqueConstraint("merchant_id", "currency", "run_date", name="uq_payouts_merchant_run"),
    )
    op.create_index("ix_payouts_merchant_date", "payouts", ["merchant_id", "run_date"])
    op.create_index("ix_payouts_status", "payouts", ["status"])
    op.create_table(
        "payout_runs",
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("payouts", sa.Integer(), nullable=False),
        sa.Column("carried_forward", sa.Integer(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("run_date", name=op.f("pk_payout_runs")),
    )
    op.create_table(
        "payout_exports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("payouts", sa.Integer(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_exports")),
        sa.UniqueConstraint("message_id", name=op.f("uq_payout_exports_message_id")),
    )
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("merchant_id", sa.String(length=32), nullable=False),
        sa.Column("consumer_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("resolution", sa.String(length=10), nullable=True),
        _when("deadline"),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("pause_id", sa.String(length=36), nullable=True),
        sa.Column("refund_id", sa.String(length=36), nullable=True),
        _when("opened_at"),
        _when("responded_at", nullable=True),
        _when("decided_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_disputes_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    op.create_index("ix_disputes_merchant_opened", "disputes", ["merchant_id", "opened_at"])
    op.create_index("ix_disputes_order", "disputes", ["order_id"])
    op.create_index("ix_disputes_status_deadline", "disputes", ["status", "deadline"])
    op.create_table(
        "dispute_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _when("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_events")),
    )
    op.create_index("ix_dispute_events_dispute", "dispute_events", ["dispute_id"])


def downgrade() -> None:
    for table in (
        "dispute_events",
        "disputes",
        "payout_exports",
        "payout_runs",
        "payouts",
        "settlement_transactions",
        "merchant_fee_plans",
        "merchant_settlement_settings",
    ):
        op.drop_table(table)
