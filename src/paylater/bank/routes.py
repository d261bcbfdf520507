"""The lender's admin API for bank money: statement upload, the unmatched queue, apply, return.

Protected by the admin API's guard (an operator's own token, or the shared admin token with the
operator's name in ``X-Operator``); the operator is written to the audit log with every action.
"""

from __future__ import annotations

from datetime import date, datetime

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import Connection

from paylater.api.http import json_response, services
from paylater.bank import references, service
from paylater.bank.camt import BankFileError, FileTooLarge
from paylater.bank.statements import import_file
from paylater.checkout.routes import ERRORS
from paylater.checkout.schemas import ApiModel
from paylater.kit.errors import BadValue, DomainError
from paylater.merchants.routes import admin_operator, require_admin

router = APIRouter(tags=["Bank"], dependencies=[Depends(require_admin)])


class PayloadTooLarge(DomainError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413


class ApplyRequest(ApiModel):
    instalment_id: str = Field(min_length=1, max_length=36)


class ReturnRequest(ApiModel):
    note: str = Field(default="", max_length=500)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the file is larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the file is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


_XML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/admin/v1/bank/statements", status_code=201, responses=ERRORS, openapi_extra=_XML_BODY
)
async def upload_statement(request: Request, name: str = Query(default="upload")) -> Response:
    """Import a camt.053, camt.054 or pain.002 file sent as the raw XML body."""
    found = services(request)
    limit = references.settings().max_upload_bytes
    data = await _body(request, limit)
    operator = admin_operator(request)
    now = found.clock.now()

    def work(connection: Connection) -> Response:
        report = import_file(
            connection, data, at=now, name=name[:255], operator=operator, max_bytes=limit
        )
        return json_response(report.as_dict(), 200 if report.already_imported else 201)

    try:
        return await anyio.to_thread.run_sync(
            lambda: found.database.run(work, checkpoint_later=True)
        )
    except FileTooLarge as error:
        raise PayloadTooLarge(str(error)) from error
    except BankFileError as error:
        raise BadValue(f"bank file refused: {error}") from error


@router.get("/admin/v1/bank/unmatched", responses=ERRORS)
async def list_unmatched(
    request: Request,
    amount: int | None = Query(default=None, ge=0),
    name: str | None = Query(default=None, max_length=140),
    date_from: date | None = None,
    date_to: date | None = None,
) -> Response:
    """The unmatched queue with suggestions, filtered by amount, payer name and booking date."""
    found = services(request)

    def work(connection: Connection) -> Response:
        rows = service.search_unmatched(
            connection, amount=amount, name=name, date_from=date_from, date_to=date_to
        )
        return json_response([row.as_dict() for row in rows])

    return await found.database.run_async(work, readonly=True)


def _now(request: Request) -> datetime:
    return services(request).clock.now()


@router.post("/admin/v1/bank/entries/{entry_id}/apply", responses=ERRORS)
async def apply_entry(entry_id: str, body: ApplyRequest, request: Request) -> Response:
    """Apply an unmatched or suggested entry to an instalment (one click on a suggestion)."""
    found = services(request)
    operator, now = admin_operator(request), _now(request)

    def work(connection: Connection) -> Response:
        applied = service.apply_suggestion(connection, entry_id, body.instalment_id, operator, now)
        return json_response({"entry_id": entry_id, "applied": applied})

    return await found.database.run_async(work)


@router.post("/admin/v1/bank/entries/{entry_id}/return", responses=ERRORS)
async def return_entry(entry_id: str, body: ReturnRequest, request: Request) -> Response:
    """Send an unmatched entry back to the payer."""
    found = services(request)
    operator, now = admin_operator(request), _now(request)

    def work(connection: Connection) -> Response:
        service.return_to_sender(connection, entry_id, operator, now, body.note)
        return json_response({"entry_id": entry_id, "state": "returned"})

    return await found.database.run_async(work)
