"""What the consumer portal reads: always one consumer's rows, never anyone else's.

Every query here filters on the signed-in consumer's id; a purchase, receipt or message of
another consumer is simply not found.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, and_, case, func, select

from paylater.bank.models import bank_entries
from paylater.billing.models import instalments
from paylater.billing.service import schedule_rows
from paylater.consumers.models import consumers
from paylater.disputes.attachments import listed
from paylater.disputes.models import disputes
from paylater.merchants.models import merchants
from paylater.notifications.models import messages
from paylater.orders.models import captures, orders, refunds
from paylater.payments.models import card_charges, payment_methods
from paylater.payments.service import list_cards
from paylater.servicing.models import pauses, problem_reports
from paylater.web.models import web_addresses

PURCHASES_PER_PAGE = 25
UPCOMING = 8
HISTORY = 100

_OWED = func.sum(instalments.c.amount - instalments.c.paid_amount)


def consumer_row(connection: Connection, consumer_id: str) -> dict[str, Any]:
    row = connection.execute(
        select(
            consumers,
            web_addresses.c.street_address,
            web_addresses.c.postal_code,
            web_addresses.c.city,
        )
        .outerjoin(web_addresses, web_addresses.c.consumer_id == consumers.c.id)
        .where(consumers.c.id == consumer_id)
    ).one()
    return dict(row._mapping)


def totals(connection: Connection, consumer_id: str, today: date) -> list[dict[str, Any]]:
    """What the consumer owes per currency, and how much of it is overdue."""
    rows = connection.execute(
        select(
            instalments.c.currency,
            _OWED.label("owed"),
            func.sum(
                case(
                    (
                        instalments.c.due_date < today,
                        instalments.c.amount - instalments.c.paid_amount,
                    ),
                    else_=0,
                )
            ).label("overdue"),
            func.count().label("open_count"),
        )
        .where(instalments.c.consumer_id == consumer_id, instalments.c.status == "open")
        .group_by(instalments.c.currency)
        .order_by(instalments.c.currency)
    ).all()
    return [
        {
            "currency": row.currency,
            "owed": int(row.owed or 0),
            "overdue": int(row.overdue or 0),
            "open_count": int(row.open_count),
        }
        for row in rows
    ]


def upcoming(connection: Connection, consumer_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(
            instalments.c.order_id,
            instalments.c.seq,
            instalments.c.due_date,
            (instalments.c.amount - instalments.c.paid_amount).label("remaining"),
            instalments.c.currency,
            merchants.c.name.label("merchant"),
        )
        .join(orders, orders.c.id == instalments.c.order_id)
        .join(merchants, merchants.c.id == orders.c.merchant_id)
        .where(instalments.c.consumer_id == consumer_id, instalments.c.status == "open")
        .order_by(instalments.c.due_date, instalments.c.order_id, instalments.c.seq)
        .limit(UPCOMING)
    ).all()
    return [dict(row._mapping) for row in rows]


def _paused_orders(connection: Connection, order_ids: list[str]) -> dict[str, Any]:
    if not order_ids:
        return {}
    rows = connection.execute(
        select(pauses.c.order_id, pauses.c.ends_on, pauses.c.reason).where(
            pauses.c.order_id.in_(order_ids), pauses.c.status == "active"
        )
    ).all()
    return {row.order_id: row for row in rows}


def purchases(
    connection: Connection, consumer_id: str, page: int = 1
) -> tuple[list[dict[str, Any]], int]:
    """One page of the consumer's purchases, newest first, with schedule and what is owed."""
    count = connection.execute(
        select(func.count()).select_from(orders).where(orders.c.consumer_id == consumer_id)
    ).scalar_one()
    rows = connection.execute(
        select(
            orders.c.id,
            orders.c.status,
            orders.c.plan,
            orders.c.order_amount,
            orders.c.purchase_currency,
            orders.c.created_at,
            orders.c.captured_amount,
            orders.c.financing_months,
            merchants.c.name.label("merchant"),
        )
        .join(merchants, merchants.c.id == orders.c.merchant_id)
        .where(orders.c.consumer_id == consumer_id)
        .order_by(orders.c.created_at.desc(), orders.c.id)
        .limit(PURCHASES_PER_PAGE)
        .offset((max(page, 1) - 1) * PURCHASES_PER_PAGE)
    ).all()
    ids = [row.id for row in rows]
    schedules = schedule_rows(connection, ids)
    paused = _paused_orders(connection, ids)
    found = []
    for row in rows:
        schedule = schedules.get(row.id, [])
        owed = sum(
            int(str(part["amount"])) - int(str(part["paid_amount"]))
            for part in schedule
            if part["status"] == "open"
        )
        found.append(
            {**row._mapping, "schedule": schedule, "owed": owed, "pause": paused.get(row.id)}
        )
    return found, int(count)


def purchase(connection: Connection, consumer_id: str, order_id: str) -> dict[str, Any] | None:
    """One purchase of this consumer with everything the purchase page shows."""
    row = connection.execute(
        select(orders, merchants.c.name.label("merchant"))
        .join(merchants, merchants.c.id == orders.c.merchant_id)
        .where(and_(orders.c.id == order_id, orders.c.consumer_id == consumer_id))
    ).first()
    if row is None:
        return None
    order = dict(row._mapping)
    order["schedule"] = schedule_rows(connection, [order_id]).get(order_id, [])
    order["owed"] = sum(
        int(str(part["amount"])) - int(str(part["paid_amount"]))
        for part in order["schedule"]
        if part["status"] == "open"
    )
    order["captures"] = [
        dict(r._mapping)
        for r in connection.execute(
            select(
                captures.c.id,
                captures.c.captured_amount,
                captures.c.captured_at,
                captures.c.shipping_info,
            )
            .where(captures.c.order_id == order_id)
            .order_by(captures.c.captured_at)
        )
    ]
    order["refunds"] = [
        dict(r._mapping)
        for r in connection.execute(
            select(refunds.c.refunded_amount, refunds.c.refunded_at)
            .where(refunds.c.order_id == order_id)
            .order_by(refunds.c.refunded_at)
        )
    ]
    order["pause"] = _paused_orders(connection, [order_id]).get(order_id)
    order["reports"] = [
        dict(r._mapping)
        for r in connection.execute(
            select(
                problem_reports.c.id,
                problem_reports.c.reason,
                problem_reports.c.status,
                problem_reports.c.created_at,
                problem_reports.c.proof_reference,
            )
            .where(
                problem_reports.c.order_id == order_id, problem_reports.c.consumer_id == consumer_id
            )
            .order_by(problem_reports.c.created_at.desc())
        )
    ]
    order["charges"] = charges(connection, consumer_id, order_id=order_id)
    order["cards"] = list_cards(connection, consumer_id)
    order["disputes"] = order_disputes(connection, consumer_id, order_id)
    return order


def order_disputes(connection: Connection, consumer_id: str, order_id: str) -> list[dict[str, Any]]:
    """This consumer's disputes of one purchase, newest first, each with its files' names."""
    rows = [
        dict(r._mapping)
        for r in connection.execute(
            select(
                disputes.c.id,
                disputes.c.reason,
                disputes.c.message,
                disputes.c.amount,
                disputes.c.currency,
                disputes.c.status,
                disputes.c.outcome,
                disputes.c.deadline,
                disputes.c.decision_note,
                disputes.c.opened_at,
                disputes.c.decided_at,
            )
            .where(disputes.c.order_id == order_id, disputes.c.consumer_id == consumer_id)
            .order_by(disputes.c.opened_at.desc(), disputes.c.id)
        )
    ]
    files = listed(connection, [row["id"] for row in rows])
    for row in rows:
        row["attachments"] = files[row["id"]]
    return rows


def charges(
    connection: Connection, consumer_id: str, *, order_id: str | None = None
) -> list[dict[str, Any]]:
    query = (
        select(
            card_charges.c.id,
            card_charges.c.order_id,
            card_charges.c.amount,
            card_charges.c.currency,
            card_charges.c.status,
            card_charges.c.decline_reason,
            card_charges.c.purpose,
            card_charges.c.day,
            card_charges.c.created_at,
            payment_methods.c.brand,
            payment_methods.c.last4,
        )
        .join(payment_methods, payment_methods.c.id == card_charges.c.method_id)
        .where(card_charges.c.consumer_id == consumer_id)
        .order_by(card_charges.c.created_at.desc(), card_charges.c.id)
        .limit(HISTORY)
    )
    if order_id is not None:
        query = query.where(card_charges.c.order_id == order_id)
    return [dict(row._mapping) for row in connection.execute(query)]


def transfers(connection: Connection, consumer_id: str) -> list[dict[str, Any]]:
    """Bank transfers applied to the consumer's purchases, newest first."""
    return [dict(row._mapping) for row in connection.execute(transfers_query(consumer_id))]


def transfers_query(consumer_id: str) -> Select[Any]:
    """What :func:`transfers` reads: the consumer's orders, then their entries by order."""
    return (
        select(
            bank_entries.c.order_id,
            bank_entries.c.applied_amount.label("amount"),
            bank_entries.c.currency,
            bank_entries.c.booking_date.label("day"),
            bank_entries.c.reference,
        )
        .join(orders, orders.c.id == bank_entries.c.order_id)
        .where(orders.c.consumer_id == consumer_id, bank_entries.c.state == "applied")
        .order_by(bank_entries.c.booking_date.desc(), bank_entries.c.id)
        .limit(HISTORY)
    )


def receipt_charge(
    connection: Connection, consumer_id: str, charge_id: str
) -> dict[str, Any] | None:
    row = connection.execute(
        select(
            card_charges,
            payment_methods.c.brand,
            payment_methods.c.last4,
            merchants.c.name.label("merchant"),
        )
        .join(payment_methods, payment_methods.c.id == card_charges.c.method_id)
        .join(orders, orders.c.id == card_charges.c.order_id)
        .join(merchants, merchants.c.id == orders.c.merchant_id)
        .where(
            card_charges.c.id == charge_id,
            card_charges.c.consumer_id == consumer_id,
            card_charges.c.status == "approved",
        )
    ).first()
    return dict(row._mapping) if row is not None else None


def message_list(connection: Connection, consumer_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(messages.c.id, messages.c.subject, messages.c.kind, messages.c.created_at)
        .where(messages.c.consumer_id == consumer_id)
        .order_by(messages.c.created_at.desc(), messages.c.id)
        .limit(HISTORY)
    ).all()
    return [dict(row._mapping) for row in rows]


def message(connection: Connection, consumer_id: str, message_id: str) -> dict[str, Any] | None:
    row = connection.execute(
        select(
            messages.c.id, messages.c.subject, messages.c.text_body, messages.c.created_at
        ).where(messages.c.id == message_id, messages.c.consumer_id == consumer_id)
    ).first()
    return dict(row._mapping) if row is not None else None


def export(connection: Connection, consumer_id: str) -> dict[str, Any]:
    """Everything paylater keeps about the consumer, as JSON-ready data."""

    def rows(query: Any) -> list[dict[str, Any]]:
        return [
            {str(key): _jsonable(value) for key, value in row._mapping.items()}
            for row in connection.execute(query)
        ]

    profile = {
        str(key): _jsonable(value) for key, value in consumer_row(connection, consumer_id).items()
    }
    order_ids = [
        row.id
        for row in connection.execute(
            select(orders.c.id).where(orders.c.consumer_id == consumer_id)
        )
    ]
    return {
        "profile": profile,
        "purchases": rows(
            select(
                orders.c.id,
                orders.c.merchant_id,
                orders.c.status,
                orders.c.plan,
                orders.c.order_amount,
                orders.c.purchase_currency,
                orders.c.created_at,
                orders.c.details,
            )
            .where(orders.c.consumer_id == consumer_id)
            .order_by(orders.c.created_at)
        ),
        "schedules": {
            order_id: [{k: _jsonable(v) for k, v in part.items()} for part in parts]
            for order_id, parts in schedule_rows(connection, order_ids).items()
        },
        "cards": rows(
            select(
                payment_methods.c.id,
                payment_methods.c.brand,
                payment_methods.c.last4,
                payment_methods.c.exp_month,
                payment_methods.c.exp_year,
                payment_methods.c.created_at,
                payment_methods.c.removed_at,
            ).where(payment_methods.c.consumer_id == consumer_id)
        ),
        "card_payments": rows(
            select(
                card_charges.c.id,
                card_charges.c.order_id,
                card_charges.c.amount,
                card_charges.c.currency,
                card_charges.c.status,
                card_charges.c.created_at,
            ).where(card_charges.c.consumer_id == consumer_id)
        ),
        "problem_reports": rows(
            select(problem_reports).where(problem_reports.c.consumer_id == consumer_id)
        ),
        "pauses": rows(select(pauses).where(pauses.c.consumer_id == consumer_id)),
        "messages": rows(
            select(
                messages.c.id, messages.c.subject, messages.c.text_body, messages.c.created_at
            ).where(messages.c.consumer_id == consumer_id)
        ),
    }


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
