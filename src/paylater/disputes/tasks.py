"""Jobs and daily tasks of this package (imported by workers to register them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from paylater.disputes import service
from paylater.jobs.daily import daily_task
from paylater.jobs.registry import JobContext, register


@register(service.DEADLINE_JOB)
def dispute_deadline(connection: Connection, payload: dict[str, Any], context: JobContext) -> None:
    """At the deadline: an unanswered dispute is lost by the merchant."""
    service.expire_if_late(connection, payload["dispute_id"], now=context.now)


@daily_task("disputes.deadlines")
def late_disputes(connection: Connection, day: date, now: datetime) -> None:
    """Backstop for deadline jobs that have not run yet: close what is late."""
    service.expire_due(connection, now=now)
