"""Tables of this package.

``settlement_transactions`` is the merchant's statement: one signed row per event that changes what
the lender owes the merchant (positive: owed to the merchant). A payout is the sum of the rows it
lists; rows not yet in a payout (because they are not due yet, or because their sum was negative)
wait for a later run.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from paylater.db import UTCDateTime, metadata

merchant_settlement_settings = Table(
    "merchant_settlement_settings",
    metadata,
    Column("merchant_id", String(32), ForeignKey("merchants.id"), primary_key=True),
    Column("payout_schedule", String(6), nullable=False),  # daily | weekly
    Column("payout_weekday", Integer, nullable=False),  # 0 Monday … 6 Sunday (weekly only)
    Column("delay_days", Integer, nullable=False),  # a capture is paid out this long after
    Column("reserve_rate_bp", Integer, nullable=False),  # rolling reserve, basis points of sales
    Column("reserve_days", Integer, nullable=False),  # how long the reserve is kept
    Column("iban", String(34), nullable=False),
    Column("bic", String(11), nullable=False),
    Column("account_holder", String(140), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

merchant_fee_plans = Table(
    "merchant_fee_plans",
    metadata,
    Column("merchant_id", String(32), ForeignKey("merchants.id"), primary_key=True),
    Column("plan", String(20), primary_key=True),
    Column("rate_bp", Integer, nullable=False),
    Column("fixed_minor", BigInteger, nullable=False),
)

settlement_transactions = Table(
    "settlement_transactions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("merchant_id", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("type", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    # The capture, refund, dispute or reserve row this transaction comes from.
    Column("source_id", String(64), nullable=False),
    Column("order_id", String(36), nullable=True),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("available_on", Date, nullable=False),
    Column("release_on", Date, nullable=True),  # reserve holds: when they come back
    Column("payout_id", String(36), nullable=True),
    UniqueConstraint("type", "source_id", name="uq_settlement_transactions_type_source"),
    Index("ix_settlement_transactions_due", "merchant_id", "currency", "payout_id"),
    Index("ix_settlement_transactions_payout", "payout_id"),
)

payouts = Table(
    "payouts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("payment_reference", String(35), nullable=False, unique=True),
    Column("merchant_id", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("run_date", Date, nullable=False),
    Column("status", String(8), nullable=False),  # pending | sent
    Column("transaction_count", Integer, nullable=False),
    Column("export_id", String(36), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    UniqueConstraint("merchant_id", "currency", "run_date", name="uq_payouts_merchant_run"),
    Index("ix_payouts_merchant_date", "merchant_id", "run_date"),
    Index("ix_payouts_status", "status"),
)

payout_runs = Table(
    "payout_runs",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("payouts", Integer, nullable=False),
    Column("carried_forward", Integer, nullable=False),  # merchant balances not positive
    Column("created_at", UTCDateTime(), nullable=False),
)

payout_exports = Table(
    "payout_exports",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("message_id", String(35), nullable=False, unique=True),
    Column("payouts", Integer, nullable=False),
    Column("document", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
