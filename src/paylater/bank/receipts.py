"""The "payment received" e-mails of a bank file's payments applied in bulk.

:func:`paylater.bank.bulk.apply_exact` applies thousands of payments per chunk; rendering their
e-mails there would hold the import up. It queues one ``bank.send_receipts`` job per chunk
instead, which writes each e-mail from the applied entry and the order as it is when the job
runs (what is still owed), under a message id derived from the entry, and sends them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from paylater.bank.models import bank_entries
from paylater.billing.messages import PAYMENT_RECEIVED
from paylater.billing.models import instalments
from paylater.consumers.models import consumers
from paylater.jobs import enqueue, register_external
from paylater.kit.money import Money
from paylater.notifications.composed import Composed, ComposedEmails
from paylater.notifications.consumer_mail import render
from paylater.notifications.email import EMAIL_MAX_ATTEMPTS, Draft
from paylater.notifications.models import messages

SEND_RECEIPTS = "bank.send_receipts"
_NAMESPACE = uuid.UUID("5b0a3c1e-2f4d-4f7a-9a55-3d1c0b7e9f21")


def receipt_message_id(entry_id: str) -> str:
    """The id of the e-mail that tells the consumer bank entry ``entry_id`` was received."""
    return str(uuid.uuid5(_NAMESPACE, f"payment-received:{entry_id}"))


def queue_receipts(connection: Connection, entry_ids: Sequence[str], *, at: datetime) -> None:
    """Queue the e-mails of bank entries just applied (one job for all of them)."""
    if entry_ids:
        enqueue(
            connection,
            SEND_RECEIPTS,
            {"entries": list(entry_ids)},
            run_at=at,
            max_attempts=EMAIL_MAX_ATTEMPTS,
        )


def _owed(connection: Connection, order_ids: set[str]) -> dict[str, int]:
    rows = connection.execute(
        select(instalments.c.order_id, func.sum(instalments.c.amount - instalments.c.paid_amount))
        .where(instalments.c.order_id.in_(sorted(order_ids)), instalments.c.status == "open")
        .group_by(instalments.c.order_id)
    ).all()
    return {order_id: int(total or 0) for order_id, total in rows}


class SendReceipts(ComposedEmails):
    """The ``bank.send_receipts`` job."""

    def compose(self, connection: Connection, payload: Any) -> list[Composed]:
        entries = connection.execute(
            select(
                bank_entries.c.id,
                bank_entries.c.amount,
                bank_entries.c.currency,
                bank_entries.c.order_id,
                bank_entries.c.updated_at,
                instalments.c.consumer_id,
                consumers.c.email,
                consumers.c.locale,
                consumers.c.given_name,
            )
            .join(instalments, instalments.c.id == bank_entries.c.instalment_id)
            .join(consumers, consumers.c.id == instalments.c.consumer_id)
            .where(bank_entries.c.id.in_(payload["entries"]), bank_entries.c.state == "applied")
            .order_by(bank_entries.c.id)
        ).all()
        ids = {entry.id: receipt_message_id(entry.id) for entry in entries}
        sent = set(
            connection.execute(
                select(messages.c.id).where(
                    messages.c.id.in_(list(ids.values())), messages.c.sent_at.is_not(None)
                )
            ).scalars()
        )
        owed = _owed(connection, {entry.order_id for entry in entries})
        composed = []
        for entry in entries:
            if ids[entry.id] in sent:
                continue
            rendered = render(
                PAYMENT_RECEIVED,
                entry.locale,
                {
                    "name": entry.given_name,
                    "amount": Money(entry.amount, entry.currency),
                    "order_ref": entry.order_id[:8],
                    "outstanding": Money(owed.get(entry.order_id, 0), entry.currency),
                },
            )
            draft = Draft(
                to=entry.email,
                subject=rendered.subject,
                text=rendered.text,
                kind=PAYMENT_RECEIVED,
                locale=entry.locale,
                consumer_id=entry.consumer_id,
            )
            composed.append(Composed(ids[entry.id], entry.updated_at, draft))
        return composed


register_external(SEND_RECEIPTS, SendReceipts())
