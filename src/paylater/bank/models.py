"""Tables of this package: payment references, imported bank files and entries, matching
suggestions, the operators' audit log, direct-debit mandates, collections and exports."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from paylater.db import UTCDateTime, metadata

# One structured payment reference per instalment (RF creditor reference or Swedish OCR).
payment_references = Table(
    "payment_references",
    metadata,
    Column("reference", String(35), primary_key=True),
    Column("instalment_id", String(36), nullable=False, unique=True),
    Column("order_id", String(36), nullable=False),
    Column("consumer_id", String(32), nullable=False),
    Column("scheme", String(4), nullable=False),  # rf | ocr
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_payment_references_order", "order_id"),
    # Covers the look-up by reference of a bank file's import (order and instalment).
    Index("ix_payment_references_lookup", "reference", "order_id", "instalment_id"),
)

# Every imported file once: the same bytes imported again change nothing.
bank_files = Table(
    "bank_files",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False, default=""),
    Column("message", String(20), nullable=False),  # camt.053 | camt.054 | pain.002
    Column("version", String(20), nullable=False),
    Column("entries", Integer, nullable=False, default=0),
    Column("new_entries", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("imported_by", String(100), nullable=False, default=""),
    Column("imported_at", UTCDateTime(), nullable=False),
)

# The states of entries still to be matched, written out: SQLite uses a partial index only for a
# query with the very terms of its WHERE clause (literal values, not bound parameters).
OPEN_STATES = ("unmatched", "suggested")
OPEN_SQL = f"state IN ({', '.join(repr(state) for state in OPEN_STATES)})"

# One row per booked transaction; ``identity`` is unique, so overlapping files add only new ones.
bank_entries = Table(
    "bank_entries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("identity", String(200), nullable=False, unique=True),
    Column("file_id", String(36), nullable=False),
    Column("account", String(34), nullable=False, default=""),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("direction", String(4), nullable=False),  # CRDT | DBIT
    Column("status", String(4), nullable=False),  # BOOK | PDNG | INFO
    Column("booking_date", Date, nullable=True),
    Column("servicer_ref", String(140), nullable=False, default=""),
    Column("end_to_end_id", String(35), nullable=False, default=""),
    Column("reference", String(35), nullable=False, default=""),
    Column("unstructured", String(500), nullable=False, default=""),
    Column("payer_name", String(140), nullable=False, default=""),
    Column("return_reason", String(4), nullable=False, default=""),
    # unmatched | suggested | applied | returned | ignored | collection | dd_return
    Column("state", String(12), nullable=False),
    Column("order_id", String(36), nullable=True),
    Column("instalment_id", String(36), nullable=True),
    Column("applied_amount", BigInteger, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # Only open entries (see paylater.bank.matching.IS_OPEN): those stored applied skip it.
    Index(
        "ix_bank_entries_open_amount",
        "state",
        "amount",
        sqlite_where=text(OPEN_SQL),
        postgresql_where=text(OPEN_SQL),
    ),
    # A consumer's bank transfers, found through their orders (the portal).
    Index(
        "ix_bank_entries_order",
        "order_id",
        sqlite_where=text("order_id IS NOT NULL"),
        postgresql_where=text("order_id IS NOT NULL"),
    ),
)

bank_suggestions = Table(
    "bank_suggestions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", String(36), nullable=False),
    Column("instalment_id", String(36), nullable=False),
    Column("reason", String(20), nullable=False),  # reference_typo | amount_name
    Column("score", Integer, nullable=False, default=0),
    Index("ix_bank_suggestions_entry", "entry_id"),
)

bank_audit = Table(
    "bank_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("operator", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("entry_id", String(36), nullable=True),
    Column("detail", JSON, nullable=False),
    Index("ix_bank_audit_entry", "entry_id"),
)

bank_mandates = Table(
    "bank_mandates",
    metadata,
    Column("id", String(35), primary_key=True),  # the SEPA mandate reference
    Column("consumer_id", String(32), nullable=False),
    Column("iban", String(34), nullable=False),
    Column("bic", String(11), nullable=False, default=""),
    Column("holder", String(140), nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("status", String(10), nullable=False),  # active | revoked
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_bank_mandates_consumer", "consumer_id", "status"),
)

bank_collections = Table(
    "bank_collections",
    metadata,
    Column("id", String(35), primary_key=True),  # the end-to-end id sent in pain.008
    Column("instalment_id", String(36), nullable=False),
    Column("mandate_id", String(35), nullable=False),
    Column("collection_date", Date, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("sequence", String(4), nullable=False),  # FRST | RCUR
    Column("status", String(10), nullable=False),  # collecting | settled | returned
    Column("return_reason", String(4), nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("instalment_id", "collection_date"),
    Index("ix_bank_collections_mandate", "mandate_id"),
)

# One pain file per kind and day; running the export again hands back the same file.
bank_exports = Table(
    "bank_exports",
    metadata,
    Column("id", String(35), primary_key=True),  # the message id
    Column("kind", String(20), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("transactions", Integer, nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("kind", "business_date"),
)
