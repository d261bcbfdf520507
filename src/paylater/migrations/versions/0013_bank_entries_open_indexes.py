"""bank entries: the amount index holds only open entries; no index by end-to-end id

``ix_bank_entries_state_amount`` held every entry; the queries through it read only the open
ones (unmatched or suggested), which a large file's entries, stored already applied, never are.
No query reads bank entries by end-to-end id (direct-debit collections are found by their own id
in bank_collections), so ``ix_bank_entries_end_to_end`` goes. Storing an applied entry now writes
two index entries fewer.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

OPEN = "state IN ('unmatched', 'suggested')"


def upgrade() -> None:
    op.drop_index("ix_bank_entries_state_amount", table_name="bank_entries")
    op.drop_index("ix_bank_entries_end_to_end", table_name="bank_entries")
    op.create_index(
        "ix_bank_entries_open_amount",
        "bank_entries",
        ["state", "amount"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_bank_entries_open_amount", table_name="bank_entries")
    op.create_index("ix_bank_entries_end_to_end", "bank_entries", ["end_to_end_id"])
    op.create_index("ix_bank_entries_state_amount", "bank_entries", ["state", "amount"])
