"""servicing: notices, fees, pauses; instalments know their order and country

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column("fees_agreed", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column(
        "authorizations",
        sa.Column("fees_agreed", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column("instalments", sa.Column("order_id", sa.String(length=36), nullable=True))
    op.add_column("instalments", sa.Column("country", sa.String(length=2), nullable=True))
    op.add_column(
        "instalments",
        sa.Column("fee_amount", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.add_column("instalments", sa.Column("processing_until", sa.Date(), nullable=True))
    op.add_column("instalments", sa.Column("interest_recognized_on", sa.Date(), nullable=True))
    op.add_column(
        "payment_plans",
        sa.Column("interest_recognized", sa.BigInteger(), nullable=False, server_default="0"),
    )
    with op.batch_alter_table("payment_plans") as batch:
        batch.alter_column(
            "interest_recognized", existing_type=sa.BigInteger(), server_default=None
        )
    op.execute(
        "UPDATE instalments SET"
        " order_id = (SELECT order_id FROM payment_plans WHERE payment_plans.id = plan_id),"
        " country = (SELECT country FROM payment_plans WHERE payment_plans.id = plan_id)"
    )
    with op.batch_alter_table("instalments") as batch:
        batch.alter_column("order_id", existing_type=sa.String(length=36), nullable=False)
        batch.alter_column("country", existing_type=sa.String(length=2), nullable=False)
        batch.alter_column("fee_amount", existing_type=sa.BigInteger(), server_default=None)
    op.create_index("ix_instalments_order", "instalments", ["order_id"])
    op.create_index(
        "ix_instalments_status_country_due",
        "instalments",
        ["status", "country", "due_date", "id"],
    )
    to_earn = sa.text("interest > 0 AND interest_recognized_on IS NULL")
    op.create_index(
        "ix_instalments_interest_to_earn",
        "instalments",
        ["country", "due_date"],
        sqlite_where=to_earn,
        postgresql_where=to_earn,
    )
    op.create_table(
        "notices",
        sa.Column("instalment_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("consumer_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("fee_amount", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instalment_id"], ["instalments.id"], name=op.f("fk_notices_instalment_id_instalments")
        ),
        sa.PrimaryKeyConstraint("instalment_id", "kind", "due_date", name=op.f("pk_notices")),
    )

    op.create_table(
        "fees",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("instalment_id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("consumer_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["instalment_id"], ["instalments.id"], name=op.f("fk_fees_instalment_id_instalments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fees")),
        sa.UniqueConstraint("instalment_id", "day", name="uq_fees_instalment_day"),
    )
    op.create_index("ix_fees_order", "fees", ["order_id"])
    op.create_table(
        "pauses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("consumer_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_pauses_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pauses")),
    )
    op.create_index("ix_pauses_order_status", "pauses", ["order_id", "status"])
    op.create_index("ix_pauses_status_ends", "pauses", ["status", "ends_on"])
    op.create_table(
        "problem_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("consumer_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("details", sa.String(length=2000), nullable=False),
        sa.Column("proof_reference", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("pause_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_problem_reports_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem_reports")),
    )
    op.create_index("ix_problem_reports_order", "problem_reports", ["order_id"])


def downgrade() -> None:
    op.drop_table("problem_reports")
    op.drop_table("pauses")
    op.drop_table("fees")
    op.drop_table("notices")
    op.drop_index("ix_instalments_status_country_due", table_name="instalments")
    op.drop_index("ix_instalments_order", table_name="instalments")
    op.drop_index("ix_instalments_interest_to_earn", table_name="instalments")
    with op.batch_alter_table("payment_plans") as batch:
        batch.drop_column("interest_recognized")
    with op.batch_alter_table("instalments") as batch:
        batch.drop_column("interest_recognized_on")
        batch.drop_column("processing_until")
        batch.drop_column("fee_amount")
        batch.drop_column("country")
        batch.drop_column("order_id")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("fees_agreed")
    with op.batch_alter_table("authorizations") as batch:
        batch.drop_column("fees_agreed")
