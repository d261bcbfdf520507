"""bank: payment references, bank files and entries, suggestions, audit, mandates, collections

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_audit")),
    )
    op.create_index("ix_bank_audit_entry", "bank_audit", ["entry_id"], unique=False)
    op.create_table(
        "bank_collections",
        sa.Column("id", sa.String(length=35), nullable=False),
        sa.Column("instalment_id", sa.String(length=36), nullable=False),
        sa.Column("mandate_id", sa.String(length=35), nullable=False),
        sa.Column("collection_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("sequence", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("return_reason", sa.String(length=4), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_collections")),
        sa.UniqueConstraint(
            "instalment_id",
            "collection_date",
            name=op.f("uq_bank_collections_instalment_id_collection_date"),
        ),
    )
    op.create_index("ix_bank_collections_mandate", "bank_collections", ["mandate_id"], unique=False)
    op.create_table(
        "bank_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("identity", sa.String(length=200), nullable=False),
        sa.Column("file_id", sa.String(length=36), nullable=False),
        sa.Column("account", sa.String(length=34), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("servicer_ref", sa.String(length=140), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column("reference", sa.String(length=35), nullable=False),
        sa.Column("unstructured", sa.String(length=500), nullable=False),
        sa.Column("payer_name", sa.String(length=140), nullable=False),
        sa.Column("return_reason", sa.String(length=4), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=True),
        sa.Column("instalment_id", sa.String(length=36), nullable=True),
        sa.Column("applied_amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entries")),
        sa.UniqueConstraint("identity", name=op.f("uq_bank_entries_identity")),
    )
    op.create_index("ix_bank_entries_end_to_end", "bank_entries", ["end_to_end_id"], unique=False)
    op.create_index("ix_bank_entries_file", "bank_entries", ["file_id"], unique=False)
    op.create_index(
        "ix_bank_entries_state_amount", "bank_entries", ["state", "amount"], unique=False
    )
    op.create_table(
        "bank_exports",
        sa.Column("id", sa.String(length=35), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_exports")),
        sa.UniqueConstraint(
            "kind", "business_date", name=op.f("uq_bank_exports_kind_business_date")
        ),
    )
    op.create_table(
        "bank_files",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("message", sa.String(length=20), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("new_entries", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_bank_files_sha256")),
    )
    op.create_table(
        "bank_mandates",
        sa.Column("id", sa.String(length=35), nullable=False),
        sa.Column("consumer_id", sa.String(length=32), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("holder", sa.String(length=140), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_mandates")),
    )
    op.create_index(
        "ix_bank_mandates_consumer", "bank_mandates", ["consumer_id", "status"], unique=False
    )
    op.create_table(
        "bank_suggestions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("instalment_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_suggestions")),
    )
    op.create_index("ix_bank_suggestions_entry", "bank_suggestions", ["entry_id"], unique=False)
    op.create_table(
        "payment_references",
        sa.Column("reference", sa.String(length=35), nullable=False),
        sa.Column("instalment_id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("consumer_id", sa.String(length=32), nullable=False),
        sa.Column("scheme", sa.String(length=4), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_payment_references")),
        sa.UniqueConstraint("instalment_id", name=op.f("uq_payment_references_instalment_id")),
    )
    op.create_index("ix_payment_references_order", "payment_references", ["order_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_payment_references_order", table_name="payment_references")
    op.drop_table("payment_references")
    op.drop_index("ix_bank_suggestions_entry", table_name="bank_suggestions")
    op.drop_table("bank_suggestions")
    op.drop_index("ix_bank_mandates_consumer", table_name="bank_mandates")
    op.drop_table("bank_mandates")
    op.drop_table("bank_files")
    op.drop_table("bank_exports")
    op.drop_index("ix_bank_entries_state_amount", table_name="bank_entries")
    op.drop_index("ix_bank_entries_file", table_name="bank_entries")
    op.drop_index("ix_bank_entries_end_to_end", table_name="bank_entries")
    op.drop_table("bank_entries")
    op.drop_index("ix_bank_collections_mandate", table_name="bank_collections")
    op.drop_table("bank_collections")
    op.drop_index("ix_bank_audit_entry", table_name="bank_audit")
    op.drop_table("bank_audit")
