"""The lender's operator API for servicing: pauses, problem reports and the reminders sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import Connection

from paylater.api.http import json_response, services
from paylater.checkout.routes import ERRORS
from paylater.checkout.schemas import ApiModel
from paylater.kit.errors import Conflict
from paylater.merchants.routes import require_admin
from paylater.servicing import pauses, reminders
from paylater.servicing.pauses import MAX_PAUSE_DAYS, ProblemReason

router = APIRouter(tags=["Admin: servicing"], dependencies=[Depends(require_admin)])


class PauseRequest(ApiModel):
    reason: ProblemReason = ProblemReason.other
    days: int = Field(default=pauses.PAUSE_DAYS, ge=1, le=MAX_PAUSE_DAYS)
    note: str = Field(default="", max_length=500)


class ExtendRequest(ApiModel):
    days: int = Field(ge=1, le=MAX_PAUSE_DAYS)


class PauseRead(ApiModel):
    id: str
    order_id: str
    reason: str
    note: str
    starts_on: date
    ends_on: date
    days: int
    status: str
    ended_on: date | None = None
    end_reason: str | None = None
    created_at: datetime


class ServicingView(ApiModel):
    order_id: str
    pauses: list[PauseRead]
    notices: list[dict[str, Any]]


def _pause_json(pause: Any) -> dict[str, Any]:
    values = dict(pause._mapping) if hasattr(pause, "_mapping") else dict(pause)
    return PauseRead.model_validate(values).model_dump(mode="json")


async def _run(request: Request, work: Any) -> Response:
    found = services(request)
    now = found.clock.now()
    return await found.database.run_async(lambda connection: work(connection, now))


@router.get("/admin/v1/orders/{order_id}/servicing", response_model=ServicingView, responses=ERRORS)
async def order_servicing(order_id: str, request: Request) -> Response:
    """The order's pauses and every reminder its instalments got (with fees charged)."""

    def work(connection: Connection, _now: datetime) -> Response:
        return json_response(
            {
                "order_id": order_id,
                "pauses": [_pause_json(p) for p in pauses.pauses_for_order(connection, order_id)],
                "notices": [
                    {
                        "kind": n["kind"],
                        "due_date": n["due_date"].isoformat(),
                        "day": n["day"].isoformat(),
                        "fee_amount": n["fee_amount"],
                    }
                    for n in reminders.notices_for_order(connection, order_id)
                ],
            }
        )

    return await _run(request, work)


@router.post(
    "/admin/v1/orders/{order_id}/pauses",
    status_code=201,
    response_model=PauseRead,
    responses=ERRORS,
)
async def pause_order(order_id: str, body: PauseRequest, request: Request) -> Response:
    """Pause a purchase on the consumer's behalf (e.g. a problem reported by phone)."""

    def work(connection: Connection, now: datetime) -> Response:
        pause = pauses.start_pause(
            connection,
            order_id=order_id,
            reason=body.reason.value,
            days=body.days,
            note=body.note,
            now=now,
        )
        return json_response(_pause_json(pause), 201)

    return await _run(request, work)


@router.post("/admin/v1/pauses/{pause_id}/end", response_model=PauseRead, responses=ERRORS)
async def end_pause(pause_id: str, request: Request) -> Response:
    """End a pause now; the due dates stay where the pause moved them."""

    def work(connection: Connection, now: datetime) -> Response:
        if not pauses.end_pause(connection, pause_id, reason="operator", now=now):
            raise Conflict("this pause has already ended")
        return json_response(_pause_json(pauses.get_pause(connection, pause_id)))

    return await _run(request, work)


@router.post("/admin/v1/pauses/{pause_id}/extend", response_model=PauseRead, responses=ERRORS)
async def extend_pause(pause_id: str, body: ExtendRequest, request: Request) -> Response:
    """Extend an active pause; unpaid due dates move by the same number of days."""

    def work(connection: Connection, now: datetime) -> Response:
        pauses.extend_pause(connection, pause_id, days=body.days, now=now)
        return json_response(_pause_json(pauses.get_pause(connection, pause_id)))

    return await _run(request, work)
