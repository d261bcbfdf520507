"""My paylater: signing in by e-mail code, and the pages a consumer reads.

Every page needs a portal session (``pl_session`` cookie, see :mod:`paylater.web.accounts`) and
reads only the signed-in consumer's data (:mod:`paylater.web.portal_data`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, select

from paylater.billing.service import outstanding
from paylater.consumers.models import consumers
from paylater.consumers.service import find_by_email, normalize_email
from paylater.kit.errors import DomainError
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money
from paylater.payments.service import list_cards
from paylater.servicing.pauses import ProblemReason
from paylater.web import accounts, portal_data
from paylater.web.accounts import CodeOutcome, Purpose
from paylater.web.i18n import Formats, language_of, translator
from paylater.web.pages import (
    LANGUAGE_COOKIE,
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
from paylater.web.receipts import ReceiptData, receipt_pdf

router = APIRouter(include_in_schema=False)
SESSION_COOKIE = "pl_session"
REASON_LABELS = {
    ProblemReason.payment_not_registered: "I paid, but my payment is not registered",
    ProblemReason.returning_items: "I am returning items",
    ProblemReason.item_not_received: "I have not received my items",
    ProblemReason.faulty_item: "An item is faulty or wrong",
    ProblemReason.paid_store_by_mistake: "I paid the store by mistake",
    ProblemReason.other: "Something else",
}

DISPUTE_REASONS = {
    "not_received": "I have not received the item",
    "faulty": "The item is faulty",
    "not_as_described": "The item is not as described",
    "unauthorized": "I did not make this purchase",
}
DISPUTE_STATUSES = {
    "open": "Waiting for the store's answer",
    "responded": "The store has answered: we are reviewing your dispute",
    "consumer": "Decided in your favour: the purchase is refunded",
    "merchant": "Decided in the store's favour: your payment plan continues",
}

REPORT_STATUSES = {
    "open": "Open: the invoice is paused",
    "resolved": "Resolved",
    "guidance": "Answered: ask the store for a refund",
}


@dataclass(frozen=True, slots=True)
class Me:
    session: accounts.Session
    consumer_id: str
    given_name: str
    lang: str


async def signed_in(request: Request) -> Me | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    now = found(request).clock.now()

    def load(connection: Connection) -> Me | None:
        session = accounts.load_session(connection, token, Purpose.portal, now)
        if session is None or session.consumer_id is None:
            return None
        person = connection.execute(
            select(consumers.c.locale, consumers.c.given_name).where(
                consumers.c.id == session.consumer_id
            )
        ).one()
        return Me(session, session.consumer_id, person.given_name, person.locale)

    me = await read(request, load)
    if me is None:
        return None
    return Me(me.session, me.consumer_id, me.given_name, language(request, me.lang))


def to_login() -> Response:
    return RedirectResponse("/my/login", status_code=303)


def page(
    request: Request, me: Me, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    return render(request, template, {"me": me, **context}, status=status, lang=me.lang)


# --- signing in ---------------------------------------------------------------------------------


@router.get("/my/login")
async def login_page(request: Request) -> Response:
    return render(request, "portal/login.html", {"step": "email"})


@router.post("/my/login")
async def login_email(request: Request) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    services = found(request)
    now = services.clock.now()
    try:
        email = normalize_email(fields.get("email", ""))
        await write(
            request,
            lambda c: accounts.send_code(
                c,
                email=email,
                purpose=Purpose.portal,
                language=language(request),
                key=services.settings.hashing_key,
                now=now,
                only_consumers=True,
            ),
        )
    except DomainError as error:
        key = (
            "Too many codes were asked for this address. Please try again in an hour."
            if isinstance(error, accounts.TooManyCodes)
            else "Please enter a valid e-mail address."
        )
        return render(request, "portal/login.html", {"step": "email", "error_key": key}, status=400)
    return render(request, "portal/login.html", {"step": "code", "email": email})


@router.post("/my/login/code")
async def login_code(request: Request) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    services = found(request)
    now = services.clock.now()
    try:
        email = normalize_email(fields.get("email", ""))
    except DomainError:
        return render(request, "portal/login.html", {"step": "email"}, status=400)

    def verify(connection: Connection) -> tuple[CodeOutcome, str | None, str | None]:
        outcome = accounts.check_code(
            connection,
            email=email,
            code=fields.get("code", ""),
            purpose=Purpose.portal,
            key=services.settings.hashing_key,
            now=now,
        )
        consumer = find_by_email(connection, email)
        if outcome is not CodeOutcome.ok or consumer is None:
            return outcome, None, None
        token = accounts.open_session(
            connection, kind=Purpose.portal, email=email, consumer_id=consumer.id, now=now
        )
        return outcome, token, consumer.locale

    outcome, token, locale = await write(request, verify)
    if token is None:
        key = (
            "That code is not right. Please try again."
            if outcome is CodeOutcome.wrong
            else "This code has expired or was tried too many times. Ask for a new one."
        )
        return render(
            request,
            "portal/login.html",
            {"step": "code", "email": email, "error_key": key},
            status=400,
        )
    response = RedirectResponse("/my/", status_code=303)
    set_cookie(
        request,
        response,
        SESSION_COOKIE,
        token,
        int(accounts.PORTAL_SESSION_LIFETIME.total_seconds()),
    )
    chosen = language_of(locale)
    if chosen and not request.cookies.get(LANGUAGE_COOKIE):
        set_cookie(request, response, LANGUAGE_COOKIE, chosen, ONE_YEAR)
    return response


@router.post("/my/logout")
async def logout(request: Request) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    token = request.cookies.get(SESSION_COOKIE)
    await write(request, lambda c: accounts.close_session(c, token))
    response = RedirectResponse("/my/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- pages --------------------------------------------------------------------------------------


@router.get("/my/")
async def overview(request: Request) -> Response:
    me = await signed_in(request)
    if me is None:
        return to_login()
    today = found(request).clock.today()
    pages_requested = request.query_params.get("page", "1")
    number = int(pages_requested) if pages_requested.isdigit() else 1

    def load(connection: Connection) -> dict[str, Any]:
        bought, count = portal_data.purchases(connection, me.consumer_id, number)
        return {
            "totals": portal_data.totals(connection, me.consumer_id, today),
            "upcoming": portal_data.upcoming(connection, me.consumer_id),
            "purchases": bought,
            "count": count,
        }

    data = await read(request, load)
    pages = max(1, -(-data["count"] // portal_data.PURCHASES_PER_PAGE))
    return page(
        request,
        me,
        "portal/overview.html",
        {**data, "today": today, "page_number": number, "pages": pages},
    )


@router.get("/my/purchases/{order_id}")
async def purchase_page(request: Request, order_id: str) -> Response:
    me = await signed_in(request)
    if me is None:
        return to_login()
    order = await read(request, lambda c: portal_data.purchase(c, me.consumer_id, order_id))
    if order is None:
        return not_found(request)
    return page(request, me, "portal/purchase.html", purchase_context(request, order))


def purchase_context(request: Request, order: dict[str, Any], **extra: Any) -> dict[str, Any]:
    schedule = order["schedule"]
    next_open = next((part for part in schedule if part["status"] == "open"), None)
    next_amount = (
        int(str(next_open["amount"])) - int(str(next_open["paid_amount"])) if next_open else 0
    )
    return {
        "order": order,
        "today": found(request).clock.today(),
        "next_amount": next_amount,
        "payment_id": new_uuid(),
        "reasons": REASON_LABELS,
        "report_statuses": REPORT_STATUSES,
        "dispute_reasons": DISPUTE_REASONS,
        "dispute_statuses": DISPUTE_STATUSES,
        "disputed": request.query_params.get("disputed"),
        "paid": request.query_params.get("paid"),
        "reported": request.query_params.get("reported"),
        **extra,
    }


@router.get("/my/payments")
async def payments_page(request: Request) -> Response:
    me = await signed_in(request)
    if me is None:
        return to_login()
    charges = await read(request, lambda c: portal_data.charges(c, me.consumer_id))
    transfers = await read(request, lambda c: portal_data.transfers(c, me.consumer_id))
    return page(request, me, "portal/payments.html", {"charges": charges, "transfers": transfers})


@router.get("/my/messages")
async def messages_page(request: Request) -> Response:
    me = await signed_in(request)
    if me is None:
        return to_login()
    mails = await read(request, lambda c: portal_data.message_list(c, me.consumer_id))
    return page(request, me, "portal/messages.html", {"mails": mails})


@router.get("/my/messages/{message_id}")
async def message_page(request: Request, message_id: str) -> Response:
    me = await signed_in(request)
    if me is None:
        return to_login()
    mail = await read(request, lambda c: portal_data.message(c, me.consumer_id, message_id))
    if mail is None:
        return not_found(request)
    return page(request, me, "portal/message.html", {"mail": mail})


@router.get("/my/cards")
async def cards_page(request: Request) -> Response:
    me = await signed_in(request)
    if me is None:
        return to_login()
    cards = await read(request, lambda c: list_cards(c, me.consumer_id))
    return page(
        request,
        me,
        "portal/cards.html",
        {"cards": cards, "notice": request.query_params.get("notice")},
    )


@router.get("/my/profile")
async def profile_page(request: Request) -> Response:
    me = await signed_in(request)
    if me is None:
        return to_login()
    person = await read(request, lambda c: portal_data.consumer_row(c, me.consumer_id))
    return page(
        request,
        me,
        "portal/profile.html",
        {"person": person, "saved": request.query_params.get("saved")},
    )


@router.get("/my/export.json")
async def export(request: Request) -> Response:
    me = await signed_in(request)
    if me is None:
        return to_login()
    data = await read(request, lambda c: portal_data.export(c, me.consumer_id))
    return Response(
        orjson.dumps(data, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-paylater-data.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/my/receipts/{charge_id}.pdf")
async def receipt(request: Request, charge_id: str) -> Response:
    me = await signed_in(request)
    if me is None:
        return to_login()

    def load(connection: Connection) -> tuple[dict[str, Any], dict[str, Any], int] | None:
        charge = portal_data.receipt_charge(connection, me.consumer_id, charge_id)
        if charge is None:
            return None
        person = portal_data.consumer_row(connection, me.consumer_id)
        return charge, person, outstanding(connection, charge["order_id"])

    loaded = await read(request, load)
    if loaded is None:
        return not_found(request)
    charge, person, owed = loaded
    fmt = Formats(me.lang)
    paid_on = charge["created_at"]
    assert isinstance(paid_on, datetime)
    data = ReceiptData(
        receipt_number=charge["id"][:8].upper(),
        paid_on=paid_on.date(),
        paid_on_text=fmt.date(paid_on.date(), "long"),
        amount_text=fmt.money(int(charge["amount"]), charge["currency"]),
        card=f"{str(charge['brand']).capitalize()} **** {charge['last4']}",
        merchant=str(charge["merchant"]),
        purchase_reference=str(charge["order_id"])[:8],
        consumer_name=f"{person['given_name']} {person['family_name']}".strip(),
        consumer_email=str(person["email"]),
        outstanding_text=Money(owed, charge["currency"]).format(fmt.locale),
    )
    body = receipt_pdf(data, translator(me.lang))
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="paylater-receipt-{data.receipt_number}.pdf"'
            ),
            "Cache-Control": "no-store",
        },
    )
