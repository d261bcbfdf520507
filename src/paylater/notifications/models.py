"""Messages sent to people: every e-mail is also a row the consumer sees in the portal."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text

from paylater.db import UTCDateTime, metadata

messages = Table(
    "messages",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("consumer_id", String(32), ForeignKey("consumers.id"), nullable=True),
    Column("to_address", String(254), nullable=False),
    Column("locale", String(10), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("text_body", Text, nullable=False),
    Column("html_body", Text, nullable=True),
    Column("kind", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # Set when the e-mail was handed to the sender (the SMTP server accepted it, or the dev inbox).
    Column("sent_at", UTCDateTime(), nullable=True),
    Index("ix_messages_consumer_created", "consumer_id", "created_at"),
    Index("ix_messages_created", "created_at"),
)
