"""What every page shares: templates, language, cookies, CSRF, and database access.

CSRF: every form carries ``csrf_token``, an HMAC (keyed with the service's secret) of a random
per-browser nonce kept in an HttpOnly cookie; a POST whose token does not match, or whose
``Origin`` names another site, is refused with 403 before anything runs. Cookies are HttpOnly,
``Secure`` when the page is served over HTTPS, and ``SameSite=Lax`` (``None`` over HTTPS, so the
checkout still works inside a merchant's page on another site).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Connection

from paylater.api.forms import FormGuard
from paylater.api.http import Services, services
from paylater.checkout.service import PLAN_NAMES
from paylater.web.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Formats,
    from_accept_language,
    language_of,
    translator,
)

T = TypeVar("T")
PLAN_LABELS = {plan.value: name for plan, name in PLAN_NAMES.items()}
HERE = Path(__file__).parent
ANON_COOKIE = "pl_anon"
LANGUAGE_COOKIE = "pl_lang"
ONE_YEAR = 365 * 24 * 3600

templates = Environment(
    loader=FileSystemLoader(str(HERE / "templates")),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


def found(request: Request) -> Services:
    return services(request)


async def read(request: Request, work: Callable[[Connection], T]) -> T:
    return await found(request).database.run_async(work, readonly=True)


async def write(request: Request, work: Callable[[Connection], T]) -> T:
    return await found(request).database.run_async(work)


def secure(request: Request) -> bool:
    """Whether cookies get ``Secure``: the page came over HTTPS, or the service is public on it."""
    return (
        request.url.scheme == "https"
        or request.headers.get("x-forwarded-proto") == "https"
        or found(request).settings.public_url.startswith("https://")
    )


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    https = secure(request)
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        secure=https,
        samesite="none" if https else "lax",
        path="/",
    )


_GUARD = FormGuard(ANON_COOKIE, b"csrf|")


def _anon(request: Request) -> str:
    return _GUARD.nonce(request)


def csrf_token(request: Request) -> str:
    return _GUARD.token(request, found(request).settings.hashing_key)


async def form_data(request: Request) -> dict[str, str] | None:
    """The POSTed form as text fields, or ``None`` when the CSRF check fails."""
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    key = found(request).settings.hashing_key
    return fields if _GUARD.accepts(request, fields.get("csrf_token", ""), key) else None


def language(request: Request, preferred: str | None = None) -> str:
    """The page's language: ``?lang=``, the chosen cookie, the account's, the browser's."""
    return (
        language_of(request.query_params.get("lang"))
        or language_of(request.cookies.get(LANGUAGE_COOKIE))
        or language_of(preferred)
        or from_accept_language(request.headers.get("accept-language", ""))
        or DEFAULT_LANGUAGE
    )


def _language_form_target(request: Request) -> str:
    """Where the language menu sends the browser: this page, or after a form the page it was on."""
    if request.method == "GET":
        return ""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.headers.get("host", "") and referer.path.startswith("/"):
        return referer.path
    return "/my/"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    lang: str | None = None,
) -> HTMLResponse:
    chosen = lang or language(request)
    values: dict[str, Any] = {
        "request": request,
        "_": translator(chosen),
        "fmt": Formats(chosen),
        "lang": chosen,
        "languages": LANGUAGES,
        "csrf": csrf_token(request),
        "sandbox": found(request).settings.sandbox,
        "plan_names": PLAN_LABELS,
        "lang_action": _language_form_target(request),
        "embed": False,
    }
    values.update(context or {})
    values["embed"] = bool(values.get("keep", {}).get("embed"))
    html = templates.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if not template.startswith("checkout/"):
        # Only the checkout is meant to be shown inside a merchant's page (the widget's frame).
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    remember_browser(request, response)
    if request.query_params.get("lang") and language_of(request.query_params.get("lang")):
        set_cookie(request, response, LANGUAGE_COOKIE, chosen, ONE_YEAR)
    return response


def remember_browser(request: Request, response: Response) -> None:
    """Give the browser its CSRF nonce cookie if it has none yet."""
    if request.cookies.get(ANON_COOKIE) != _anon(request):
        set_cookie(request, response, ANON_COOKIE, _anon(request), ONE_YEAR)


def refused(request: Request) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"message_key": "This form has expired. Please try again."},
        status=403,
    )


def not_found(request: Request) -> HTMLResponse:
    return render(request, "error.html", {"message_key": "Page not found."}, status=404)
