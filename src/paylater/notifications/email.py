"""E-mail: queued with the state change that causes it, sent by the worker after commit.

:func:`queue_email` writes the ``messages`` row (what the consumer's portal lists) and an
``email.send`` job in the caller's transaction. The job's handler sends through the
:class:`EmailSender` chosen by the settings — :class:`SmtpSender` when ``PAYLATER_SMTP_HOST`` is
set, else :class:`DevInboxSender` (the messages table is the inbox) — and stamps ``sent_at``.
Delivery is at least once: a worker that dies after the SMTP server accepted the message but
before its commit sends it again, with the same ``Message-ID`` (derived from the message id) and
``Date``, which mail systems use to recognise the duplicate.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import partial
from typing import Any, Protocol

from sqlalchemy import Connection, select, update

from paylater.config import Settings
from paylater.fastsql import execute
from paylater.jobs import JobContext, PermanentFailure, enqueue, register_external
from paylater.kit.errors import BadValue
from paylater.kit.ids import new_ordered_uuid
from paylater.notifications.models import messages

SEND_EMAIL = "email.send"
SEND_EMAIL_BATCH = "email.send_batch"
# 30 s, 1 min, … then every 6 h: about a day and a half of trying before the job is dead.
EMAIL_MAX_ATTEMPTS = 15


@dataclass(frozen=True)
class OutgoingEmail:
    message_id: str
    to: str
    subject: str
    text: str
    html: str | None
    locale: str
    created_at: datetime


Delivered = Callable[[OutgoingEmail], None]


class EmailSender(Protocol):
    """Hands e-mails to their transport; raises on failure (the job is retried)."""

    def send(self, email: OutgoingEmail) -> None: ...

    def send_many(
        self, emails: Sequence[OutgoingEmail], sent: Delivered, refused: Delivered
    ) -> None:
        """Send in order over one connection, telling ``sent`` after each accepted e-mail and
        ``refused`` after each refused for good; any other failure raises."""
        ...


class DevInboxSender:
    """The default without SMTP: the ``messages`` row is the delivered e-mail (dev inbox)."""

    def send(self, email: OutgoingEmail) -> None:
        return None

    def send_many(
        self, emails: Sequence[OutgoingEmail], sent: Delivered, refused: Delivered
    ) -> None:
        for email in emails:
            sent(email)


class SmtpSender:
    """Sends through an SMTP server with the standard library (optionally STARTTLS and login)."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        from_address: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.from_address = from_address
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout

    def build(self, email: OutgoingEmail) -> EmailMessage:
        """The MIME message: plain text, plus an HTML alternative when there is one."""
        message = EmailMessage()
        message["From"] = self.from_address
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Date"] = format_datetime(email.created_at)
        message["Message-ID"] = message_id_header(email.message_id, self.from_address)
        message.set_content(email.text)
        if email.html is not None:
            message.add_alternative(email.html, subtype="html")
        # After the body: setting content moves Content-* headers into the parts.
        message["Content-Language"] = email.locale
        return message

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if self.username:
            smtp.login(self.username, self.password or "")
        return smtp

    def _deliver(self, smtp: smtplib.SMTP, email: OutgoingEmail) -> None:
        try:
            smtp.send_message(self.build(email))
        except smtplib.SMTPRecipientsRefused as refused:
            codes = [code for code, _text in refused.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(f"recipient refused: {refused.recipients}") from refused
            raise

    def send(self, email: OutgoingEmail) -> None:
        with self._connect() as smtp:
            self._deliver(smtp, email)

    def send_many(
        self, emails: Sequence[OutgoingEmail], sent: Delivered, refused: Delivered
    ) -> None:
        with self._connect() as smtp:
            for email in emails:
                try:
                    self._deliver(smtp, email)
                except PermanentFailure:
                    refused(email)
                    continue
                sent(email)


def message_id_header(message_id: str, from_address: str) -> str:
    """``<message-id@sender-domain>``: stable for a message, so a resend is recognisable."""
    _name, address = parseaddr(from_address)
    domain = address.rpartition("@")[2] or "paylater.localhost"
    return f"<{message_id}@{domain}>"


def sender_for(settings: Settings) -> EmailSender:
    """The configured sender: SMTP when ``PAYLATER_SMTP_HOST`` is set, else the dev inbox."""
    if settings.smtp_host:
        return SmtpSender(
            settings.smtp_host,
            settings.smtp_port,
            from_address=settings.mail_from,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
        )
    return DevInboxSender()


def _check_header(name: str, value: str, limit: int) -> None:
    if not value or len(value) > limit or "\r" in value or "\n" in value:
        raise BadValue(f"{name} must be 1 to {limit} characters on one line")


_INSERT_MESSAGE = messages.insert()


def queue_email(
    connection: Connection,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    consumer_id: str | None = None,
    kind: str,
    locale: str,
    at: datetime,
    dedupe_key: str | None = None,
) -> str | None:
    """Queue an e-mail in the caller's transaction; returns the message id.

    Writes the ``messages`` row and an ``email.send`` job together, so the e-mail is sent if and
    only if the transaction commits. With a ``dedupe_key`` (e.g. ``reminder:<instalment>:<day>``)
    a second call with the same key adds nothing and returns ``None``.
    """
    _check_header("to", to, 254)
    if "@" not in to or any(character.isspace() for character in to):
        raise BadValue("to must be an e-mail address")
    _check_header("subject", subject, 255)
    message_id = new_ordered_uuid()
    job_id = enqueue(
        connection,
        SEND_EMAIL,
        {"message_id": message_id},
        run_at=at,
        dedupe_key=dedupe_key,
        max_attempts=EMAIL_MAX_ATTEMPTS,
    )
    if job_id is None:
        return None
    execute(
        connection,
        _INSERT_MESSAGE,
        {
            "id": message_id,
            "consumer_id": consumer_id,
            "to_address": to,
            "locale": locale,
            "subject": subject,
            "text_body": text,
            "html_body": html,
            "kind": kind,
            "created_at": at,
            "sent_at": None,
        },
    )
    return message_id


@dataclass(frozen=True, slots=True)
class Draft:
    """An e-mail to queue in bulk (see :func:`queue_emails`)."""

    to: str
    subject: str
    text: str
    kind: str
    locale: str
    consumer_id: str | None = None


def message_rows(
    drafts: Sequence[Draft], *, at: datetime, ids: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The ``messages`` rows for drafts (checked, with new ids unless ``ids`` gives them), for
    :func:`insert_messages`.

    Built apart from the insert so that bulk callers can do it before taking the write lock.
    """
    for draft in drafts:
        _check_header("to", draft.to, 254)
        _check_header("subject", draft.subject, 255)
    chosen = list(ids) if ids is not None else [new_ordered_uuid() for _ in drafts]
    return [
        {
            "id": message_id,
            "consumer_id": draft.consumer_id,
            "to_address": draft.to,
            "locale": draft.locale,
            "subject": draft.subject,
            "text_body": draft.text,
            "html_body": None,
            "kind": draft.kind,
            "created_at": at,
            "sent_at": None,
        }
        for draft, message_id in zip(drafts, chosen, strict=True)
    ]


def insert_messages(connection: Connection, rows: list[dict[str, Any]], *, at: datetime) -> None:
    """Write ``messages`` rows and one ``email.send_batch`` job that sends them all."""
    if not rows:
        return
    enqueue(
        connection,
        SEND_EMAIL_BATCH,
        {"message_ids": [row["id"] for row in rows]},
        run_at=at,
        max_attempts=EMAIL_MAX_ATTEMPTS,
    )
    execute(connection, _INSERT_MESSAGE, rows)


def queue_emails(connection: Connection, drafts: Sequence[Draft], *, at: datetime) -> list[str]:
    """Queue many e-mails in the caller's transaction: one multi-row insert of messages and one
    ``email.send_batch`` job that sends them all.

    For callers that deduplicate themselves, so no job dedupe key is set. Returns the message
    ids. (Bulk work that should not render its e-mails at all queues a job that composes them
    when it runs: see :mod:`paylater.notifications.composed`.)
    """
    rows = message_rows(drafts, at=at)
    insert_messages(connection, rows, at=at)
    return [str(row["id"]) for row in rows]


def _outgoing(row: Any) -> OutgoingEmail:
    return OutgoingEmail(
        message_id=row.id,
        to=row.to_address,
        subject=row.subject,
        text=row.text_body,
        html=row.html_body,
        locale=row.locale,
        created_at=row.created_at,
    )


class SendEmail:
    """The ``email.send`` job: load the message, send it outside any transaction, stamp it."""

    def load(
        self, connection: Connection, payload: Any, context: JobContext
    ) -> OutgoingEmail | None:
        row = connection.execute(
            select(messages).where(messages.c.id == payload["message_id"])
        ).first()
        if row is None:
            raise PermanentFailure(f"message {payload['message_id']} does not exist")
        if row.sent_at is not None:
            return None  # sent by an earlier run that committed
        return _outgoing(row)

    def perform(self, loaded: OutgoingEmail, context: JobContext) -> None:
        sender_for(context.settings).send(loaded)

    def record(self, connection: Connection, loaded: OutgoingEmail, context: JobContext) -> None:
        _stamp_sent(connection, message_id=loaded.message_id, at=context.clock.now())


register_external(SEND_EMAIL, SendEmail())


def _send_alone(connection: Connection, *, message_id: str, at: datetime) -> None:
    enqueue(
        connection,
        SEND_EMAIL,
        {"message_id": message_id},
        run_at=at,
        dedupe_key=f"refused:{message_id}",
        max_attempts=1,
    )


def _stamp_sent(connection: Connection, *, message_id: str, at: datetime) -> None:
    connection.execute(
        update(messages)
        .where(messages.c.id == message_id, messages.c.sent_at.is_(None))
        .values(sent_at=at)
    )


def _unsent(connection: Connection, message_ids: Sequence[str]) -> list[OutgoingEmail]:
    rows = connection.execute(
        select(messages)
        .where(messages.c.id.in_(message_ids), messages.c.sent_at.is_(None))
        .order_by(messages.c.created_at, messages.c.id)
    ).all()
    return [_outgoing(row) for row in rows]


# A batch stamps its sent e-mails this many at a time (one small transaction each time): a crash
# re-sends at most this many, with the same Message-ID.
STAMP_GROUP = 25


def _send_batch(emails: list[OutgoingEmail], context: JobContext) -> None:
    delivered: list[str] = []

    def stamp() -> None:
        if delivered:
            message_ids = list(delivered)
            delivered.clear()
            # Redoable: the job's own completion, committed durably after the batch, makes these
            # stamps durable too; a crash before it re-sends, as at-least-once allows.
            context.database.run(
                partial(_stamp_sent_many, message_ids=message_ids, at=context.clock.now()),
                redoable=True,
            )

    def sent(email: OutgoingEmail) -> None:
        delivered.append(email.message_id)
        if len(delivered) >= STAMP_GROUP:
            stamp()

    def refused(email: OutgoingEmail) -> None:
        context.database.run(
            partial(_send_alone, message_id=email.message_id, at=context.clock.now())
        )

    try:
        sender_for(context.settings).send_many(emails, sent, refused)
    finally:
        stamp()


def send_stored(message_ids: Sequence[str], context: JobContext) -> None:
    """Send the stored messages among ``message_ids`` not yet stamped as sent, as one batch (for
    jobs that store their messages themselves)."""
    emails = context.database.run(lambda c: _unsent(c, message_ids), readonly=True)
    if emails:
        _send_batch(emails, context)


def _stamp_sent_many(connection: Connection, *, message_ids: list[str], at: datetime) -> None:
    connection.execute(
        update(messages)
        .where(messages.c.id.in_(message_ids), messages.c.sent_at.is_(None))
        .values(sent_at=at)
    )


class SendEmailBatch:
    """The ``email.send_batch`` job: the messages a bulk run queued together.

    They go over one SMTP connection. E-mails are stamped as sent in small groups as the server
    takes them (see :data:`STAMP_GROUP`), so a retry (after a failure or a crash) sends only what
    is left, give or take a group. A recipient refused for good
    gets its own ``email.send`` job, which fails visibly in ``paylater jobs list``, and the batch
    goes on.
    """

    def load(
        self, connection: Connection, payload: Any, context: JobContext
    ) -> list[OutgoingEmail] | None:
        return _unsent(connection, payload["message_ids"]) or None

    def perform(self, loaded: list[OutgoingEmail], context: JobContext) -> None:
        _send_batch(loaded, context)

    def record(
        self, connection: Connection, loaded: list[OutgoingEmail], context: JobContext
    ) -> None:
        return None


register_external(SEND_EMAIL_BATCH, SendEmailBatch())
