"""PostgreSQL: a merchant's credential checked in the request's first batch, not a round trip.

Every merchant request starts by reading its credential and merchant; the unit of work needs
the merchant's id before its own first statement, so on PostgreSQL that read was a round trip of
its own (BEGIN and the read, then the work's batches), a quarter of a checkout flow's round trips.

A process now remembers, for each API username that authenticated, the secret's hash and the
merchant as they were read. A request presenting the same secret starts its work at once with
the remembered merchant, and a check is kept back for the first batch the work sends (see
:mod:`paylater.pgpipeline`): ``SELECT 1 / count(*)`` of the credential rows that still match —
the same secret, not revoked, the same merchant with the same name, country and fees. When any
of that changed, the count is 0 and the division fails. It is the first statement of the
transaction, so everything after it in the batch is skipped, the ``COMMIT`` included, and the
transaction rolls back. :func:`run_checked` then forgets the username and runs the request again,
which reads the credential from the database as before: a revoked credential gets its 401, a
changed fee is used. What the work saw is what the database held when its first statement ran,
as with the read it replaces.

A secret that differs from the remembered one is checked against the database as before, so a
caller without the right secret never runs any work. SQLite reads in-process and keeps the read.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from paylater import pgpipeline
from paylater.merchants.service import Merchant, authenticate, hash_secret

T = TypeVar("T")

STILL_VALID = (
    "SELECT 1 / (SELECT count(*) FROM api_credentials"
    " JOIN merchants ON merchants.id = api_credentials.merchant_id"
    " WHERE api_credentials.username = $1::varchar"
    " AND api_credentials.secret_hash = $2::varchar"
    " AND api_credentials.revoked_at IS NULL"
    " AND merchants.id = $3::varchar AND merchants.name = $4::varchar"
    " AND merchants.country = $5::varchar AND merchants.fee_rate_bp = $6::bigint"
    " AND merchants.fee_fixed_minor = $7::bigint)"
)
# Usernames remembered per process; past this many the memory starts afresh.
_MOST_REMEMBERED = 10_000


@dataclass(frozen=True, slots=True)
class _Remembered:
    secret_hash: str
    merchant: Merchant


_REMEMBERED: dict[tuple[Any, str], _Remembered] = {}


def authenticate_soon(
    connection: Connection, username: str, secret: str, *, key: bytes
) -> Merchant:
    """The merchant owning an active credential, or Unauthorized; on PostgreSQL, with a secret
    seen before, the check travels with the work's first batch (see the module's text)."""
    if connection.dialect.name != "postgresql":
        return authenticate(connection, username, secret, key=key)
    place = (connection.engine.url, username)
    secret_hash = hash_secret(key, secret)
    remembered = _REMEMBERED.get(place)
    if remembered is not None and hmac.compare_digest(remembered.secret_hash, secret_hash):
        merchant = remembered.merchant
        pgpipeline.defer(
            connection,
            STILL_VALID,
            (
                username,
                secret_hash,
                merchant.id,
                merchant.name,
                merchant.country,
                merchant.fee_rate_bp,
                merchant.fee_fixed_minor,
            ),
        )
        return merchant
    merchant = authenticate(connection, username, secret, key=key)
    if len(_REMEMBERED) >= _MOST_REMEMBERED:
        _REMEMBERED.clear()
    _REMEMBERED[place] = _Remembered(secret_hash, merchant)
    return merchant


def forget(username: str) -> None:
    for place in list(_REMEMBERED):  # copied at once: other threads may add meanwhile
        if place[1] == username:
            _REMEMBERED.pop(place, None)


def no_longer_valid(error: BaseException) -> bool:
    """Whether ``error`` is the remembered credential's check failing."""
    return isinstance(error, DBAPIError) and error.statement == STILL_VALID


async def run_checked(username: str, run: Callable[[], Awaitable[T]]) -> T:
    """``run()``, once more without the remembered credential if its check failed."""
    try:
        return await run()
    except DBAPIError as error:
        if not no_longer_valid(error):
            raise
    forget(username)
    return await run()
