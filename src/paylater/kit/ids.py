"""Identifiers: random, unguessable, and safe to show to merchants and consumers."""

from __future__ import annotations

import secrets
import uuid


def new_uuid() -> str:
    return str(uuid.uuid4())


def new_token(prefix: str = "", nbytes: int = 24) -> str:
    return f"{prefix}{secrets.token_urlsafe(nbytes)}"


def new_id(prefix: str) -> str:
    """A short prefixed id such as ``mer_6f1c2a9e0b3d4c5e``."""
    return f"{prefix}_{secrets.token_hex(8)}"
