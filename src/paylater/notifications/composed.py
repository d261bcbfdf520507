"""Jobs that write their e-mails when they run, for bulk work that should not render them.

Bulk work (the daily reminders, a bank file's payments) records what happened and queues one job
per chunk; the job composes the chunk's e-mails from the rows as they are then, stores them as
``messages`` under ids fixed by what they are about (so a rerun stores nothing twice) and sends
what is not yet stamped as sent, over one SMTP connection.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from paylater.db import insert_ignoring_duplicates
from paylater.fastsql import execute
from paylater.jobs import JobContext
from paylater.notifications.email import Draft, message_rows, send_stored
from paylater.notifications.models import messages


@dataclass(frozen=True, slots=True)
class Composed:
    """One e-mail a job composed: its message id, when it was caused, and its content."""

    message_id: str
    at: datetime
    draft: Draft


class ComposedEmails(ABC):
    """An external job handler: ``compose`` says what to send, the rest is shared."""

    @abstractmethod
    def compose(self, connection: Connection, payload: Any) -> list[Composed]:
        """The payload's e-mails still to send (leave out those already stamped as sent)."""

    def load(
        self, connection: Connection, payload: Any, context: JobContext
    ) -> list[dict[str, Any]] | None:
        rows = [
            row
            for item in self.compose(connection, payload)
            for row in message_rows([item.draft], at=item.at, ids=[item.message_id])
        ]
        return rows or None

    def perform(self, loaded: list[dict[str, Any]], context: JobContext) -> None:
        def store(connection: Connection) -> None:
            execute(connection, insert_ignoring_duplicates(connection, messages), loaded)

        context.database.run(store, redoable=True)  # a crash before the job is done redoes it
        send_stored([str(row["id"]) for row in loaded], context)

    def record(
        self, connection: Connection, loaded: list[dict[str, Any]], context: JobContext
    ) -> None:
        return None
