"""Sandbox state shared by every process: the clock offset."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from paylater.db import metadata

sandbox_state = Table(
    "sandbox_state",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
