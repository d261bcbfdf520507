"""Jobs and daily tasks of this package (imported by workers to register them)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from paylater.collections import service
from paylater.jobs.daily import CountryDay, country_task


@country_task("collections.ageing", order=40)
def collections_day(run: CountryDay) -> int:
    """Close the cases paid in full, then open a case for each order past the threshold.

    Each chunk acts only on what is still to do (an open case is never opened twice, a closed
    case is not open any more), so running the day again changes nothing.
    """
    country, day, now = run.country, run.day, run.now

    def close(connection: Connection, case_ids: Sequence[str]) -> int:
        return service.close_cases(connection, case_ids, day=day, at=now)

    def open_(connection: Connection, due: Sequence[service.DueOrder]) -> int:
        return service.open_cases(connection, due, country=country, day=day, at=now)

    closed = run.in_chunks(
        lambda c, after, limit: service.select_cases_paid(c, country, after, limit),
        close,
        key=lambda case_id: case_id,
    )
    opened = run.in_chunks(
        lambda c, after, limit: service.select_orders_due(c, country, day, after, limit),
        open_,
        key=lambda order: order.order_id,
    )
    return closed + opened
