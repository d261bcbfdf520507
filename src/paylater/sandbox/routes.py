"""Sandbox-only helpers for merchants' developers: authorize without a browser, move time."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import Connection

from paylater.api.http import Caller, api_caller, json_response, run_command, run_query, services
from paylater.checkout import service as checkout
from paylater.checkout.routes import ERRORS
from paylater.checkout.schemas import ApiModel, AuthorizationResponse, SandboxAuthorizeRequest
from paylater.kit.clock import SandboxClock
from paylater.merchants.service import Merchant
from paylater.sandbox import service

router = APIRouter(prefix="/sandbox/v1", tags=["Sandbox"])


class AdvanceClock(ApiModel):
    days: int = Field(default=0, ge=0, le=3660)
    hours: int = Field(default=0, ge=0, le=24 * 3660)


class ClockRead(ApiModel):
    now: str
    offset_seconds: int


@router.post(
    "/sessions/{session_id}/authorize", response_model=AuthorizationResponse, responses=ERRORS
)
async def authorize_session(
    session_id: str,
    body: SandboxAuthorizeRequest,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    """Authorize a session as a test consumer, as the hosted checkout would.

    The credit decision runs for real: an under-18 date of birth, an amount over the consumer's
    limit, or too many purchases in a day decline; billing and shipping in different countries, or
    a first purchase above the review threshold, come back `PENDING`.
    """

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        outcome = checkout.authorize(
            connection, session_id, body, now=now, today=now.date(), merchant_id=merchant.id
        )
        return json_response(
            {
                "approved": outcome.approved,
                "authorization_token": outcome.token,
                "fraud_status": outcome.fraud_status,
                "reason_codes": outcome.reason_codes,
                "decision_id": outcome.decision_id,
                "show_form": outcome.approved,
            }
        )

    return await run_command(request, caller, work)


@router.get("/clock", response_model=ClockRead, responses=ERRORS)
async def read_clock(request: Request, caller: Caller = Depends(api_caller)) -> Response:
    """The sandbox clock as every process sharing this database sees it."""
    offset = await run_query(request, caller, lambda c, _merchant, _now: service.stored_offset(c))
    return json_response(
        {
            "now": services(request).clock.now().isoformat(),
            "offset_seconds": int(offset.total_seconds()),
        }
    )


@router.post("/clock/advance", response_model=ClockRead, responses=ERRORS)
async def advance_clock(
    body: AdvanceClock, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Move the sandbox clock forward for every process sharing this database."""
    found = services(request)
    delta = timedelta(days=body.days, hours=body.hours)

    def work(connection: Connection, _merchant: Merchant, _now: datetime) -> Response:
        offset = service.advance(connection, delta)
        return json_response({"offset_seconds": int(offset.total_seconds())})

    response = await run_command(request, caller, work)
    if isinstance(found.clock, SandboxClock):
        found.clock.forget_cache()
    return response
