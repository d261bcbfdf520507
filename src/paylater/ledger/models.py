"""Ledger tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from paylater.db import UTCDateTime, metadata

ledger_accounts = Table(
    "ledger_accounts",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("owner", String(64), nullable=False, default=""),
    Column("currency", String(3), nullable=False),
    Column("balance", BigInteger, nullable=False, default=0),
)

journal_entries = Table(
    "journal_entries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("reference", String(64), nullable=False, default=""),
    Column("reverses", String(36), nullable=True),
    Column("memo", String(200), nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_journal_entries_reference", "reference"),
)

postings = Table(
    "postings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "entry_id",
        String(36),
        ForeignKey("journal_entries.id", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
    Column("account_key", String(120), ForeignKey("ledger_accounts.key"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Index("ix_postings_entry_id", "entry_id"),
    Index("ix_postings_account_key", "account_key"),
)
