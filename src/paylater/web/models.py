"""Tables of the consumer-facing pages: one-time log-in codes, browser sessions, addresses.

A one-time code is stored only as a keyed hash; a browser session only as the SHA-256 of the
token its cookie carries, so neither a code nor a session can be read back from the database.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table

from paylater.db import UTCDateTime, metadata

# One row per code e-mailed; ``attempts`` counts wrong guesses (the code dies after a few).
web_login_codes = Table(
    "web_login_codes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("purpose", String(12), nullable=False),  # portal | checkout
    Column("code_hash", String(64), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
    Index("ix_web_login_codes_email_created", "email", "created_at"),
)

# A signed-in browser: the portal (a consumer) or a checkout in progress (a verified e-mail,
# perhaps of someone who is not a consumer yet). ``data`` keeps a checkout's redirect URLs.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie's token
    Column("kind", String(12), nullable=False),  # portal | checkout
    Column("consumer_id", String(32), ForeignKey("consumers.id"), nullable=True),
    Column("email", String(254), nullable=False),
    Column("payment_session_id", String(36), nullable=True),
    Column("data", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_web_sessions_consumer", "consumer_id"),
)

# The postal address a consumer gave at sign-up or in their profile.
web_addresses = Table(
    "web_addresses",
    metadata,
    Column("consumer_id", String(32), ForeignKey("consumers.id"), primary_key=True),
    Column("street_address", String(255), nullable=False),
    Column("postal_code", String(20), nullable=False),
    Column("city", String(100), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
