"""Merchant webhook settings: endpoints per event type, secret rotation, the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import Connection

from paylater.api.http import (
    Caller,
    api_caller,
    json_response,
    run_command,
    run_no_content,
    run_query,
    services,
)
from paylater.checkout.routes import ERRORS
from paylater.checkout.schemas import ApiModel
from paylater.merchants.service import Merchant
from paylater.notifications import webhooks

router = APIRouter(prefix="/merchant/v1/webhooks", tags=["Webhooks"])


class EndpointRequest(ApiModel):
    url: str = Field(min_length=8, max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=len(webhooks.EVENT_TYPES))


class EndpointRead(ApiModel):
    id: str
    url: str
    event_types: list[str]
    created_at: str


class EndpointCreated(EndpointRead):
    secret: str


class SecretRotated(ApiModel):
    secret: str


class DeliveryRead(ApiModel):
    event_id: str
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int
    delivered: bool
    at: str


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _endpoint(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "url": row["url"],
        "event_types": row["event_types"],
        "created_at": _iso(row["created_at"]),
    }


@router.post("", status_code=201, response_model=EndpointCreated, responses=ERRORS)
async def create_endpoint(
    body: EndpointRequest, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Register an endpoint for some event types; the signing secret is shown only here."""
    allow_loopback = services(request).settings.webhooks_allow_loopback

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        endpoint, secret = webhooks.register_endpoint(
            connection,
            merchant.id,
            url=body.url,
            event_types=body.event_types,
            at=now,
            allow_loopback=allow_loopback,
        )
        return json_response({**_endpoint(endpoint), "secret": secret}, 201)

    return await run_command(request, caller, work)


@router.get("", response_model=list[EndpointRead], responses=ERRORS)
async def list_endpoints(request: Request, caller: Caller = Depends(api_caller)) -> Response:
    rows = await run_query(
        request, caller, lambda c, merchant, _now: webhooks.list_endpoints(c, merchant.id)
    )
    return json_response([_endpoint(row) for row in rows])


@router.delete("/{endpoint_id}", status_code=204, responses=ERRORS)
async def delete_endpoint(
    endpoint_id: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Stop sending events to an endpoint."""
    return await run_no_content(
        request,
        caller,
        lambda c, merchant, now: webhooks.disable_endpoint(c, merchant.id, endpoint_id, at=now),
    )


@router.post("/{endpoint_id}/rotate-secret", response_model=SecretRotated, responses=ERRORS)
async def rotate_secret(
    endpoint_id: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """A new signing secret; deliveries carry signatures with old and new for 24 hours."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        secret = webhooks.rotate_secret(connection, merchant.id, endpoint_id, at=now)
        return json_response({"secret": secret})

    return await run_command(request, caller, work)


@router.get("/{endpoint_id}/deliveries", response_model=list[DeliveryRead], responses=ERRORS)
async def list_deliveries(
    endpoint_id: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """The latest delivery attempts to an endpoint, newest first."""
    rows = await run_query(
        request,
        caller,
        lambda c, merchant, _now: webhooks.deliveries(c, merchant.id, endpoint_id),
    )
    return json_response(
        [
            {
                "event_id": r["event_id"],
                "attempt": r["attempt"],
                "status_code": r["status_code"],
                "error": r["error"],
                "duration_ms": r["duration_ms"],
                "delivered": bool(r["delivered"]),
                "at": _iso(r["at"]),
            }
            for r in rows
        ]
    )
