"""The merchant portal's order pages: search, detail, actions, statistics.

Every action goes through :mod:`paylater.orders.service`, the code behind the Order Management
API, inside one transaction; the same rules, ledger entries and webhooks follow. Another
merchant's order answers 404, a read-only user's action 403.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from decimal import InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from paylater.api.models import idempotency_keys
from paylater.backoffice import charts, queries, stats
from paylater.backoffice.accounts import MERCHANT, StaffUser
from paylater.backoffice.pages import (
    error,
    form_data,
    money,
    now,
    read,
    redirect,
    refused,
    render,
    signed_in,
    to_login,
    write,
)
from paylater.db import insert_ignoring_duplicates
from paylater.kit.errors import BadValue, DomainError
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money
from paylater.merchants.service import Merchant, get_merchant
from paylater.orders import service as orders_service
from paylater.orders.service import load_order

router = APIRouter(prefix="/merchant")
MAX_AMOUNT = 10**15  # minor units; far above any order, far below the column's limit
PLAN_LABELS = {
    "pay_later": "Pay later",
    "pay_in_3": "Pay in 3",
    "pay_in_4": "Pay in 4",
    "pay_now": "Pay now",
    "financing": "Financing",
}


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def parse_amount(text: str, currency: str) -> int:
    """A decimal amount typed by a person (``"12.50"`` or ``"12,50"``) in minor units."""
    try:
        minor = Money.parse(text.strip().replace(",", ".").replace(" ", ""), currency).minor
    except (ValueError, InvalidOperation, OverflowError) as failure:
        raise BadValue(f"{text[:40]!r} is not an amount in {currency}") from failure
    if not 1 <= minor <= MAX_AMOUNT:
        raise BadValue("the amount must be positive and at most 10,000,000,000,000")
    return minor


@router.get("/")
async def home(request: Request) -> Response:
    user = await signed_in(request, MERCHANT)
    return redirect("/merchant/orders") if user else to_login(MERCHANT)


@router.get("/orders")
async def orders_list(request: Request) -> Response:
    user = await signed_in(request, MERCHANT)
    if user is None:
        return to_login(MERCHANT)
    params = request.query_params
    amount_text = params.get("amount", "").strip()
    amount: int | None = None
    warning = ""
    if amount_text:
        try:
            # Two decimals covers the portal's currencies; an exact match on the minor units.
            amount = parse_amount(amount_text, "EUR")
        except BadValue:
            warning = f"{amount_text[:40]!r} is not an amount"
    status = params.get("status", "")
    filters = queries.OrderFilters(
        query=params.get("q", "")[:254],
        amount=amount,
        status=status if status in queries.STATUSES else "",
        date_from=_date(params.get("from")),
        date_to=_date(params.get("to")),
    )
    after = queries.decode_cursor(params.get("after", "")) if params.get("after") else None
    moment = now(request)
    merchant_id = str(user.merchant_id)
    rows, cursor = await read(
        request,
        lambda c: queries.search_orders(c, merchant_id, filters, now=moment, after=after),
    )
    keep = {key: params.get(key, "") for key in ("q", "amount", "status", "from", "to")}
    return render(
        request,
        "merchant/orders.html",
        {
            "user": user,
            "rows": rows,
            "cursor": cursor,
            "keep": keep,
            "statuses": queries.STATUSES,
            "warning": warning,
            "plans": PLAN_LABELS,
        },
    )


async def _order_page(
    request: Request,
    user: StaffUser,
    order_id: str,
    *,
    message: str = "",
    failure: str = "",
    status: int = 200,
) -> Response:
    moment = now(request)
    merchant_id = str(user.merchant_id)
    try:
        view = await read(
            request, lambda c: queries.order_page(c, merchant_id, order_id, now=moment)
        )
    except DomainError as missing:
        return error(request, missing.status, "; ".join(missing.messages), user)
    return render(
        request,
        "merchant/order.html",
        {
            "user": user,
            "order": view,
            "message": message,
            "failure": failure,
            "plans": PLAN_LABELS,
            "form_key": new_uuid(),
        },
        status=status,
    )


@router.get("/orders/{order_id}")
async def order_detail(order_id: str, request: Request) -> Response:
    user = await signed_in(request, MERCHANT)
    if user is None:
        return to_login(MERCHANT)
    done = request.query_params.get("done", "")
    return await _order_page(request, user, order_id, message=DONE.get(done, ""))


DONE = {
    "capture": "Captured.",
    "refund": "Refunded.",
    "cancel": "The order was cancelled.",
    "release": "The remaining authorization was released.",
    "extend": "The authorization was extended.",
}

Action = Callable[[Connection, Merchant, dict[str, Any], dict[str, str], datetime], object]


def _first_submission(
    connection: Connection, merchant_id: str, form_key: str, name: str, at: datetime
) -> bool:
    """Whether this form was not submitted before (a double click must not capture twice).

    The key is recorded with the API's idempotency keys, in the action's transaction: an action
    that fails leaves no key, so the same form can be sent again."""
    if not form_key:
        return True
    claim = insert_ignoring_duplicates(connection, idempotency_keys).returning(
        idempotency_keys.c.id
    )
    row = connection.execute(
        claim,
        {
            "merchant_id": merchant_id,
            "key": f"portal:{form_key[:64]}",
            "request_hash": hashlib.sha256(name.encode()).hexdigest(),
            "created_at": at,
        },
    ).first()
    return row is not None


async def _act(request: Request, order_id: str, name: str, action: Action) -> Response:
    user = await signed_in(request, MERCHANT)
    if user is None:
        return to_login(MERCHANT)
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    if not user.can_act:
        return error(request, 403, "Your role can view orders but not change them.", user)
    moment = now(request)
    merchant_id = str(user.merchant_id)

    def work(connection: Connection) -> None:
        merchant = get_merchant(connection, merchant_id)
        order = load_order(connection, merchant.id, order_id)
        if _first_submission(connection, merchant.id, fields.get("form_key", ""), name, moment):
            action(connection, merchant, order, fields, moment)

    try:
        await write(request, work)
    except DomainError as failed:
        return await _order_page(
            request, user, order_id, failure="; ".join(failed.messages), status=failed.status
        )
    return redirect(f"/merchant/orders/{order_id}?done={name}")


def _capture(
    c: Connection, merchant: Merchant, order: dict[str, Any], form: dict[str, str], at: datetime
) -> None:
    shipping = {
        key: form[key].strip()[:100]
        for key in ("tracking_number", "shipping_company")
        if form.get(key, "").strip()
    }
    orders_service.capture(
        c,
        merchant,
        order["id"],
        amount=parse_amount(form.get("amount", ""), order["purchase_currency"]),
        description=form.get("description", "").strip()[:255],
        reference="",
        order_lines=[],
        shipping_info=[shipping] if shipping else [],
        now=at,
    )


def _refund(
    c: Connection, merchant: Merchant, order: dict[str, Any], form: dict[str, str], at: datetime
) -> None:
    orders_service.refund(
        c,
        merchant,
        order["id"],
        amount=parse_amount(form.get("amount", ""), order["purchase_currency"]),
        description=form.get("description", "").strip()[:255],
        reference="",
        order_lines=[],
        now=at,
    )


@router.post("/orders/{order_id}/capture")
async def capture(order_id: str, request: Request) -> Response:
    return await _act(request, order_id, "capture", _capture)


@router.post("/orders/{order_id}/refund")
async def refund(order_id: str, request: Request) -> Response:
    return await _act(request, order_id, "refund", _refund)


@router.post("/orders/{order_id}/cancel")
async def cancel(order_id: str, request: Request) -> Response:
    return await _act(
        request,
        order_id,
        "cancel",
        lambda c, m, o, _f, at: orders_service.cancel(c, m, o["id"], now=at),
    )


@router.post("/orders/{order_id}/release")
async def release(order_id: str, request: Request) -> Response:
    return await _act(
        request,
        order_id,
        "release",
        lambda c, m, o, _f, at: orders_service.release_remaining(c, m, o["id"], now=at),
    )


@router.post("/orders/{order_id}/extend")
async def extend(order_id: str, request: Request) -> Response:
    return await _act(
        request,
        order_id,
        "extend",
        lambda c, m, o, _f, at: orders_service.extend_authorization(c, m, o["id"], now=at),
    )


# --- statistics ---------------------------------------------------------------------------------


async def _statistics(request: Request, user: StaffUser) -> stats.Statistics | None:
    period = request.query_params.get("period", "day")
    wanted = request.query_params.get("currency", "").upper()[:3]
    today = now(request).date()
    merchant_id = str(user.merchant_id)

    def work(connection: Connection) -> stats.Statistics | None:
        currency = wanted or stats.default_currency(connection, merchant_id)
        if not currency:
            return None
        try:
            Money.zero(currency)
        except ValueError:
            return None
        return stats.statistics(connection, merchant_id, currency, period, today=today)

    return await read(request, work)


def _label(start: date, period: str) -> str:
    if period == "month":
        return start.strftime("%Y-%m")
    if period == "week":
        return f"W{start.isocalendar().week:02d}"
    return start.strftime("%m-%d")


@router.get("/statistics")
async def statistics_page(request: Request) -> Response:
    user = await signed_in(request, MERCHANT)
    if user is None:
        return to_login(MERCHANT)
    figures = await _statistics(request, user)
    chart_list = []
    mix: dict[str, int] = {}
    if figures is not None:
        currency = figures.currency
        labels = [_label(bucket.start, figures.period) for bucket in figures.buckets]

        def cash(minor: int) -> str:
            return money(minor, currency)

        def percent(bp: int) -> str:
            return f"{bp / 100:.1f} %"

        series: list[tuple[str, list[int], Callable[[int], str]]] = [
            ("Sales volume (captured)", [b.captured for b in figures.buckets], cash),
            ("Orders", [b.orders for b in figures.buckets], str),
            ("Average order value", [b.average_order for b in figures.buckets], cash),
            ("Refund rate", [b.refund_rate_bp for b in figures.buckets], percent),
            ("Disputes opened", [b.disputes for b in figures.buckets], str),
            ("Approval rate", [b.approval_rate_bp for b in figures.buckets], percent),
        ]
        chart_list = [
            charts.bar_chart(title, labels, values, axis=axis) for title, values, axis in series
        ]
        mix = figures.plan_mix()
        plan_names = [PLAN_LABELS.get(plan, plan) for plan in mix]
        chart_list.append(charts.bar_chart("Plan mix (orders)", plan_names, list(mix.values())))
    return render(
        request,
        "merchant/statistics.html",
        {"user": user, "figures": figures, "charts": chart_list, "mix": mix},
    )


@router.get("/statistics.csv")
async def statistics_csv(request: Request) -> Response:
    user = await signed_in(request, MERCHANT)
    if user is None:
        return to_login(MERCHANT)
    figures = await _statistics(request, user)
    body = stats.to_csv(figures) if figures is not None else ""
    name = f"statistics-{figures.period}-{figures.currency}.csv" if figures else "statistics.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
