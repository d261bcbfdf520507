"""What a signed-in consumer does in My paylater: pay, report a problem, cards, profile.

Each action is one transaction through the domain services; a card decline is kept on record
(the declined charge) and changes nothing else. The card processor is asked (to tokenize a card,
to charge one) with no transaction open, so a slow card network holds up no one else's writes.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from paylater.consumers.models import consumers
from paylater.kit.errors import DomainError
from paylater.kit.money import Money
from paylater.payments import service as payments
from paylater.payments.errors import CardDeclined
from paylater.payments.processor import CardProcessor, CardToken, processor_for
from paylater.servicing.pauses import ProblemReason, report_problem
from paylater.web import portal_data
from paylater.web.i18n import LANGUAGES
from paylater.web.models import web_addresses
from paylater.web.pages import (
    LANGUAGE_COOKIE,
    ONE_YEAR,
    form_data,
    found,
    not_found,
    read,
    refused,
    set_cookie,
    write,
)
from paylater.web.portal import Me, page, purchase_context, signed_in, to_login

router = APIRouter(include_in_schema=False)
MAX_PROOF_BYTES = 5 * 1024 * 1024
PROFILE_LOCALES = {"en": "en-GB", "fr": "fr-FR", "sv": "sv-SE", "de": "de-DE"}
DECLINES = {
    "card_declined": "Your card was declined. Nothing was charged. Please try another card.",
    "insufficient_funds": "Your card was declined for insufficient funds. Nothing was charged.",
    "expired_card": "Your card has expired. Nothing was charged. Please use another card.",
}


async def _guard(request: Request) -> tuple[Me | None, dict[str, str] | None]:
    fields = await form_data(request)
    if fields is None:
        return None, None
    return await signed_in(request), fields


def _expiry(text: str) -> tuple[int, int]:
    month, _, year = text.replace(" ", "").partition("/")
    if not (month.isdigit() and year.isdigit()):
        raise ValueError("expiry must read MM/YY")
    return int(month), int(year)


def _tokenized(fields: dict[str, str], processor: CardProcessor, at: datetime) -> CardToken:
    """The card typed into the form, tokenized by the processor (its number and code are not
    kept); :class:`BadValue` when the processor refuses it."""
    month, year = _expiry(fields.get("expiry", ""))
    return processor.tokenize(
        number=fields.get("number", ""),
        exp_month=month,
        exp_year=year,
        cvc=fields.get("cvc", "").strip(),
        today=at.date(),
    )


@router.post("/my/purchases/{order_id}/pay")
async def pay(request: Request, order_id: str) -> Response:
    me, fields = await _guard(request)
    if fields is None:
        return refused(request)
    if me is None:
        return to_login()
    services = found(request)
    now = services.clock.now()
    processor = processor_for(services.settings)
    order = await read(request, lambda c: portal_data.purchase(c, me.consumer_id, order_id))
    if order is None:
        return not_found(request)
    context = purchase_context(request, order)
    currency = order["purchase_currency"]
    amount = None if fields.get("scope") == "all" else Money(context["next_amount"], currency)
    payment_id = fields.get("payment_id", "")[:36] or None
    method_id = fields.get("method_id", "")
    new_card = method_id in ("", "new")
    try:
        # Checked, charged, then recorded: the processor answers with no transaction open, so a
        # slow card network holds up no one else's writes.
        checked = await read(
            request,
            lambda c: payments.check_one_click(
                c,
                consumer_id=me.consumer_id,
                order_id=order_id,
                method_id=None if new_card else method_id,
                amount=amount,
                payment_id=payment_id,
            ),
        )
        if isinstance(checked, payments.CardPayment):  # this payment was made already
            return RedirectResponse(
                f"/my/purchases/{order_id}?paid={checked.charge_id}", status_code=303
            )
        card = None
        if new_card:
            card = await anyio.to_thread.run_sync(_tokenized, fields, processor, now)
        answer = await anyio.to_thread.run_sync(
            lambda: payments.ask_processor(
                method=card or checked.method,
                amount=checked.amount,
                idempotency_key=checked.key,
                processor=processor,
                day=now.date(),
            )
        )

        def work(connection: Connection) -> payments.CardPayment:
            if card is None:
                return payments.settle_one_click(connection, checked, answer=answer, at=now)
            stored = payments.store_card(
                connection,
                consumer_id=me.consumer_id,
                card=card,
                processor_name=processor.name,
                at=now,
            )
            if fields.get("save_autopay") == "on":
                payments.set_autopay(connection, me.consumer_id, stored.id)
            with_card = replace(
                checked, method=payments.card_on_file(connection, me.consumer_id, stored.id)
            )
            try:
                return payments.settle_one_click(connection, with_card, answer=answer, at=now)
            except CardDeclined:
                # A card that is declined at once is not kept on file.
                payments.remove_card(
                    connection, consumer_id=me.consumer_id, method_id=stored.id, at=now
                )
                raise

        payment = payments.settled(await write(request, payments.keep_decline(work)))
    except CardDeclined as declined:
        message = DECLINES.get(declined.reason, DECLINES["card_declined"])
        return page(
            request, me, "portal/purchase.html", {**context, "error_key": message}, status=402
        )
    except (DomainError, ValueError) as error:
        text = error.messages[0] if isinstance(error, DomainError) else str(error)
        return page(request, me, "portal/purchase.html", {**context, "error": text}, status=400)
    return RedirectResponse(f"/my/purchases/{order_id}?paid={payment.charge_id}", status_code=303)


async def _store_proof(request: Request) -> str | None:
    """Keep an uploaded proof of payment in the data folder; returns its reference."""
    form = await request.form()
    upload = form.get("proof_file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return None
    body = await upload.read(MAX_PROOF_BYTES + 1)
    if not body or len(body) > MAX_PROOF_BYTES:
        return None
    suffix = Path(upload.filename).suffix.lower()[:8]
    if suffix not in (".pdf", ".png", ".jpg", ".jpeg", ".txt"):
        suffix = ".bin"
    name = f"proof-{secrets.token_hex(12)}{suffix}"
    folder = found(request).settings.data_dir / "proofs"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(body)
    return f"file:{name}"


@router.post("/my/purchases/{order_id}/report")
async def report(request: Request, order_id: str) -> Response:
    me, fields = await _guard(request)
    if fields is None:
        return refused(request)
    if me is None:
        return to_login()
    now = found(request).clock.now()
    try:
        reason = ProblemReason(fields.get("reason", ""))
    except ValueError:
        return not_found(request)
    proof = fields.get("proof_reference", "").strip()[:100] or await _store_proof(request)
    details = fields.get("details", "")[:2000]

    def work(connection: Connection) -> Any:
        return report_problem(
            connection,
            consumer_id=me.consumer_id,
            order_id=order_id,
            reason=reason,
            details=details,
            proof_reference=proof,
            now=now,
        )

    try:
        outcome = await write(request, work)
    except DomainError as error:
        order = await read(request, lambda c: portal_data.purchase(c, me.consumer_id, order_id))
        if order is None:
            return not_found(request)
        context = purchase_context(request, order, error=error.messages[0])
        return page(request, me, "portal/purchase.html", context, status=400)
    return RedirectResponse(f"/my/purchases/{order_id}?reported={outcome.status}", status_code=303)


@router.post("/my/cards")
async def add_card(request: Request) -> Response:
    me, fields = await _guard(request)
    if fields is None:
        return refused(request)
    if me is None:
        return to_login()
    services = found(request)
    now = services.clock.now()
    processor = processor_for(services.settings)

    def work(card: CardToken, connection: Connection) -> None:
        stored = payments.store_card(
            connection, consumer_id=me.consumer_id, card=card, processor_name=processor.name, at=now
        )
        if fields.get("autopay") == "on":
            payments.set_autopay(connection, me.consumer_id, stored.id)

    try:
        # Tokenized with no transaction open: the processor may take a while to answer.
        card = await anyio.to_thread.run_sync(_tokenized, fields, processor, now)
        await write(request, partial(work, card))
    except (DomainError, ValueError) as error:
        cards = await read(request, lambda c: payments.list_cards(c, me.consumer_id))
        text = error.messages[0] if isinstance(error, DomainError) else str(error)
        return page(request, me, "portal/cards.html", {"cards": cards, "error": text}, status=400)
    return RedirectResponse("/my/cards?notice=added", status_code=303)


@router.post("/my/cards/{method_id}/remove")
async def remove_card(request: Request, method_id: str) -> Response:
    me, fields = await _guard(request)
    if fields is None:
        return refused(request)
    if me is None:
        return to_login()
    now = found(request).clock.now()
    try:
        await write(
            request,
            lambda c: payments.remove_card(
                c, consumer_id=me.consumer_id, method_id=method_id, at=now
            ),
        )
    except DomainError:
        return not_found(request)
    return RedirectResponse("/my/cards?notice=removed", status_code=303)


@router.post("/my/autopay")
async def autopay(request: Request) -> Response:
    me, fields = await _guard(request)
    if fields is None:
        return refused(request)
    if me is None:
        return to_login()
    method_id = fields.get("method_id") or None
    try:
        await write(request, lambda c: payments.set_autopay(c, me.consumer_id, method_id))
    except DomainError:
        return not_found(request)
    return RedirectResponse("/my/cards?notice=autopay", status_code=303)


@router.post("/my/profile")
async def save_profile(request: Request) -> Response:
    me, fields = await _guard(request)
    if fields is None:
        return refused(request)
    if me is None:
        return to_login()
    now = found(request).clock.now()
    chosen = fields.get("language", "")
    address = {
        name: fields.get(name, "").strip()[:limit]
        for name, limit in (("street_address", 255), ("postal_code", 20), ("city", 100))
    }

    def work(connection: Connection) -> None:
        values: dict[str, Any] = {}
        for name in ("given_name", "family_name"):
            text = fields.get(name, "").strip()[:100]
            if text:
                values[name] = text
        if chosen in LANGUAGES:
            values["locale"] = PROFILE_LOCALES[chosen]
        if values:
            connection.execute(
                consumers.update().where(consumers.c.id == me.consumer_id).values(**values)
            )
        if all(address.values()):
            connection.execute(
                web_addresses.delete().where(web_addresses.c.consumer_id == me.consumer_id)
            )
            connection.execute(
                web_addresses.insert().values(consumer_id=me.consumer_id, updated_at=now, **address)
            )

    await write(request, work)
    response = RedirectResponse("/my/profile?saved=1", status_code=303)
    if chosen in LANGUAGES:
        set_cookie(request, response, LANGUAGE_COOKIE, chosen, ONE_YEAR)
    return response
