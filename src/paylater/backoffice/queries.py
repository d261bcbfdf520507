"""Read models of the merchant portal: the order search and an order's page.

The search is keyset-paginated: newest first by ``(created_at, id)``, the cursor being the last
row shown, so page 10,000 costs what page 1 costs. Every filter maps onto an index that starts
with the merchant (see :mod:`paylater.backoffice.models`); no page counts the total.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, select, tuple_

from paylater.consumers.models import consumers
from paylater.consumers.service import normalize_email
from paylater.disputes.models import disputes
from paylater.orders import views
from paylater.orders.models import orders
from paylater.orders.service import effective_status

PAGE_SIZE = 50
STATUSES = ("AUTHORIZED", "PART_CAPTURED", "CAPTURED", "CANCELLED", "EXPIRED", "CLOSED")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_LIST_COLUMNS = (
    orders.c.id,
    orders.c.consumer_id,
    orders.c.status,
    orders.c.plan,
    orders.c.order_amount,
    orders.c.captured_amount,
    orders.c.refunded_amount,
    orders.c.purchase_currency,
    orders.c.merchant_reference1,
    orders.c.created_at,
    orders.c.expires_at,
)


@dataclass(frozen=True, slots=True)
class OrderFilters:
    query: str = ""  # an order id, a merchant reference or a consumer's e-mail
    amount: int | None = None  # order amount in minor units
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None


def encode_cursor(created_at: datetime, order_id: str) -> str:
    raw = f"{created_at.astimezone(UTC).isoformat()}|{order_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, order_id = raw.partition("|")
        parsed = datetime.fromisoformat(moment)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if parsed.tzinfo is None or not order_id:
        return None
    return parsed, order_id


def search_orders(
    connection: Connection,
    merchant_id: str,
    filters: OrderFilters,
    *,
    now: datetime,
    after: tuple[datetime, str] | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the merchant's orders and the cursor of the next page (None on the last)."""
    query = select(*_LIST_COLUMNS).where(orders.c.merchant_id == merchant_id)
    text = filters.query.strip()
    if text:
        if "@" in text:
            # Resolved first, so the search is an equality that the (merchant, consumer,
            # created_at) index answers in order.
            consumer_id = connection.execute(
                select(consumers.c.id).where(consumers.c.email == normalize_email(text))
            ).scalar()
            if consumer_id is None:
                return [], None
            query = query.where(orders.c.consumer_id == consumer_id)
        elif _UUID.match(text):
            query = query.where(orders.c.id == text.lower())
        else:
            query = query.where(orders.c.merchant_reference1 == text)
    if filters.amount is not None:
        query = query.where(orders.c.order_amount == filters.amount)
    if filters.status:
        query = query.where(orders.c.status == filters.status)
    if filters.date_from is not None:
        start = datetime.combine(filters.date_from, time(), UTC)
        query = query.where(orders.c.created_at >= start)
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        query = query.where(orders.c.created_at < end)
    if after is not None:
        query = query.where(tuple_(orders.c.created_at, orders.c.id) < tuple_(*after))
    rows = connection.execute(
        query.order_by(orders.c.created_at.desc(), orders.c.id.desc()).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    emails = _emails(connection, {row.consumer_id for row in rows})
    found = []
    for row in rows:
        item = dict(row._mapping)
        item["email"] = emails.get(row.consumer_id, "")
        item["shown_status"] = effective_status(item, now)
        found.append(item)
    cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
    return found, cursor


def _emails(connection: Connection, consumer_ids: set[str]) -> dict[str, str]:
    if not consumer_ids:
        return {}
    rows = connection.execute(
        select(consumers.c.id, consumers.c.email).where(consumers.c.id.in_(sorted(consumer_ids)))
    )
    return {row.id: row.email for row in rows}


def order_page(
    connection: Connection, merchant_id: str, order_id: str, *, now: datetime
) -> dict[str, Any]:
    """What the order page shows: the API's view of the order, the buyer's name and e-mail (no
    birth date, phone or income), and its disputes. NoSuchOrder for another merchant's order."""
    view = views.order_view(connection, merchant_id, order_id, now=now)
    buyer = connection.execute(
        select(consumers.c.email, consumers.c.given_name, consumers.c.family_name)
        .join(orders, orders.c.consumer_id == consumers.c.id)
        .where(orders.c.id == order_id)
    ).one()
    view["buyer"] = {
        "email": buyer.email,
        "name": f"{buyer.given_name} {buyer.family_name}".strip(),
    }
    view["disputes"] = [
        dict(row._mapping)
        for row in connection.execute(
            select(disputes.c.id, disputes.c.status, disputes.c.reason, disputes.c.deadline)
            .where(disputes.c.order_id == order_id)
            .order_by(disputes.c.opened_at)
        )
    ]
    return view
