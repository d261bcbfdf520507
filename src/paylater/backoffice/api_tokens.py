"""Operators' own tokens for the admin API.

A call to the admin API made with an operator's token is that operator's: the audit log names
them, whatever the request says. Tokens are long random strings shown once; only their keyed
hash (HMAC-SHA256, like merchants' API secrets) is stored. A token stops working when it is
revoked or its operator is disabled.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import Connection, select

from paylater.backoffice.models import operator_api_tokens, operators
from paylater.consumers.service import normalize_email
from paylater.kit.errors import NotFound

# Marks an operator token (in logs, for secret scanners); not a secret itself.
TOKEN_PREFIX = "plop_"  # noqa: S105


def _hash(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def _operator_id(connection: Connection, email: str) -> str:
    found = connection.execute(
        select(operators.c.id)
        .where(operators.c.email == normalize_email(email))
        .where(operators.c.disabled_at.is_(None))
    ).scalar()
    if found is None:
        raise NotFound(f"no active operator {email}")
    return str(found)


def issue(connection: Connection, email: str, *, key: bytes, label: str, at: datetime) -> str:
    """A new API token for the operator with this e-mail; returned once, never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    connection.execute(
        operator_api_tokens.insert().values(
            token_hash=_hash(key, token),
            operator_id=_operator_id(connection, email),
            label=label[:100],
            created_at=at,
            revoked_at=None,
        )
    )
    return token


def revoke_all(connection: Connection, email: str, *, at: datetime) -> int:
    """Revoke every token of the operator with this e-mail; returns how many were live."""
    operator_id = _operator_id(connection, email)
    return int(
        connection.execute(
            operator_api_tokens.update()
            .where(operator_api_tokens.c.operator_id == operator_id)
            .where(operator_api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        ).rowcount
    )


def operator_of(connection: Connection, token: str, *, key: bytes) -> str | None:
    """The e-mail of the active operator whose live token this is, else ``None``."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = connection.execute(
        select(operators.c.email)
        .join(operator_api_tokens, operator_api_tokens.c.operator_id == operators.c.id)
        .where(operator_api_tokens.c.token_hash == _hash(key, token))
        .where(operator_api_tokens.c.revoked_at.is_(None))
        .where(operators.c.disabled_at.is_(None))
    ).scalar()
    return None if found is None else str(found)
