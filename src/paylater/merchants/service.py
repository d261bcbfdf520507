"""Merchants and their API credentials.

API secrets are long random tokens, so a keyed fast hash (HMAC-SHA256 with the service's secret
key) protects them as well as a slow password hash would, at microseconds per check. Several
credentials can be active at once, which is how a merchant rotates: create a new one, deploy it,
revoke the old one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from paylater.fastsql import execute
from paylater.kit.errors import BadValue, NotFound, Unauthorized
from paylater.kit.ids import new_id, new_token
from paylater.merchants.models import api_credentials, merchants

DEFAULT_FEE_RATE_BP = 290


@dataclass(frozen=True, slots=True)
class Merchant:
    id: str
    name: str
    country: str
    fee_rate_bp: int
    fee_fixed_minor: int


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    username: str
    secret: str
    label: str
    created_at: datetime


def hash_secret(key: bytes, secret: str) -> str:
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def create_merchant(
    connection: Connection,
    *,
    name: str,
    country: str,
    at: datetime,
    fee_rate_bp: int = DEFAULT_FEE_RATE_BP,
    fee_fixed_minor: int = 0,
    merchant_id: str | None = None,
) -> Merchant:
    if not name.strip():
        raise BadValue("name must not be empty")
    if len(country) != 2 or not country.isalpha():
        raise BadValue("country must be an ISO 3166-1 alpha-2 code")
    if not 0 <= fee_rate_bp <= 10_000 or fee_fixed_minor < 0:
        raise BadValue("fees must be between 0 and 100 % and not negative")
    merchant = Merchant(
        id=merchant_id or new_id("mer"),
        name=name.strip(),
        country=country.upper(),
        fee_rate_bp=fee_rate_bp,
        fee_fixed_minor=fee_fixed_minor,
    )
    connection.execute(
        merchants.insert().values(
            id=merchant.id,
            name=merchant.name,
            country=merchant.country,
            fee_rate_bp=fee_rate_bp,
            fee_fixed_minor=fee_fixed_minor,
            created_at=at,
        )
    )
    return merchant


def get_merchant(connection: Connection, merchant_id: str) -> Merchant:
    row = connection.execute(select(merchants).where(merchants.c.id == merchant_id)).first()
    if row is None:
        raise NotFound(f"no merchant {merchant_id}")
    return Merchant(row.id, row.name, row.country, row.fee_rate_bp, row.fee_fixed_minor)


def issue_credential(
    connection: Connection, merchant_id: str, *, key: bytes, at: datetime, label: str = ""
) -> IssuedCredential:
    """Create an API credential; the secret is returned once and only its hash is stored."""
    username = f"PL_{secrets.token_hex(8).upper()}"
    secret = new_token("plsk_", 32)
    connection.execute(
        api_credentials.insert().values(
            username=username,
            merchant_id=merchant_id,
            secret_hash=hash_secret(key, secret),
            label=label,
            created_at=at,
            revoked_at=None,
        )
    )
    return IssuedCredential(username=username, secret=secret, label=label, created_at=at)


def list_credentials(connection: Connection, merchant_id: str) -> list[dict[str, object]]:
    rows = connection.execute(
        select(
            api_credentials.c.username,
            api_credentials.c.label,
            api_credentials.c.created_at,
            api_credentials.c.revoked_at,
        )
        .where(api_credentials.c.merchant_id == merchant_id)
        .order_by(api_credentials.c.created_at)
    ).all()
    return [dict(row._mapping) for row in rows]


def revoke_credential(
    connection: Connection, merchant_id: str, username: str, *, at: datetime
) -> None:
    result = connection.execute(
        api_credentials.update()
        .where(api_credentials.c.username == username)
        .where(api_credentials.c.merchant_id == merchant_id)
        .where(api_credentials.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    if result.rowcount == 0:
        raise NotFound(f"no active credential {username}")


_CREDENTIAL = (
    select(
        api_credentials.c.secret_hash,
        api_credentials.c.revoked_at,
        merchants.c.id,
        merchants.c.name,
        merchants.c.country,
        merchants.c.fee_rate_bp,
        merchants.c.fee_fixed_minor,
    )
    .join(merchants, merchants.c.id == api_credentials.c.merchant_id)
    .where(api_credentials.c.username == bindparam("username"))
)


def authenticate(connection: Connection, username: str, secret: str, *, key: bytes) -> Merchant:
    """The merchant owning an active credential, or Unauthorized."""
    row = execute(connection, _CREDENTIAL, {"username": username}).first()
    expected = row.secret_hash if row is not None else "0" * 64
    valid = hmac.compare_digest(expected, hash_secret(key, secret))
    if row is None or not valid or row.revoked_at is not None:
        raise Unauthorized("invalid API credentials")
    return Merchant(row.id, row.name, row.country, row.fee_rate_bp, row.fee_fixed_minor)
