"""Order Management v1 endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from paylater.api.http import (
    Caller,
    api_caller,
    json_response,
    run_command,
    run_no_content,
    run_query,
)
from paylater.checkout.routes import ERRORS
from paylater.kit.errors import NotFound
from paylater.merchants.service import Merchant
from paylater.orders import service, views
from paylater.orders.schemas import (
    CaptureRead,
    CaptureRequest,
    MerchantReferencesRequest,
    OrderRead,
    RefundRead,
    RefundRequest,
    ShippingInfoRequest,
    UpdateAuthorizationRequest,
)


def _created(what: str, id_header: str) -> dict[int | str, dict[str, Any]]:
    return {
        **ERRORS,
        201: {
            "description": f"{what} created; the body is empty",
            "headers": {
                "Location": {
                    "description": f"URL of the new {what.lower()}",
                    "schema": {"type": "string"},
                },
                id_header: {
                    "description": f"id of the new {what.lower()}",
                    "schema": {"type": "string"},
                },
            },
        },
    }


CAPTURED = _created("Capture", "Capture-Id")
REFUNDED = _created("Refund", "Refund-Id")

router = APIRouter(prefix="/ordermanagement/v1/orders", tags=["Order management"])


@router.get("/{order_id}", response_model=OrderRead, responses=ERRORS)
async def read_order(
    order_id: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """The order with its captures, refunds and the consumer's payment schedule."""
    data = await run_query(
        request,
        caller,
        lambda c, merchant, now: views.order_view(c, merchant.id, order_id, now=now),
    )
    return json_response(data)


@router.post("/{order_id}/captures", status_code=201, response_class=Response, responses=CAPTURED)
async def capture(
    order_id: str,
    body: CaptureRequest,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    """Capture all or part of the remaining authorization (on shipment)."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        capture_id = service.capture(
            connection,
            merchant,
            order_id,
            amount=body.captured_amount,
            description=body.description,
            reference=body.reference,
            order_lines=body.order_lines,
            shipping_info=[s.model_dump(exclude_none=True) for s in body.shipping_info],
            now=now,
        )
        location = f"{request.url.path}/{capture_id}"
        return Response(status_code=201, headers={"Location": location, "Capture-Id": capture_id})

    return await run_command(request, caller, work)


@router.get("/{order_id}/captures", response_model=list[CaptureRead], responses=ERRORS)
async def list_captures(
    order_id: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    data = await run_query(
        request,
        caller,
        lambda c, merchant, now: views.order_view(c, merchant.id, order_id, now=now)["captures"],
    )
    return json_response(data)


@router.get("/{order_id}/captures/{capture_id}", response_model=CaptureRead, responses=ERRORS)
async def read_capture(
    order_id: str,
    capture_id: str,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    data = await run_query(
        request,
        caller,
        lambda c, merchant, now: views.capture_by_id(c, merchant.id, order_id, capture_id),
    )
    if data is None:
        raise NotFound(f"no capture {capture_id} on order {order_id}")
    return json_response(data)


@router.post("/{order_id}/captures/{capture_id}/shipping-info", status_code=204, responses=ERRORS)
async def add_shipping_info(
    order_id: str,
    capture_id: str,
    body: ShippingInfoRequest,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    """Add tracking details to a capture."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        service.add_shipping_info(
            connection,
            merchant,
            order_id,
            capture_id,
            [s.model_dump(exclude_none=True) for s in body.shipping_info],
        )
        return Response(status_code=204)

    return await run_command(request, caller, work)


@router.post("/{order_id}/refunds", status_code=201, response_class=Response, responses=REFUNDED)
async def refund(
    order_id: str,
    body: RefundRequest,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    """Refund up to the captured amount not yet refunded."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        refund_id = service.refund(
            connection,
            merchant,
            order_id,
            amount=body.refunded_amount,
            description=body.description,
            reference=body.reference,
            order_lines=body.order_lines,
            now=now,
        )
        location = f"{request.url.path}/{refund_id}"
        return Response(status_code=201, headers={"Location": location, "Refund-Id": refund_id})

    return await run_command(request, caller, work)


@router.get("/{order_id}/refunds/{refund_id}", response_model=RefundRead, responses=ERRORS)
async def read_refund(
    order_id: str,
    refund_id: str,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    data = await run_query(
        request,
        caller,
        lambda c, merchant, now: views.refund_by_id(c, merchant.id, order_id, refund_id),
    )
    if data is None:
        raise NotFound(f"no refund {refund_id} on order {order_id}")
    return json_response(data)


@router.post("/{order_id}/cancel", status_code=204, responses=ERRORS)
async def cancel(order_id: str, request: Request, caller: Caller = Depends(api_caller)) -> Response:
    """Cancel an order with nothing captured."""
    return await run_no_content(
        request, caller, lambda c, merchant, now: service.cancel(c, merchant, order_id, now=now)
    )


@router.post("/{order_id}/release-remaining-authorization", status_code=204, responses=ERRORS)
async def release_remaining_authorization(
    order_id: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Give up what remains authorized after partial captures."""
    return await run_no_content(
        request,
        caller,
        lambda c, merchant, now: service.release_remaining(c, merchant, order_id, now=now),
    )


@router.post("/{order_id}/extend-authorization-time", status_code=204, responses=ERRORS)
async def extend_authorization_time(
    order_id: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Extend the authorization to 28 days from now, at most 180 days after creation."""
    return await run_no_content(
        request,
        caller,
        lambda c, merchant, now: service.extend_authorization(c, merchant, order_id, now=now),
    )


@router.patch("/{order_id}/authorization", status_code=204, responses=ERRORS)
async def update_authorization(
    order_id: str,
    body: UpdateAuthorizationRequest,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    """Set a new order amount; an increase is checked again."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        service.update_authorization(
            connection,
            merchant,
            order_id,
            order_amount=body.order_amount,
            order_lines=body.order_lines,
            now=now,
        )
        return Response(status_code=204)

    return await run_command(request, caller, work)


@router.patch("/{order_id}/merchant-references", status_code=204, responses=ERRORS)
async def update_merchant_references(
    order_id: str,
    body: MerchantReferencesRequest,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        service.update_merchant_references(
            connection,
            merchant,
            order_id,
            reference1=body.merchant_reference1,
            reference2=body.merchant_reference2,
        )
        return Response(status_code=204)

    return await run_command(request, caller, work)
