"""Sandbox helpers for newcomers: the dev inbox (every e-mail sent) and the clock button."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, func, select

from paylater.consumers.models import consumers
from paylater.kit.clock import SandboxClock
from paylater.notifications.models import messages
from paylater.orders.models import orders
from paylater.sandbox import service as sandbox
from paylater.web.pages import HERE, form_data, found, not_found, read, refused, render, write

router = APIRouter(include_in_schema=False)
INBOX_PAGE = 100
CONSUMERS_SHOWN = 20
_STATIC = {
    "site.css": "text/css; charset=utf-8",
    "frame.js": "text/javascript; charset=utf-8",
    "shop.js": "text/javascript; charset=utf-8",
    "portal.js": "text/javascript; charset=utf-8",
    "paylater.js": "text/javascript; charset=utf-8",
}
_STATIC_BODIES: dict[str, bytes] = {}


def _static(name: str) -> Response:
    media = _STATIC.get(name)
    if media is None:
        return Response(status_code=404)
    body = _STATIC_BODIES.get(name)
    if body is None:
        body = _STATIC_BODIES[name] = (HERE / "static" / name).read_bytes()
    return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=300"})


@router.get("/js/paylater.js")
async def widget_script() -> Response:
    response = _static("paylater.js")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@router.get("/static/paylater/{name}")
async def static_file(name: str) -> Response:
    return _static(name)


def _inbox(connection: Connection) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(
            messages.c.id,
            messages.c.to_address,
            messages.c.subject,
            messages.c.kind,
            messages.c.created_at,
            messages.c.sent_at,
            messages.c.text_body,
        )
        .order_by(messages.c.created_at.desc(), messages.c.id)
        .limit(INBOX_PAGE)
    ).all()
    return [dict(row._mapping) for row in rows]


def _consumers(connection: Connection) -> list[dict[str, Any]]:
    """The newest consumers with their number of purchases: whom a newcomer can log in as."""
    purchases = (
        select(func.count())
        .where(orders.c.consumer_id == consumers.c.id)
        .correlate(consumers)
        .scalar_subquery()
    )
    rows = connection.execute(
        select(
            consumers.c.email,
            consumers.c.given_name,
            consumers.c.family_name,
            purchases.label("purchases"),
        )
        .order_by(consumers.c.created_at.desc(), consumers.c.id)
        .limit(CONSUMERS_SHOWN)
    ).all()
    return [dict(row._mapping) for row in rows]


@router.get("/dev/inbox")
async def inbox(request: Request) -> Response:
    if not found(request).settings.sandbox:
        return not_found(request)
    mails, people = await read(request, lambda c: (_inbox(c), _consumers(c)))
    now = found(request).clock.now()
    context = {
        "mails": mails,
        "now": now,
        "people": people,
    }
    return render(request, "dev/inbox.html", context)


@router.post("/dev/clock/advance")
async def advance_clock(request: Request) -> Response:
    services = found(request)
    if not services.settings.sandbox:
        return not_found(request)
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    days = int(fields["days"]) if fields.get("days", "").isdigit() else 0
    days = max(0, min(days, 365))
    await write(request, lambda c: sandbox.advance(c, timedelta(days=days)))
    if isinstance(services.clock, SandboxClock):
        services.clock.forget_cache()
    return RedirectResponse("/dev/inbox", status_code=303)
