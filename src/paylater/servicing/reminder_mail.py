"""Reminder e-mails, written and sent by the worker after the daily run has recorded them.

The daily run records each reminder as a ``notices`` row (with the id its message will have) and
queues one ``servicing.send_reminders`` job per chunk; it renders nothing. The job renders the
chunk's e-mails from the notices and the instalments as they are when it runs, stores them as
``messages`` rows under those ids and sends them over one SMTP connection. That keeps the daily
run's write transactions to a few small rows per reminder, and a reminder whose instalment was
paid in the meantime is not sent at all.

A rerun (after a failure or a crash) renders again, keeps the rows already stored (same ids) and
sends only what is not stamped as sent, with the same ``Message-ID``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from paylater.billing.models import instalments
from paylater.consumers.models import consumers
from paylater.jobs import enqueue, register_external
from paylater.kit.money import Money
from paylater.notifications.composed import Composed, ComposedEmails
from paylater.notifications.consumer_mail import render
from paylater.notifications.email import EMAIL_MAX_ATTEMPTS, Draft
from paylater.notifications.models import messages
from paylater.servicing import messages as kinds
from paylater.servicing.models import notices

SEND_REMINDERS = "servicing.send_reminders"
UPCOMING = "upcoming"
DUE = "due"


def queue_reminder_mail(
    connection: Connection,
    *,
    kind: str,
    due_date: date,
    instalment_ids: Sequence[str],
    at: datetime,
) -> None:
    """Queue the e-mails of the notices ``(instalment, kind, due_date)`` just written."""
    if instalment_ids:
        enqueue(
            connection,
            SEND_REMINDERS,
            {"kind": kind, "due_date": due_date.isoformat(), "instalments": list(instalment_ids)},
            run_at=at,
            max_attempts=EMAIL_MAX_ATTEMPTS,
        )


def message_kind(notice_kind: str, fee: int) -> str:
    """The e-mail a notice gets: upcoming, due today, overdue, or overdue with a fee."""
    if notice_kind == UPCOMING:
        return kinds.UPCOMING
    if notice_kind == DUE:
        return kinds.DUE_TODAY
    return kinds.OVERDUE_WITH_FEE if fee else kinds.OVERDUE


def _draft(row: Any) -> Draft:
    fee = int(row.fee_amount)
    kind = message_kind(row.kind, fee)
    values: dict[str, object] = {
        "name": row.given_name,
        "amount": Money(row.amount + fee - row.paid_amount, row.currency),
        "due_date": row.due_date,
        "order_ref": row.order_id[:8],
    }
    if kind == kinds.OVERDUE_WITH_FEE:
        values["fee"] = Money(fee, row.currency)
    rendered = render(kind, row.locale, values)
    return Draft(row.email, rendered.subject, rendered.text, kind, row.locale, row.consumer_id)


def _unsent(connection: Connection, payload: dict[str, Any]) -> list[Any]:
    """The payload's notices with what their e-mail needs, leaving out those already sent and
    those whose instalment no longer needs a reminder (paid, or written off, since)."""
    query = (
        select(
            notices.c.instalment_id,
            notices.c.kind,
            notices.c.due_date,
            notices.c.fee_amount,
            notices.c.message_id,
            notices.c.created_at,
            notices.c.order_id,
            notices.c.consumer_id,
            instalments.c.amount,
            instalments.c.paid_amount,
            instalments.c.currency,
            instalments.c.status,
            consumers.c.email,
            consumers.c.locale,
            consumers.c.given_name,
            messages.c.sent_at,
            messages.c.id.label("stored"),
        )
        .join(instalments, instalments.c.id == notices.c.instalment_id)
        .join(consumers, consumers.c.id == notices.c.consumer_id)
        .outerjoin(messages, messages.c.id == notices.c.message_id)
        .where(
            and_(
                notices.c.kind == payload["kind"],
                notices.c.due_date == date.fromisoformat(payload["due_date"]),
                notices.c.instalment_id.in_(payload["instalments"]),
                notices.c.message_id.is_not(None),
            )
        )
        .order_by(notices.c.instalment_id)
    )
    return [
        row
        for row in connection.execute(query)
        if row.sent_at is None
        and (row.stored is not None or (row.status == "open" and row.amount > row.paid_amount))
    ]


class SendReminders(ComposedEmails):
    """The ``servicing.send_reminders`` job: render a chunk's reminders, store them, send them."""

    def compose(self, connection: Connection, payload: Any) -> list[Composed]:
        return [
            Composed(row.message_id, row.created_at, _draft(row))
            for row in _unsent(connection, payload)
        ]


register_external(SEND_REMINDERS, SendReminders())
