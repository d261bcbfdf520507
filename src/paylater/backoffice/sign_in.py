"""Signing in and out of the merchant portal and the back office, and accepting an invitation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from paylater.backoffice import accounts, audit
from paylater.backoffice.accounts import MERCHANT, OPERATOR
from paylater.backoffice.pages import (
    COOKIES,
    PATHS,
    error,
    form_data,
    now,
    read,
    redirect,
    refused,
    render,
    set_cookie,
    to_login,
    write,
)
from paylater.kit.errors import DomainError

router = APIRouter()
HOMES = {MERCHANT: "/merchant/orders", OPERATOR: "/backoffice/"}
TITLES = {MERCHANT: "Merchant portal", OPERATOR: "Back office"}


def _login_form(request: Request, kind: str, failure: str = "", status: int = 200) -> Response:
    return render(
        request,
        "login.html",
        {"kind": kind, "title": TITLES[kind], "action": f"{PATHS[kind]}/login", "failure": failure},
        status=status,
    )


async def _log_in(request: Request, kind: str) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    email, password = fields.get("email", "")[:254], fields.get("password", "")[:200]
    moment = now(request)

    def work(connection: Connection) -> tuple[accounts.StaffUser, str] | None:
        found = accounts.log_in(connection, kind, email, password, now=moment)
        if found is not None and kind == OPERATOR:
            audit.record(
                connection,
                found[0],
                "operator.log_in",
                "operator",
                found[0].id,
                before=None,
                after=None,
                at=moment,
            )
        return found

    outcome = await write(request, work)
    if outcome is None:
        return _login_form(request, kind, "Wrong e-mail or password.", 401)
    _, token = outcome
    response = redirect(HOMES[kind])
    set_cookie(request, response, COOKIES[kind], token, PATHS[kind])
    return response


async def _log_out(request: Request, kind: str) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    token = request.cookies.get(COOKIES[kind])
    await write(request, lambda c: accounts.log_out(c, token))
    response = to_login(kind)
    response.delete_cookie(COOKIES[kind], path=PATHS[kind])
    return response


@router.get("/merchant/login")
async def merchant_login_form(request: Request) -> Response:
    return _login_form(request, MERCHANT)


@router.post("/merchant/login")
async def merchant_login(request: Request) -> Response:
    return await _log_in(request, MERCHANT)


@router.post("/merchant/logout")
async def merchant_logout(request: Request) -> Response:
    return await _log_out(request, MERCHANT)


@router.get("/backoffice/login")
async def operator_login_form(request: Request) -> Response:
    return _login_form(request, OPERATOR)


@router.post("/backoffice/login")
async def operator_login(request: Request) -> Response:
    return await _log_in(request, OPERATOR)


@router.post("/backoffice/logout")
async def operator_logout(request: Request) -> Response:
    return await _log_out(request, OPERATOR)


@router.get("/merchant/invitation/{token}")
async def invitation_form(token: str, request: Request) -> Response:
    moment = now(request)
    try:
        invited = await read(request, lambda c: accounts.invitation(c, token, now=moment))
    except DomainError as missing:
        return error(request, 404, "; ".join(missing.messages))
    return render(request, "merchant/invitation.html", {"email": invited["email"], "failure": ""})


@router.post("/merchant/invitation/{token}")
async def accept_invitation(token: str, request: Request) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    password = fields.get("password", "")
    moment = now(request)
    if password != fields.get("confirm", ""):
        failure = "The two passwords differ."
    else:
        try:
            await write(
                request, lambda c: accounts.accept_invitation(c, token, password, now=moment)
            )
            return to_login(MERCHANT)
        except DomainError as refusal:
            if refusal.status == 404:
                return error(request, 404, "; ".join(refusal.messages))
            failure = "; ".join(refusal.messages)
    invited = await read(request, lambda c: accounts.invitation(c, token, now=moment))
    return render(
        request,
        "merchant/invitation.html",
        {"email": invited["email"], "failure": failure},
        status=400,
    )
