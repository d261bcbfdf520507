"""Consumer and merchant lookup for operators: by e-mail, id or (for merchants) name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from paylater.backoffice.models import merchant_users
from paylater.consumers.models import consumers
from paylater.consumers.service import normalize_email
from paylater.disputes.models import disputes
from paylater.merchants.models import api_credentials, merchants
from paylater.orders.models import orders

LIMIT = 20


def _orders(connection: Connection, column: Any, value: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(
            orders.c.id,
            orders.c.merchant_id,
            orders.c.status,
            orders.c.fraud_status,
            orders.c.plan,
            orders.c.order_amount,
            orders.c.captured_amount,
            orders.c.refunded_amount,
            orders.c.purchase_currency,
            orders.c.created_at,
        )
        .where(column == value)
        .order_by(orders.c.created_at.desc(), orders.c.id.desc())
        .limit(LIMIT)
    )
    return [dict(row._mapping) for row in rows]


def find_consumers(connection: Connection, text: str) -> list[dict[str, Any]]:
    text = text.strip()
    if not text:
        return []
    condition = (
        consumers.c.email == normalize_email(text) if "@" in text else consumers.c.id == text
    )
    found = []
    for row in connection.execute(select(consumers).where(condition).limit(LIMIT)):
        item = {
            key: row._mapping[key]
            for key in (
                "id",
                "email",
                "given_name",
                "family_name",
                "country",
                "locale",
                "created_at",
            )
        }
        item["orders"] = _orders(connection, orders.c.consumer_id, row.id)
        item["disputes"] = [
            dict(d._mapping)
            for d in connection.execute(
                select(
                    disputes.c.id,
                    disputes.c.status,
                    disputes.c.reason,
                    disputes.c.amount,
                    disputes.c.currency,
                    disputes.c.deadline,
                )
                .where(disputes.c.consumer_id == row.id)
                .order_by(disputes.c.opened_at.desc())
                .limit(LIMIT)
            )
        ]
        found.append(item)
    return found


def find_merchants(connection: Connection, text: str) -> list[dict[str, Any]]:
    text = text.strip()
    if not text:
        return []
    pattern = "%" + text.lower().replace("%", "").replace("_", "") + "%"
    rows = connection.execute(
        select(merchants)
        .where((merchants.c.id == text) | func.lower(merchants.c.name).like(pattern))
        .order_by(merchants.c.name)
        .limit(LIMIT)
    ).all()
    found = []
    for row in rows:
        item = dict(row._mapping)
        item["users"] = [
            dict(u._mapping)
            for u in connection.execute(
                select(merchant_users.c.email, merchant_users.c.role, merchant_users.c.disabled_at)
                .where(merchant_users.c.merchant_id == row.id)
                .order_by(merchant_users.c.email)
            )
        ]
        item["active_credentials"] = connection.execute(
            select(func.count())
            .select_from(api_credentials)
            .where(api_credentials.c.merchant_id == row.id, api_credentials.c.revoked_at.is_(None))
        ).scalar_one()
        item["orders"] = _orders(connection, orders.c.merchant_id, row.id)
        found.append(item)
    return found
