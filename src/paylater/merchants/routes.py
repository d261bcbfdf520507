"""Merchant self-service for API credentials, and the lender's admin API for merchants."""

from __future__ import annotations

import hmac
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import Connection

from paylater.api.http import Caller, api_caller, json_response, run_command, run_query, services
from paylater.backoffice import api_tokens
from paylater.checkout.routes import ERRORS
from paylater.checkout.schemas import ApiModel, Country
from paylater.kit.errors import NotFound, Unauthorized
from paylater.merchants import service
from paylater.merchants.service import Merchant

router = APIRouter(tags=["Credentials"])


class CredentialRequest(ApiModel):
    label: str = Field(default="", max_length=100)


class CredentialIssued(ApiModel):
    username: str
    secret: str
    label: str
    created_at: str


class CredentialRead(ApiModel):
    username: str
    label: str
    created_at: str
    revoked_at: str | None


class MerchantRequest(ApiModel):
    name: str = Field(min_length=1, max_length=200)
    country: Country
    fee_rate_bp: int = Field(default=service.DEFAULT_FEE_RATE_BP, ge=0, le=10_000)
    fee_fixed_minor: int = Field(default=0, ge=0)


class MerchantCreated(ApiModel):
    merchant_id: str
    credentials: CredentialIssued


def _iso(moment: object) -> str:
    assert isinstance(moment, datetime)
    return moment.isoformat()


def _issued(credential: service.IssuedCredential) -> dict[str, str]:
    return {
        "username": credential.username,
        "secret": credential.secret,
        "label": credential.label,
        "created_at": credential.created_at.isoformat(),
    }


@router.get("/merchant/v1/credentials", response_model=list[CredentialRead], responses=ERRORS)
async def list_credentials(request: Request, caller: Caller = Depends(api_caller)) -> Response:
    rows = await run_query(
        request, caller, lambda c, merchant, now: service.list_credentials(c, merchant.id)
    )
    return json_response(
        [
            {
                "username": r["username"],
                "label": r["label"],
                "created_at": _iso(r["created_at"]),
                "revoked_at": _iso(r["revoked_at"]) if r["revoked_at"] else None,
            }
            for r in rows
        ]
    )


@router.post(
    "/merchant/v1/credentials", status_code=201, response_model=CredentialIssued, responses=ERRORS
)
async def create_credential(
    body: CredentialRequest, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Issue another API credential (rotation); the secret is shown only in this response."""
    key = services(request).settings.hashing_key

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        issued = service.issue_credential(
            connection, merchant.id, key=key, at=now, label=body.label
        )
        return json_response(_issued(issued), 201)

    return await run_command(request, caller, work)


@router.delete("/merchant/v1/credentials/{username}", status_code=204, responses=ERRORS)
async def revoke_credential(
    username: str, request: Request, caller: Caller = Depends(api_caller)
) -> Response:
    """Revoke a credential; requests signed with it fail from now on."""

    def work(connection: Connection, merchant: Merchant, now: datetime) -> Response:
        service.revoke_credential(connection, merchant.id, username, at=now)
        return Response(status_code=204)

    return await run_command(request, caller, work)


async def require_admin(request: Request) -> None:
    """The admin API's guard: an operator's own token (see ``backoffice.api_tokens``; the call is
    then that operator's, in ``request.state.operator``), or the shared admin token
    (``PAYLATER_ADMIN_TOKEN``, for set-up and automation). Without either configured, the admin
    API answers 404."""
    found = services(request)
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if given.startswith(api_tokens.TOKEN_PREFIX):
        operator = await found.database.run_async(
            lambda c: api_tokens.operator_of(c, given, key=found.settings.hashing_key),
            readonly=True,
        )
        if operator is None:
            raise Unauthorized("this operator token is unknown, revoked or its operator disabled")
        request.state.operator = operator
        return
    expected = found.settings.admin_token
    if not expected:
        raise NotFound("the admin API is disabled (set PAYLATER_ADMIN_TOKEN)")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("a valid admin bearer token is required")


def admin_operator(request: Request) -> str:
    """Who makes an admin call, for the audit log: the operator whose token it is, else the name
    the caller gives in ``X-Operator`` (shared token), else ``admin``."""
    operator = getattr(request.state, "operator", None)
    if operator:
        return str(operator)
    return (request.headers.get("x-operator", "").strip() or "admin")[:100]


@router.post(
    "/admin/v1/merchants",
    status_code=201,
    response_model=MerchantCreated,
    tags=["Admin"],
    dependencies=[Depends(require_admin)],
    responses=ERRORS,
)
async def create_merchant(body: MerchantRequest, request: Request) -> Response:
    """Onboard a merchant and issue its first API credential (lender's admin token)."""
    found = services(request)
    now = found.clock.now()

    def work(connection: Connection) -> Response:
        merchant = service.create_merchant(
            connection,
            name=body.name,
            country=body.country,
            at=now,
            fee_rate_bp=body.fee_rate_bp,
            fee_fixed_minor=body.fee_fixed_minor,
        )
        issued = service.issue_credential(
            connection, merchant.id, key=found.settings.hashing_key, at=now, label="initial"
        )
        return json_response({"merchant_id": merchant.id, "credentials": _issued(issued)}, 201)

    return await found.database.run_async(work)
