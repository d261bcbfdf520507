"""The merchant portal's settings and money pages: API credentials, webhooks, users, payouts,
disputes. Credentials and users are the owner's to change; webhooks and disputes need a role
that can act. A new secret is shown once, in the answer to the form that created it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from paylater.backoffice import accounts
from paylater.backoffice.accounts import MERCHANT, StaffUser
from paylater.backoffice.models import MERCHANT_ROLES
from paylater.backoffice.pages import (
    error,
    form_data,
    found,
    now,
    read,
    redirect,
    refused,
    render,
    signed_in,
    to_login,
    write,
)
from paylater.disputes import attachments as dispute_files
from paylater.disputes import service as disputes
from paylater.kit.errors import DomainError, NotFound
from paylater.merchants import service as merchants
from paylater.notifications import webhooks
from paylater.settlement import payouts, transactions
from paylater.settlement import settings as settlement_settings

router = APIRouter(prefix="/merchant")
T = TypeVar("T")


async def _viewer(request: Request) -> StaffUser | Response:
    user = await signed_in(request, MERCHANT)
    return user if user is not None else to_login(MERCHANT)


async def _actor(request: Request, *, owner: bool) -> tuple[StaffUser, dict[str, str]] | Response:
    """The signed-in user and the form, or the refusal to answer instead."""
    user = await signed_in(request, MERCHANT)
    if user is None:
        return to_login(MERCHANT)
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    if owner and not user.can_administer:
        return error(request, 403, "Only the merchant's owners can change this.", user)
    if not user.can_act:
        return error(request, 403, "Your role can view this page but not change anything.", user)
    return user, fields


# --- API credentials ----------------------------------------------------------------------------


def _credentials_page(
    request: Request, user: StaffUser, rows: list[dict[str, Any]], **extra: Any
) -> Response:
    context = {"user": user, "credentials": rows, "issued": None, "failure": ""}
    context.update(extra)
    return render(request, "merchant/credentials.html", context)


@router.get("/settings/credentials")
async def credentials(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    merchant_id = str(user.merchant_id)
    rows = await read(request, lambda c: merchants.list_credentials(c, merchant_id))
    return _credentials_page(request, user, rows)


async def _credential_change(
    request: Request, change: Callable[[Connection, str, bytes, datetime, dict[str, str]], T]
) -> Response:
    allowed = await _actor(request, owner=True)
    if isinstance(allowed, Response):
        return allowed
    user, fields = allowed
    merchant_id = str(user.merchant_id)
    key, moment = found(request).settings.hashing_key, now(request)
    issued: Any = None
    failure = ""
    try:
        issued = await write(request, lambda c: change(c, merchant_id, key, moment, fields))
    except DomainError as refusal:
        failure = "; ".join(refusal.messages)
    rows = await read(request, lambda c: merchants.list_credentials(c, merchant_id))
    answer = _credentials_page(
        request,
        user,
        rows,
        issued=issued if isinstance(issued, merchants.IssuedCredential) else None,
        failure=failure,
    )
    answer.status_code = 400 if failure else 200
    return answer


@router.post("/settings/credentials")
async def create_credential(request: Request) -> Response:
    return await _credential_change(
        request,
        lambda c, merchant_id, key, at, fields: merchants.issue_credential(
            c, merchant_id, key=key, at=at, label=fields.get("label", "")[:100]
        ),
    )


def rotate_credential(
    connection: Connection, merchant_id: str, username: str, *, key: bytes, at: datetime
) -> merchants.IssuedCredential:
    """A new credential with the same label; the old one stops working at once."""
    active = [
        row
        for row in merchants.list_credentials(connection, merchant_id)
        if row["username"] == username and row["revoked_at"] is None
    ]
    if not active:
        raise NotFound(f"no active credential {username}")
    issued = merchants.issue_credential(
        connection, merchant_id, key=key, at=at, label=str(active[0]["label"])
    )
    merchants.revoke_credential(connection, merchant_id, username, at=at)
    return issued


@router.post("/settings/credentials/{username}/rotate")
async def rotate(username: str, request: Request) -> Response:
    return await _credential_change(
        request,
        lambda c, merchant_id, key, at, _f: rotate_credential(
            c, merchant_id, username, key=key, at=at
        ),
    )


@router.post("/settings/credentials/{username}/revoke")
async def revoke(username: str, request: Request) -> Response:
    return await _credential_change(
        request,
        lambda c, merchant_id, _key, at, _f: merchants.revoke_credential(
            c, merchant_id, username, at=at
        ),
    )


# --- webhooks -----------------------------------------------------------------------------------


@router.get("/settings/webhooks")
async def webhook_list(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    merchant_id = str(user.merchant_id)
    rows = await read(request, lambda c: webhooks.list_endpoints(c, merchant_id))
    return render(
        request,
        "merchant/webhooks.html",
        {"user": user, "endpoints": rows, "types": webhooks.EVENT_TYPES, "secret": None},
    )


@router.post("/settings/webhooks")
async def webhook_add(request: Request) -> Response:
    allowed = await _actor(request, owner=False)
    if isinstance(allowed, Response):
        return allowed
    user, fields = allowed
    form = await request.form()
    chosen = [str(value) for value in form.getlist("event_types")] or list(webhooks.EVENT_TYPES)
    merchant_id, moment = str(user.merchant_id), now(request)
    loopback = found(request).settings.webhooks_allow_loopback
    secret, failure = None, ""
    try:
        _, secret = await write(
            request,
            lambda c: webhooks.register_endpoint(
                c,
                merchant_id,
                url=fields.get("url", "").strip()[:1024],
                event_types=chosen,
                at=moment,
                allow_loopback=loopback,
            ),
        )
    except DomainError as refusal:
        failure = "; ".join(refusal.messages)
    rows = await read(request, lambda c: webhooks.list_endpoints(c, merchant_id))
    context = {
        "user": user,
        "endpoints": rows,
        "types": webhooks.EVENT_TYPES,
        "secret": secret,
        "failure": failure,
    }
    return render(request, "merchant/webhooks.html", context, status=400 if failure else 200)


@router.post("/settings/webhooks/{endpoint_id}/disable")
async def webhook_disable(endpoint_id: str, request: Request) -> Response:
    allowed = await _actor(request, owner=False)
    if isinstance(allowed, Response):
        return allowed
    user, _ = allowed
    merchant_id, moment = str(user.merchant_id), now(request)
    try:
        await write(
            request, lambda c: webhooks.disable_endpoint(c, merchant_id, endpoint_id, at=moment)
        )
    except DomainError as refusal:
        return error(request, refusal.status, "; ".join(refusal.messages), user)
    return redirect("/merchant/settings/webhooks")


@router.get("/settings/webhooks/{endpoint_id}")
async def webhook_log(endpoint_id: str, request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    merchant_id = str(user.merchant_id)
    try:
        rows = await read(request, lambda c: webhooks.deliveries(c, merchant_id, endpoint_id))
    except DomainError as refusal:
        return error(request, refusal.status, "; ".join(refusal.messages), user)
    return render(
        request,
        "merchant/deliveries.html",
        {"user": user, "endpoint_id": endpoint_id, "deliveries": rows},
    )


# --- users --------------------------------------------------------------------------------------


async def _users_page(request: Request, user: StaffUser, failure: str = "") -> Response:
    merchant_id = str(user.merchant_id)
    rows = await read(request, lambda c: accounts.list_users(c, merchant_id))
    context = {"user": user, "users": rows, "roles": MERCHANT_ROLES, "failure": failure}
    return render(request, "merchant/users.html", context, status=400 if failure else 200)


@router.get("/settings/users")
async def users(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    return await _users_page(request, user)


async def _user_change(
    request: Request, change: Callable[[Connection, StaffUser, dict[str, str]], object]
) -> Response:
    allowed = await _actor(request, owner=True)
    if isinstance(allowed, Response):
        return allowed
    user, fields = allowed
    try:
        await write(request, lambda c: change(c, user, fields))
    except DomainError as refusal:
        return await _users_page(request, user, "; ".join(refusal.messages))
    return redirect("/merchant/settings/users")


@router.post("/settings/users")
async def invite(request: Request) -> Response:
    base, moment = found(request).settings.public_url, now(request)
    return await _user_change(
        request,
        lambda c, user, fields: accounts.invite_user(
            c,
            str(user.merchant_id),
            fields.get("email", "")[:254],
            role=fields.get("role", ""),
            base_url=base,
            at=moment,
        ),
    )


@router.post("/settings/users/{user_id}/role")
async def change_role(user_id: str, request: Request) -> Response:
    return await _user_change(
        request,
        lambda c, user, fields: accounts.set_role(
            c, str(user.merchant_id), user_id, fields.get("role", "")
        ),
    )


@router.post("/settings/users/{user_id}/disable")
async def disable(user_id: str, request: Request) -> Response:
    moment = now(request)
    return await _user_change(
        request,
        lambda c, user, _f: accounts.disable_user(c, str(user.merchant_id), user_id, at=moment),
    )


# --- payouts and disputes -----------------------------------------------------------------------


@router.get("/payouts")
async def payout_list(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    merchant_id = str(user.merchant_id)

    def work(connection: Connection) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
        rows, _ = payouts.list_payouts(connection, merchant_id, limit=100)
        return rows, payouts.payout_totals(connection, [row["id"] for row in rows])

    rows, totals = await read(request, work)
    account = await read(request, lambda c: settlement_settings.get_settings(c, merchant_id))
    failure = request.query_params.get("failure", "")[:300]
    context = {
        "user": user,
        "payouts": rows,
        "totals": totals,
        "account": account,
        "failure": failure,
    }
    return render(request, "merchant/payouts.html", context)


@router.post("/payouts/account")
async def payout_account(request: Request) -> Response:
    """The owner sets the bank account payouts go to; schedule and reserve stay the lender's."""
    allowed = await _actor(request, owner=True)
    if isinstance(allowed, Response):
        return allowed
    user, fields = allowed
    merchant_id, moment = str(user.merchant_id), now(request)

    def work(connection: Connection) -> object:
        current = settlement_settings.get_settings(connection, merchant_id)
        return settlement_settings.save_settings(
            connection,
            merchant_id,
            payout_schedule=current.payout_schedule,
            payout_weekday=current.payout_weekday,
            delay_days=current.delay_days,
            reserve_rate_bp=current.reserve_rate_bp,
            reserve_days=current.reserve_days,
            iban=fields.get("iban", "")[:64],
            bic=fields.get("bic", "")[:16],
            account_holder=fields.get("account_holder", "")[:140],
            now=moment,
        )

    try:
        await write(request, work)
    except DomainError as refusal:
        return redirect(f"/merchant/payouts?{urlencode({'failure': '; '.join(refusal.messages)})}")
    return redirect("/merchant/payouts")


@router.get("/payouts/{payment_reference}.csv")
async def payout_csv(payment_reference: str, request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    merchant_id = str(user.merchant_id)

    def work(connection: Connection) -> str:
        payout = payouts.get_payout(connection, merchant_id, payment_reference)
        rows = transactions.transaction_rows(connection, merchant_id, payout_id=payout["id"])
        return transactions.report_csv(payout, rows)

    try:
        body = await read(request, work)
    except DomainError as refusal:
        return error(request, refusal.status, "; ".join(refusal.messages), user)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="payout-{payment_reference}.csv"'},
    )


@router.get("/disputes")
async def dispute_list(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    merchant_id = str(user.merchant_id)
    rows = await read(
        request,
        lambda c: dispute_files.with_files(
            c, disputes.list_disputes(c, merchant_id=merchant_id, limit=100)[0]
        ),
    )
    failure = request.query_params.get("failure", "")[:300]
    return render(
        request, "merchant/disputes.html", {"user": user, "disputes": rows, "failure": failure}
    )


@router.get("/disputes/attachments/{attachment_id}")
async def dispute_attachment(attachment_id: str, request: Request) -> Response:
    """A file the consumer sent with a dispute against this merchant, as a download."""
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    merchant_id = str(user.merchant_id)
    try:
        row = await read(
            request, lambda c: dispute_files.load(c, attachment_id, merchant_id=merchant_id)
        )
    except NotFound:
        return error(request, 404, "Page not found.", user)
    return Response(
        row["content"],
        media_type=row["content_type"],
        headers=dispute_files.download_headers(row["filename"]),
    )


@router.post("/disputes/{dispute_id}/{answer}")
async def dispute_answer(dispute_id: str, answer: str, request: Request) -> Response:
    allowed = await _actor(request, owner=False)
    if isinstance(allowed, Response):
        return allowed
    user, fields = allowed
    merchant_id, moment = str(user.merchant_id), now(request)
    if answer not in ("respond", "accept"):
        return error(request, 404, "Page not found.", user)

    def work(connection: Connection) -> object:
        if answer == "accept":
            return disputes.accept(connection, merchant_id, dispute_id, now=moment)
        evidence = fields.get("evidence", "")
        return disputes.respond(connection, merchant_id, dispute_id, evidence=evidence, now=moment)

    try:
        await write(request, work)
    except DomainError as refusal:
        if refusal.status == 404:
            return error(request, 404, "; ".join(refusal.messages), user)
        return redirect(f"/merchant/disputes?{urlencode({'failure': '; '.join(refusal.messages)})}")
    return redirect("/merchant/disputes")
