"""What every staff page shares: templates, cookies, CSRF, the signed-in user, errors.

Merchant users and operators have separate cookies (``pl_merchant``, path ``/merchant``;
``pl_operator``, path ``/backoffice``) and sessions of separate kinds, so neither can open the
other's pages; consumers' sessions are another table altogether. Cookies are HttpOnly and
``SameSite=Strict``. CSRF: each form carries an HMAC of a random per-browser nonce kept in an
HttpOnly cookie; a POST without it, or whose ``Origin`` names another site, is refused with 403
before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Connection

from paylater.api.forms import FormGuard
from paylater.api.http import Services, services
from paylater.backoffice import accounts
from paylater.backoffice.accounts import StaffUser
from paylater.kit.money import Money

T = TypeVar("T")
HERE = Path(__file__).parent
NONCE_COOKIE = "pl_staff_nonce"
COOKIES = {accounts.MERCHANT: "pl_merchant", accounts.OPERATOR: "pl_operator"}
PATHS = {accounts.MERCHANT: "/merchant", accounts.OPERATOR: "/backoffice"}


def money(minor: int | None, currency: str) -> str:
    return Money(int(minor or 0), currency).format("en_GB").replace("\xa0", " ")


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


templates = Environment(
    loader=FileSystemLoader(str(HERE / "templates")),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["when"] = when
templates.globals["money"] = money


def found(request: Request) -> Services:
    return services(request)


async def read(request: Request, work: Callable[[Connection], T]) -> T:
    return await found(request).database.run_async(work, readonly=True)


async def write(request: Request, work: Callable[[Connection], T]) -> T:
    return await found(request).database.run_async(work)


def now(request: Request) -> datetime:
    return found(request).clock.now()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or found(request).settings.public_url.startswith(
        "https://"
    )


def set_cookie(request: Request, response: Response, name: str, value: str, path: str) -> None:
    response.set_cookie(
        name, value, httponly=True, secure=_secure(request), samesite="strict", path=path
    )


_GUARD = FormGuard(NONCE_COOKIE, b"staff-csrf|")


def _nonce(request: Request) -> str:
    return _GUARD.nonce(request)


def csrf_token(request: Request) -> str:
    return _GUARD.token(request, found(request).settings.hashing_key)


async def form_data(request: Request) -> dict[str, str] | None:
    """The POSTed form as text fields, or ``None`` when the CSRF check fails."""
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    key = found(request).settings.hashing_key
    return fields if _GUARD.accepts(request, fields.get("csrf_token", ""), key) else None


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    values: dict[str, Any] = {"request": request, "csrf": csrf_token(request), "user": None}
    values.update(context or {})
    response = HTMLResponse(templates.get_template(template).render(values), status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'"
    )
    if request.cookies.get(NONCE_COOKIE) != _nonce(request):
        set_cookie(request, response, NONCE_COOKIE, _nonce(request), "/")
    return response


def error(request: Request, status: int, message: str, user: StaffUser | None = None) -> Response:
    return render(request, "error.html", {"message": message, "user": user}, status=status)


def refused(request: Request) -> Response:
    return error(request, 403, "This form has expired or came from another site. Please retry.")


async def signed_in(request: Request, kind: str) -> StaffUser | None:
    token = request.cookies.get(COOKIES[kind])
    moment = now(request)
    return await read(request, lambda c: accounts.session_user(c, kind, token, now=moment))


def to_login(kind: str) -> Response:
    return RedirectResponse(f"{PATHS[kind]}/login", status_code=303)


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)
