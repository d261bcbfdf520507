"""Consumer tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, String, Table

from paylater.db import UTCDateTime, metadata

consumers = Table(
    "consumers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("given_name", String(100), nullable=False, default=""),
    Column("family_name", String(100), nullable=False, default=""),
    Column("date_of_birth", Date, nullable=True),
    Column("country", String(2), nullable=False),
    Column("locale", String(10), nullable=False, default="en-GB"),
    Column("phone", String(32), nullable=False, default=""),
    # Stated monthly income and fixed costs, in minor units of the country's currency; asked only
    # for financing (affordability). Never health or social-media data.
    Column("monthly_income", BigInteger, nullable=True),
    Column("monthly_expenses", BigInteger, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)
