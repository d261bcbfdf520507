"""Disputes API for merchants (list, read, respond, accept) and the operators' decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import Connection

from paylater.api.http import Caller, api_caller, json_response, run_command, run_query, services
from paylater.checkout.routes import ERRORS
from paylater.checkout.schemas import ApiModel
from paylater.disputes import service
from paylater.disputes.service import DisputeReason, Outcome
from paylater.merchants.routes import require_admin
from paylater.merchants.service import Merchant

router = APIRouter(tags=["Disputes"])
STATUS_PATTERN = "^(open|responded|closed)$"


class DisputeEvent(ApiModel):
    kind: str
    actor: str
    note: str
    at: datetime


class DisputeAttachment(ApiModel):
    attachment_id: str
    filename: str
    content_type: str
    size: int


class DisputeRead(ApiModel):
    dispute_id: str
    order_id: str
    merchant_reference1: str
    reason: DisputeReason
    message: str
    status: str
    outcome: Outcome | None
    resolution: str | None
    disputed_amount: int
    currency_code: str
    opened_at: datetime
    response_deadline: datetime
    responded_at: datetime | None
    evidence: str | None
    decided_at: datetime | None
    refund_id: str | None
    attachments: list[DisputeAttachment] = Field(default_factory=list)
    events: list[DisputeEvent] = Field(default_factory=list)


class Pagination(ApiModel):
    count: int
    total: int
    offset: int


class DisputeList(ApiModel):
    disputes: list[DisputeRead]
    pagination: Pagination


class RespondRequest(ApiModel):
    evidence: str = Field(min_length=1, max_length=service.EVIDENCE_LIMIT)


class DecideRequest(ApiModel):
    outcome: Outcome
    note: str = Field(default="", max_length=2000)


def _listing(
    connection: Connection, merchant_id: str | None, status: str | None, size: int, offset: int
) -> dict[str, Any]:
    rows, total = service.list_disputes(
        connection, merchant_id=merchant_id, status=status, limit=size, offset=offset
    )
    return {
        "disputes": [service.dispute_json(connection, row, with_events=False) for row in rows],
        "pagination": {"count": len(rows), "total": total, "offset": offset},
    }


@router.get("/disputes/v1/disputes", response_model=DisputeList, responses=ERRORS)
async def list_disputes(
    request: Request,
    caller: Caller = Depends(api_caller),
    status: str | None = Query(default=None, pattern=STATUS_PATTERN),
    size: int = Query(default=20, ge=1, le=200),
    offset: int = Query(default=0, ge=0),
) -> Response:
    """The merchant's disputes, newest first; ``status`` filters (open, responded, closed)."""
    data = await run_query(
        request, caller, lambda c, merchant, now: _listing(c, merchant.id, status, size, offset)
    )
    return json_response(data)


@router.get("/disputes/v1/disputes/{dispute_id}", response_model=DisputeRead, responses=ERRORS)
async def read_dispute(
    dispute_id: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """One dispute with its history and the deadline to answer."""
    data = await run_query(
        request,
        caller,
        lambda c, merchant, now: service.dispute_json(
            c, service.get_dispute(c, dispute_id, merchant_id=merchant.id)
        ),
    )
    return json_response(data)


@router.post(
    "/disputes/v1/disputes/{dispute_id}/respond", response_model=DisputeRead, responses=ERRORS
)
async def respond(
    dispute_id: str, body: RespondRequest, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Contest the dispute with evidence before the deadline; an operator then decides."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        dispute = service.respond(
            connection, merchant.id, dispute_id, evidence=body.evidence, now=now
        )
        return json_response(service.dispute_json(connection, dispute))

    return await run_command(request, caller, work)


@router.post(
    "/disputes/v1/disputes/{dispute_id}/accept", response_model=DisputeRead, responses=ERRORS
)
async def accept(
    dispute_id: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Accept the dispute: the consumer is refunded the disputed amount."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        dispute = service.accept(connection, merchant.id, dispute_id, now=now)
        return json_response(service.dispute_json(connection, dispute))

    return await run_command(request, caller, work)


@router.get(
    "/admin/v1/disputes",
    response_model=DisputeList,
    tags=["Admin"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)
async def admin_list_disputes(
    request: Request,
    status: str | None = Query(default=None, pattern=STATUS_PATTERN),
    size: int = Query(default=20, ge=1, le=200),
    offset: int = Query(default=0, ge=0),
) -> Response:
    """Every merchant's disputes; ``status=responded`` is the operators' queue."""
    found = services(request)
    data = await found.database.run_async(
        lambda connection: _listing(connection, None, status, size, offset), readonly=True
    )
    return json_response(data)


@router.post(
    "/admin/v1/disputes/{dispute_id}/decide",
    response_model=DisputeRead,
    tags=["Admin"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)
async def decide(dispute_id: str, body: DecideRequest, request: Request) -> Response:
    """Decide a contested dispute: ``consumer`` refunds the purchase, ``merchant`` resumes the
    plan; the held amount is released either way and both sides are told."""
    found = services(request)
    now = found.clock.now()

    def work(connection: Connection) -> Response:
        dispute = service.decide(
            connection, dispute_id, outcome=body.outcome, note=body.note, now=now
        )
        return json_response(service.dispute_json(connection, dispute))

    return await found.database.run_async(work)
