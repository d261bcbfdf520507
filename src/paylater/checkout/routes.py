"""Payments v1 endpoints: sessions, orders from authorizations, customer tokens."""

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
    services,
)
from paylater.checkout import service, tokens
from paylater.checkout.schemas import (
    CustomerTokenCreated,
    CustomerTokenRead,
    CustomerTokenRequest,
    CustomerTokenStatus,
    OrderCreated,
    OrderData,
    PaymentMethodCategory,
    SessionCreated,
    SessionRead,
    SessionRequest,
    SessionUpdate,
)
from paylater.merchants.service import Merchant
from paylater.plans.schedule import PlanType

router = APIRouter(tags=["Payments"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid request (`BAD_VALUE`)"},
    401: {"description": "Missing or wrong API credentials"},
    403: {"description": "Operation not allowed in the current state"},
    404: {"description": "Not found, or owned by another merchant"},
    422: {"description": "Idempotency-Key reused with a different request"},
}


def categories(request: Request, plans: list[str]) -> list[dict[str, Any]]:
    base = services(request).settings.public_url.rstrip("/")
    return [
        {
            "identifier": plan,
            "name": service.PLAN_NAMES[PlanType(plan)],
            "asset_urls": {
                "descriptive": f"{base}/assets/badges/{plan}.svg",
                "standard": f"{base}/assets/badges/{plan}.svg",
            },
        }
        for plan in plans
    ]


@router.post("/payments/v1/sessions", response_model=SessionCreated, responses=ERRORS)
async def create_session(
    body: SessionRequest, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Create a payment session: the cart, and the plans it qualifies for."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        created = service.create_session(connection, merchant.id, body, now=now)
        return json_response(
            {
                "session_id": created.session_id,
                "client_token": created.client_token,
                "payment_method_categories": categories(request, [p.value for p in created.plans]),
            }
        )

    return await run_command(request, caller, work)


@router.get("/payments/v1/sessions/{session_id}", response_model=SessionRead, responses=ERRORS)
async def read_session(
    session_id: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Read a session; its status reads `expired` 48 hours after creation."""
    session = await run_query(
        request,
        caller,
        lambda c, merchant, now: service.load_session(
            c, session_id, merchant_id=merchant.id, now=now
        ),
    )
    details = session["details"]
    return json_response(
        {
            "session_id": session["id"],
            "status": session["status"],
            "client_token": session["client_token"],
            "acquiring_channel": details.get("acquiring_channel", "ECOMMERCE"),
            "intent": session["intent"],
            "purchase_country": session["purchase_country"],
            "purchase_currency": session["purchase_currency"],
            "locale": session["locale"],
            "order_amount": session["order_amount"],
            "order_tax_amount": session["order_tax_amount"],
            "order_lines": details.get("order_lines", []),
            "payment_method_categories": categories(request, session["offered_plans"]),
            "expires_at": session["expires_at"].isoformat().replace("+00:00", "Z"),
            "authorization_token": session["authorization_token"],
            "merchant_reference1": details.get("merchant_reference1"),
            "merchant_reference2": details.get("merchant_reference2"),
        }
    )


@router.post("/payments/v1/sessions/{session_id}", status_code=204, responses=ERRORS)
async def update_session(
    session_id: str,
    body: SessionUpdate,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    """Update an incomplete session; the plans offered are decided again."""
    return await run_no_content(
        request,
        caller,
        lambda c, merchant, now: service.update_session(c, merchant.id, session_id, body, now=now),
    )


@router.post(
    "/payments/v1/authorizations/{authorization_token}/order",
    response_model=OrderCreated,
    responses=ERRORS,
)
async def create_order(
    authorization_token: str,
    body: OrderData,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    """Create an order from the shopper's authorization token."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        order = service.create_order(connection, merchant.id, authorization_token, body, now=now)
        return json_response(created_order_body(order))

    return await run_command(request, caller, work)


def created_order_body(order: dict[str, Any]) -> dict[str, Any]:
    confirmation = (order["details"].get("merchant_urls") or {}).get("confirmation")
    plan = PlanType(order["plan"])
    return {
        "order_id": order["id"],
        "redirect_url": confirmation.replace("{order.id}", order["id"]) if confirmation else None,
        "fraud_status": order["fraud_status"],
        "authorized_payment_method": {
            "type": plan.value,
            "number_of_installments": order["financing_months"]
            or {PlanType.pay_in_3: 3, PlanType.pay_in_4: 4}.get(plan, 1),
            "number_of_days": 30 if plan is PlanType.pay_later else 0,
        },
    }


@router.delete(
    "/payments/v1/authorizations/{authorization_token}", status_code=204, responses=ERRORS
)
async def cancel_authorization(
    authorization_token: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Cancel an authorization that has not become an order."""
    return await run_no_content(
        request,
        caller,
        lambda c, merchant, now: service.cancel_authorization(
            c, merchant.id, authorization_token, now=now
        ),
    )


@router.post(
    "/payments/v1/authorizations/{authorization_token}/customer-token",
    response_model=CustomerTokenCreated,
    responses=ERRORS,
)
async def create_customer_token(
    authorization_token: str,
    body: CustomerTokenRequest,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    """Turn an authorization into a customer token for recurring orders."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        token = tokens.create(connection, merchant.id, authorization_token, body, now=now)
        return json_response(
            {"token_id": token, "redirect_url": None, "payment_method_reference": token}
        )

    return await run_command(request, caller, work)


@router.get(
    "/customer-token/v1/tokens/{token_id}",
    response_model=CustomerTokenRead,
    tags=["Customer tokens"],
    responses=ERRORS,
)
async def read_customer_token(
    token_id: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    data = await run_query(
        request, caller, lambda c, merchant, now: tokens.read(c, merchant.id, token_id)
    )
    return json_response(data)


@router.patch(
    "/customer-token/v1/tokens/{token_id}/status",
    status_code=202,
    tags=["Customer tokens"],
    responses=ERRORS,
)
async def cancel_customer_token(
    token_id: str,
    body: CustomerTokenStatus,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    """Cancel a customer token; no new orders can be made with it."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        tokens.cancel(connection, merchant.id, token_id)
        return Response(status_code=202)

    return await run_command(request, caller, work)


@router.post(
    "/customer-token/v1/tokens/{token_id}/order",
    response_model=OrderCreated,
    tags=["Customer tokens"],
    responses=ERRORS,
)
async def order_from_customer_token(
    token_id: str,
    body: OrderData,
    request: Request,
    caller: Caller = Depends(api_caller),
) -> Response:
    """Create a recurring order for the token's consumer; a new credit decision runs."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        order = tokens.create_order(connection, merchant.id, token_id, body, now=now)
        return json_response(created_order_body(order))

    return await run_command(request, caller, work)


__all__ = ["PaymentMethodCategory", "router"]
