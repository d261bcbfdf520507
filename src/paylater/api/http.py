"""HTTP plumbing shared by every API router: services, authentication, errors, idempotency.

Commands (POST, PATCH, DELETE) run as one database transaction through :func:`run_command`. With an
``Idempotency-Key`` (or ``Klarna-Idempotency-Key``) header the key row is inserted first in that
same transaction, so on PostgreSQL a concurrent request with the same key waits on the unique index
and then replays the stored response; the work runs inside a savepoint so that a refused command
(a 4xx) still records its answer. Same key and body → the stored bytes; same key, other body → 422.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import orjson
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Connection, select

from paylater.api.models import idempotency_keys
from paylater.config import Settings
from paylater.db import Database, insert_ignoring_duplicates
from paylater.kit.clock import Clock
from paylater.kit.errors import BadValue, DomainError, IdempotencyKeyReused, Unauthorized
from paylater.kit.ids import new_uuid
from paylater.merchants.remembered import authenticate_soon, run_checked
from paylater.merchants.service import Merchant

JSON = "application/json"
T = TypeVar("T")
_REPLAYED_HEADERS = ("location", "capture-id", "refund-id")


@dataclass
class Services:
    settings: Settings
    database: Database
    clock: Clock


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status_code=status, headers=headers, media_type=JSON)


def error_body(codes: str, messages: list[str]) -> dict[str, Any]:
    return {"error_code": codes, "error_messages": messages, "correlation_id": new_uuid()}


def domain_error_response(error: DomainError) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="paylater"'} if error.status == 401 else None
    return json_response(error_body(error.code, error.messages), error.status, headers)


def _credentials(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthorized("HTTP Basic credentials (API username and secret) are required")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise Unauthorized("malformed HTTP Basic credentials") from error
    username, sep, secret = decoded.partition(":")
    if not sep or "\x00" in decoded:
        raise Unauthorized("malformed HTTP Basic credentials")
    return username, secret


@dataclass(frozen=True, slots=True)
class Caller:
    """The API credentials a request presents; checked inside the request's transaction."""

    username: str
    secret: str


async def api_caller(request: Request) -> Caller:
    """FastAPI dependency: the HTTP Basic credentials of a merchant API request."""
    username, secret = _credentials(request)
    return Caller(username, secret)


def _authenticated(request: Request, caller: Caller, connection: Connection) -> Merchant:
    key = services(request).settings.hashing_key
    return authenticate_soon(connection, caller.username, caller.secret, key=key)


async def run_query(
    request: Request, caller: Caller, work: Callable[[Connection, Merchant, datetime], T]
) -> T:
    """Authenticate and read in one read-only transaction; ``work`` gets the clock's now."""
    found = services(request)
    now = found.clock.now()
    return await run_checked(
        caller.username,
        lambda: found.database.run_async(
            lambda connection: work(connection, _authenticated(request, caller, connection), now),
            readonly=True,
        ),
    )


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key") or request.headers.get("klarna-idempotency-key")
    if key is not None and not 1 <= len(key) <= 255:
        raise BadValue("Idempotency-Key must be 1 to 255 characters")
    return key


def _claim_key(connection: Connection) -> Any:
    name = connection.dialect.name
    if name not in _CLAIM_STATEMENTS:
        insert = insert_ignoring_duplicates(connection, idempotency_keys)
        _CLAIM_STATEMENTS[name] = insert.returning(idempotency_keys.c.id)
    return _CLAIM_STATEMENTS[name]


_CLAIM_STATEMENTS: dict[str, Any] = {}


def _stored(response: Response) -> dict[str, Any]:
    headers = {
        name: response.headers[name] for name in _REPLAYED_HEADERS if name in response.headers
    }
    return {"status_code": response.status_code, "headers": headers, "body": response.body}


async def run_command(
    request: Request, caller: Caller, work: Callable[[Connection, Merchant, datetime], Response]
) -> Response:
    """Authenticate and run one state-changing API call as a single transaction.

    With an idempotency key, the call is recorded and replayed as described above.
    """
    found = services(request)
    key = idempotency_key(request)
    now = found.clock.now()
    if key is None:
        return await run_checked(
            caller.username,
            lambda: found.database.run_async(
                lambda connection: work(
                    connection, _authenticated(request, caller, connection), now
                )
            ),
        )
    body = await request.body()
    digest = hashlib.sha256(
        request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
    ).hexdigest()

    def unit(connection: Connection) -> Response:
        merchant = _authenticated(request, caller, connection)
        merchant_id = merchant.id
        # RETURNING tells reliably whether this request claimed the key (rowcount does not on
        # every driver for INSERT … ON CONFLICT DO NOTHING).
        claimed = connection.execute(
            _claim_key(connection),
            {"merchant_id": merchant_id, "key": key, "request_hash": digest, "created_at": now},
        ).first()
        if claimed is None:
            row = connection.execute(
                select(
                    idempotency_keys.c.request_hash,
                    idempotency_keys.c.status_code,
                    idempotency_keys.c.headers,
                    idempotency_keys.c.body,
                )
                .where(idempotency_keys.c.merchant_id == merchant_id)
                .where(idempotency_keys.c.key == key)
            ).one()
            if row.request_hash != digest:
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was used with a different request; use a new key"
                )
            return Response(
                row.body,
                status_code=row.status_code,
                headers=row.headers,
                media_type=JSON if row.body else None,
            )
        savepoint = connection.begin_nested()
        try:
            response = work(connection, merchant, now)
            savepoint.commit()
        except DomainError as error:
            savepoint.rollback()
            response = domain_error_response(error)
        connection.execute(
            idempotency_keys.update()
            .where(idempotency_keys.c.merchant_id == merchant_id)
            .where(idempotency_keys.c.key == key)
            .values(**_stored(response))
        )
        return response

    return await run_checked(caller.username, lambda: found.database.run_async(unit))


async def run_no_content(
    request: Request,
    caller: Caller,
    change: Callable[[Connection, Merchant, datetime], object],
    status: int = 204,
) -> Response:
    """A command whose success answer is an empty body (Klarna's 204s): ``change`` does the work."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        change(connection, merchant, now)
        return Response(status_code=status)

    return await run_command(request, caller, work)
