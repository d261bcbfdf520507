"""Hosted checkout and the widget's frames: plans with their cost, e-mail code, sign-up, outcome.

The same pages serve the redirect flow (``/checkout/{client_token}?success_url=…&cancel_url=…
&failure_url=…``: the shopper comes back to the merchant with ``authorization_token`` in the
success URL) and the JavaScript widget (``/js/paylater.js`` opens them in a frame and receives the
outcome as a ``postMessage``). The authorization itself is
:func:`paylater.checkout.service.authorize`, which runs the credit decision.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Connection, select

from paylater.checkout import service as checkout
from paylater.checkout.models import payment_sessions
from paylater.checkout.schemas import SandboxAuthorizeRequest, TestConsumer
from paylater.consumers.service import find_by_email, normalize_email
from paylater.kit.errors import DomainError
from paylater.kit.money import Money
from paylater.merchants.models import merchants
from paylater.plans.schedule import PlanType
from paylater.web import accounts
from paylater.web.accounts import CodeOutcome, Purpose
from paylater.web.models import web_addresses
from paylater.web.offers import Offer, offers_for, parse_key
from paylater.web.pages import (
    ONE_YEAR,
    form_data,
    found,
    language,
    not_found,
    read,
    refused,
    render,
    set_cookie,
    write,
)

router = APIRouter(include_in_schema=False)
CHECKOUT_COOKIE = "pl_checkout"
# What the pages carry from step to step (and keep in the checkout session once signed in).
REASONS = {
    "AGE_BELOW_MINIMUM": "You must be at least 18 years old.",
    "DATE_OF_BIRTH_REQUIRED": "We need your date of birth.",
    "OVERDUE_DEBT": "You have a payment that is overdue.",
    "IN_COLLECTIONS": "You have a debt with our collections team.",
    "EXPOSURE_LIMIT": "This purchase is above your current spending limit.",
    "VELOCITY_LIMIT": "Too many purchases in a short time.",
    "INCOME_REQUIRED": "Financing needs your monthly income.",
    "NOT_AFFORDABLE": "The monthly cost is too high for the income you stated.",
    "AMOUNT_OUT_OF_RANGE": "The amount is outside what this plan allows.",
    "CURRENCY": "This currency is not available.",
}
CARRIED = ("success_url", "cancel_url", "failure_url", "embed", "origin", "category")


def _url_ok(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(value) <= 2000


def carried(source: dict[str, str]) -> dict[str, str]:
    values = {}
    for name in CARRIED:
        value = source.get(name, "")
        if name.endswith("_url") or name == "origin":
            value = value if value and _url_ok(value) else ""
        elif name == "embed":
            value = "1" if value == "1" else ""
        else:
            value = value[:40]
        if value:
            values[name] = value
    return values


def _session_by_token(connection: Connection, client_token: str) -> dict[str, Any] | None:
    row = connection.execute(
        select(payment_sessions, merchants.c.name.label("merchant_name"))
        .join(merchants, merchants.c.id == payment_sessions.c.merchant_id)
        .where(payment_sessions.c.client_token == client_token)
    ).first()
    return dict(row._mapping) if row is not None else None


def _status(session: dict[str, Any], now: datetime) -> str:
    if session["status"] == "incomplete" and session["expires_at"] <= now:
        return "expired"
    return str(session["status"])


def _lang(request: Request, session: dict[str, Any]) -> str:
    """The shopper's choice, else the language the merchant gave the session."""
    return language(request, str(session["locale"]))


def _offers(session: dict[str, Any], today: date) -> list[Offer]:
    return offers_for(
        session["offered_plans"], session["order_amount"], session["purchase_country"], today
    )


def _context(session: dict[str, Any], today: date, keep: dict[str, str]) -> dict[str, Any]:
    offers = _offers(session, today)
    category = keep.get("category", "")
    if category:
        chosen = [offer for offer in offers if offer.plan.value == category.split(":")[0]]
        offers = chosen or offers
    return {
        "session": session,
        "lines": session["details"].get("order_lines", []),
        "offers": offers,
        "keep": keep,
        "query": urlencode(keep),
        "currency": session["purchase_currency"],
    }


async def _load(request: Request, client_token: str) -> dict[str, Any] | None:
    return await read(request, lambda c: _session_by_token(c, client_token))


@router.get("/checkout/{client_token}")
async def plans_page(request: Request, client_token: str) -> Response:
    session = await _load(request, client_token)
    if session is None:
        return not_found(request)
    keep = carried(dict(request.query_params))
    now = found(request).clock.now()
    if _status(session, now) != "incomplete":
        return render(
            request, "checkout/closed.html", {"status": _status(session, now), "keep": keep}
        )
    context = _context(session, now.date(), keep)
    context["step"] = "plans" if request.query_params.get("view") == "summary" else "email"
    return render(request, "checkout/plans.html", context, lang=_lang(request, session))


@router.post("/checkout/{client_token}/email")
async def email_step(request: Request, client_token: str) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    session = await _load(request, client_token)
    if session is None:
        return not_found(request)
    keep = carried(fields)
    keep["category"] = fields.get("offer", keep.get("category", ""))[:40]
    services = found(request)
    now = services.clock.now()
    context = _context(session, now.date(), keep)
    context.update(step="email", email=fields.get("email", ""), offer=fields.get("offer", ""))
    try:
        email = normalize_email(fields.get("email", ""))
        await write(
            request,
            lambda c: accounts.send_code(
                c,
                email=email,
                purpose=Purpose.checkout,
                language=language(request),
                key=services.settings.hashing_key,
                now=now,
                only_consumers=False,
            ),
        )
    except DomainError as error:
        context["error"] = error.messages[0]
        return render(
            request, "checkout/plans.html", context, status=400, lang=_lang(request, session)
        )
    context.update(step="code", email=email)
    return render(request, "checkout/plans.html", context, lang=_lang(request, session))


@router.post("/checkout/{client_token}/code")
async def code_step(request: Request, client_token: str) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    session = await _load(request, client_token)
    if session is None:
        return not_found(request)
    keep = carried(fields)
    services = found(request)
    now = services.clock.now()
    try:
        email = normalize_email(fields.get("email", ""))
    except DomainError:
        return not_found(request)

    def verify(connection: Connection) -> tuple[CodeOutcome, str | None]:
        outcome = accounts.check_code(
            connection,
            email=email,
            code=fields.get("code", ""),
            purpose=Purpose.checkout,
            key=services.settings.hashing_key,
            now=now,
        )
        if outcome is not CodeOutcome.ok:
            return outcome, None
        consumer = find_by_email(connection, email)
        token = accounts.open_session(
            connection,
            kind=Purpose.checkout,
            email=email,
            consumer_id=consumer.id if consumer else None,
            payment_session_id=session["id"],
            data=keep,
            now=now,
        )
        return outcome, token

    outcome, token = await write(request, verify)
    if token is None:
        context = _context(session, now.date(), keep)
        context.update(step="code", email=email, error_key=outcome.value)
        return render(
            request, "checkout/plans.html", context, status=400, lang=_lang(request, session)
        )
    response = RedirectResponse(f"/checkout/{client_token}/confirm", status_code=303)
    set_cookie(request, response, CHECKOUT_COOKIE, token, ONE_YEAR)
    return response


async def _checkout_session(
    request: Request, client_token: str
) -> tuple[dict[str, Any], accounts.Session, dict[str, Any]] | None:
    now = found(request).clock.now()
    token = request.cookies.get(CHECKOUT_COOKIE)

    def load(connection: Connection) -> tuple[Any, Any, dict[str, Any]] | None:
        session = _session_by_token(connection, client_token)
        signed = accounts.load_session(connection, token, Purpose.checkout, now)
        if session is None or signed is None or signed.payment_session_id != session["id"]:
            return None
        consumer = find_by_email(connection, signed.email)
        person: dict[str, Any] = {"known": consumer is not None}
        if consumer is not None:
            person.update(given_name=consumer.given_name, consumer_id=consumer.id)
            person["needs_birth"] = consumer.date_of_birth is None
            address = connection.execute(
                select(web_addresses.c.consumer_id).where(
                    web_addresses.c.consumer_id == consumer.id
                )
            ).first()
            person["needs_address"] = address is None
        return session, signed, person

    return await read(request, load)


@router.get("/checkout/{client_token}/confirm")
async def confirm_page(request: Request, client_token: str) -> Response:
    loaded = await _checkout_session(request, client_token)
    if loaded is None:
        return RedirectResponse(f"/checkout/{client_token}", status_code=303)
    session, signed, person = loaded
    now = found(request).clock.now()
    if _status(session, now) != "incomplete":
        keep = carried(signed.data)
        return render(
            request, "checkout/closed.html", {"status": _status(session, now), "keep": keep}
        )
    context = _context(session, now.date(), carried(signed.data))
    context.update(person=person, email=signed.email, step="confirm")
    return render(request, "checkout/confirm.html", context, lang=_lang(request, session))


def _amount_field(value: str, currency: str) -> int | None:
    """A whole or decimal amount typed by the shopper, in minor units (empty: none)."""
    cleaned = value.strip().replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    if len(cleaned) > 15:
        raise ValueError("amount too long")
    parsed = Money.parse(cleaned, currency).minor
    if parsed < 0:
        raise ValueError("negative amount")
    return parsed


@router.post("/checkout/{client_token}/authorize")
async def authorize_step(request: Request, client_token: str) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    loaded = await _checkout_session(request, client_token)
    if loaded is None:
        return RedirectResponse(f"/checkout/{client_token}", status_code=303)
    session, signed, person = loaded
    keep = carried(signed.data)
    now = found(request).clock.now()
    context = _context(session, now.date(), keep)
    context.update(person=person, email=signed.email, step="confirm", form=fields)
    try:
        plan, months = parse_key(fields.get("offer", ""))
        birth_text = fields.get("date_of_birth", "").strip()
        birth = date.fromisoformat(birth_text) if birth_text else None
        currency = session["purchase_currency"]
        income = _amount_field(fields.get("monthly_income", ""), currency)
        expenses = _amount_field(fields.get("monthly_expenses", ""), currency)
        body = SandboxAuthorizeRequest(
            payment_method_category=plan,
            financing_months=months if plan is PlanType.financing else None,
            consumer=TestConsumer(
                email=signed.email,
                given_name=fields.get("given_name", "").strip()[:100],
                family_name=fields.get("family_name", "").strip()[:100],
                date_of_birth=birth,
                monthly_income=income,
                monthly_expenses=expenses,
            ),
        )
    except (ValueError, ArithmeticError, ValidationError):
        context["error_key"] = "Please check the form: some details are missing or invalid."
        return render(
            request, "checkout/confirm.html", context, status=400, lang=_lang(request, session)
        )
    if not person["known"] and not (
        body.consumer.given_name and body.consumer.family_name and birth
    ):
        context["error_key"] = "Please check the form: some details are missing or invalid."
        return render(
            request, "checkout/confirm.html", context, status=400, lang=_lang(request, session)
        )
    address = {
        name: fields.get(name, "").strip()[:limit]
        for name, limit in (("street_address", 255), ("postal_code", 20), ("city", 100))
    }
    needs_address = not person["known"] or person.get("needs_address")
    if needs_address and not all(address.values()):
        context["error_key"] = "Please check the form: some details are missing or invalid."
        return render(
            request, "checkout/confirm.html", context, status=400, lang=_lang(request, session)
        )

    def work(connection: Connection) -> checkout.AuthorizationOutcome:
        outcome = checkout.authorize(connection, session["id"], body, now=now, today=now.date())
        consumer = find_by_email(connection, signed.email)
        if consumer is not None and all(address.values()):
            connection.execute(
                web_addresses.delete().where(web_addresses.c.consumer_id == consumer.id)
            )
            connection.execute(
                web_addresses.insert().values(consumer_id=consumer.id, updated_at=now, **address)
            )
        return outcome

    try:
        outcome = await write(request, work)
    except DomainError as error:
        context["error"] = "; ".join(error.messages)
        return render(
            request, "checkout/confirm.html", context, status=400, lang=_lang(request, session)
        )
    result = {
        "approved": outcome.approved,
        "authorization_token": outcome.token,
        "fraud_status": outcome.fraud_status,
        "show_form": outcome.approved,
    }
    if outcome.approved and keep.get("success_url") and not keep.get("embed"):
        return RedirectResponse(_with(keep["success_url"], result), status_code=303)
    if not outcome.approved and keep.get("failure_url") and not keep.get("embed"):
        return RedirectResponse(_with(keep["failure_url"], result), status_code=303)
    reasons = [REASONS.get(code, code) for code in outcome.reason_codes]
    context.update(outcome=outcome, result=result, reasons=reasons)
    return render(request, "checkout/outcome.html", context, lang=_lang(request, session))


def _with(url: str, result: dict[str, Any]) -> str:
    values = {
        "authorization_token": result["authorization_token"] or "",
        "approved": "true" if result["approved"] else "false",
        "fraud_status": result["fraud_status"],
    }
    return url + ("&" if "?" in url else "?") + urlencode(values)


@router.get("/checkout/{client_token}/cancel")
async def cancel_page(request: Request, client_token: str) -> Response:
    # Only a real checkout redirects anywhere, so this is no open redirect for strangers' links.
    if await _load(request, client_token) is None:
        return not_found(request)
    keep = carried(dict(request.query_params))
    if keep.get("cancel_url") and not keep.get("embed"):
        return RedirectResponse(keep["cancel_url"], status_code=303)
    return render(request, "checkout/closed.html", {"status": "cancelled", "keep": keep})
