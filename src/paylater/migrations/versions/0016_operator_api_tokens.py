"""operator API tokens: the admin API knows which operator calls it

Until now the admin API took one shared bearer token, and the operator's name for the audit log
came from a header the caller filled in. Each operator can now hold API tokens of their own
(only a keyed hash is stored); a call made with one is audited under that operator.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operator_api_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("operator_id", sa.String(32), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_operator_api_tokens_operator_id_operators"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_operator_api_tokens")),
    )
    op.create_index(
        "ix_operator_api_tokens_operator", "operator_api_tokens", ["operator_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_operator_api_tokens_operator", table_name="operator_api_tokens")
    op.drop_table("operator_api_tokens")
