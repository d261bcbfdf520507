"""Merchant and API-credential tables."""

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

merchants = Table(
    "merchants",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    # Fee per capture: basis points of the captured amount plus a fixed part in minor units of
    # the capture's currency.
    Column("fee_rate_bp", Integer, nullable=False, default=0),
    Column("fee_fixed_minor", BigInteger, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_credentials = Table(
    "api_credentials",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("merchant_id", String(32), ForeignKey("merchants.id"), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("label", String(100), nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index("ix_api_credentials_merchant_id", "merchant_id"),
)
