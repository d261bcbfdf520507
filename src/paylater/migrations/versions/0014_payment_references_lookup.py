"""payment references: an index that answers a look-up by reference without reading the table

A bank file's import reads, for each chunk of entries, the order and instalment of every
reference given; with the order and instalment in the index, each reference costs one index
search instead of an index search and a table read.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_payment_references_lookup",
        "payment_references",
        ["reference", "order_id", "instalment_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_payment_references_lookup", table_name="payment_references")
