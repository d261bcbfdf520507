"""Problems consumers reported ("payment not registered", "goods returned"…) that are still
open, with the bank entries that may be the payment in question, for an operator to settle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from paylater.bank import service as bank
from paylater.consumers.models import consumers
from paylater.orders.models import orders
from paylater.servicing.models import pauses, problem_reports

LIMIT = 100


def open_reports(connection: Connection, *, now: datetime) -> list[dict[str, Any]]:
    """Open reports, oldest first, each with its pause and payment candidates."""
    rows = connection.execute(
        select(
            problem_reports.c.id,
            problem_reports.c.order_id,
            problem_reports.c.consumer_id,
            problem_reports.c.reason,
            problem_reports.c.details,
            problem_reports.c.proof_reference,
            problem_reports.c.created_at,
            problem_reports.c.pause_id,
            pauses.c.ends_on,
            pauses.c.status.label("pause_status"),
            consumers.c.email,
            orders.c.purchase_currency,
        )
        .join(orders, orders.c.id == problem_reports.c.order_id)
        .join(consumers, consumers.c.id == problem_reports.c.consumer_id)
        .outerjoin(pauses, pauses.c.id == problem_reports.c.pause_id)
        .where(problem_reports.c.status == "open")
        .order_by(problem_reports.c.created_at, problem_reports.c.id)
        .limit(LIMIT)
    ).all()
    found = []
    for row in rows:
        item = dict(row._mapping)
        item["candidates"] = (
            bank.reported_payment_candidates(
                connection,
                order_id=row.order_id,
                consumer_id=row.consumer_id,
                amount=None,
                paid_on=None,
                reference=row.proof_reference,
                at=now,
            )
            if row.reason == "payment_not_registered"
            else []
        )
        found.append(item)
    return found
