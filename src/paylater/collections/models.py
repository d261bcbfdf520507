"""Tables of this package: one collections case per order whose debt went to collections."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, String, Table, text

from paylater.db import UTCDateTime, metadata

OPEN = "open"
CLOSED = "closed"
WRITTEN_OFF = "written_off"
CASE_STATUSES = (OPEN, CLOSED, WRITTEN_OFF)
# A consumer with a case in one of these is declined new purchases.
BLOCKING_STATUSES = (OPEN, WRITTEN_OFF)

collection_cases = Table(
    "collection_cases",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("consumer_id", String(32), ForeignKey("consumers.id"), nullable=False),
    Column("order_id", String(36), ForeignKey("orders.id"), nullable=False),
    Column("country", String(2), nullable=False),
    Column("currency", String(3), nullable=False),
    # Everything unpaid on the order when the case opened, fees included (minor units).
    Column("amount_owed", BigInteger, nullable=False),
    # The earliest unpaid due date at opening, and how many days past it the debt was.
    Column("oldest_due_date", Date, nullable=False),
    Column("days_overdue_at_opening", Integer, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("status", String(12), nullable=False),  # open | closed | written_off
    Column("closed_on", Date, nullable=True),
    Column("written_off_amount", BigInteger, nullable=True),
    Column("write_off_entry_id", String(36), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # At most one open case per order: the daily run may repeat without opening a second.
    Index(
        "uq_collection_cases_open_order",
        "order_id",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
    Index("ix_collection_cases_consumer_status", "consumer_id", "status"),
    Index("ix_collection_cases_status_country", "status", "country", "opened_on"),
    Index("ix_collection_cases_order", "order_id"),
)
