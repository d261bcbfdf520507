"""dispute attachments: the files a consumer sends with a dispute (photos, PDFs)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispute_attachments",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("dispute_id", sa.String(32), sa.ForeignKey("disputes.id"), nullable=False),
        sa.Column("filename", sa.String(120), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dispute_attachments_dispute", "dispute_attachments", ["dispute_id"])


def downgrade() -> None:
    op.drop_index("ix_dispute_attachments_dispute", table_name="dispute_attachments")
    op.drop_table("dispute_attachments")
