"""bank entries: an index by order, for a consumer's bank transfers

The consumer portal lists the bank transfers applied to the consumer's purchases by joining the
consumer's orders to bank entries on the order; without an index by order, that read every bank
entry. Entries with no order (unmatched, returned, ignored) are left out of the index.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

HAS_ORDER = "order_id IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_bank_entries_order",
        "bank_entries",
        ["order_id"],
        sqlite_where=sa.text(HAS_ORDER),
        postgresql_where=sa.text(HAS_ORDER),
    )


def downgrade() -> None:
    op.drop_index("ix_bank_entries_order", table_name="bank_entries")
