"""fees: no index by order (an order's fees so far are summed from its instalments' fee_amount)

Every fee wrote an entry at a random place of this index; the caps read the same totals from the
instalments, through their order index, at no cost per fee.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_fees_order", table_name="fees")


def downgrade() -> None:
    op.create_index("ix_fees_order", "fees", ["order_id"])
