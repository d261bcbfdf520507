"""E-mail through the outbox: a message row and a job per e-mail, sent to a real SMTP server."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select

from paylater.config import Settings
from paylater.db import Database
from paylater.jobs import Worker, jobs
from paylater.kit.clock import FixedClock
from paylater.kit.errors import BadValue
from paylater.notifications.email import SEND_EMAIL, queue_email
from paylater.notifications.models import messages
from tests.jobs.processes import start_worker, wait_until, worker_environment
from tests.notifications.conftest import SmtpServer, free_port

MAIL_DOMAIN = "paylater.localhost"  # of the default PAYLATER_MAIL_FROM


def _queue(database: Database, at: datetime, count: int = 1, **overrides: Any) -> list[str | None]:
    def work(connection: Connection) -> list[str | None]:
        return [
            queue_email(
                connection,
                **{
                    "to": f"consumer{n}@example.com",
                    "subject": f"Your payment is due ({n})",
                    "text": f"Hello {n}, 100.00 EUR is due on 2026-12-04.",
                    "kind": "reminder.before_due",
                    "locale": "en-GB",
                    "at": at,
                    **overrides,
                },
            )
            for n in range(count)
        ]

    return database.run(work)


def _messages(database: Database) -> dict[str, Any]:
    rows = database.run(lambda c: c.execute(select(messages)).all(), readonly=True)
    return {row.id: row for row in rows}


def _email_jobs(database: Database) -> list[Any]:
    return database.run(
        lambda c: list(c.execute(select(jobs).where(jobs.c.kind == SEND_EMAIL)).all()),
        readonly=True,
    )


def _worker(database: Database, clock: FixedClock, settings: Settings, name: str) -> Worker:
    return Worker(database, clock=clock, settings=settings, worker_id=name, kinds=(SEND_EMAIL,))


def test_an_email_queued_in_a_rolled_back_transaction_leaves_nothing(
    database: Database, clock: FixedClock
) -> None:
    def work(connection: Connection) -> None:
        queue_email(
            connection,
            to="a@example.com",
            subject="s",
            text="t",
            kind="k",
            locale="en-GB",
            at=clock.now(),
        )
        raise RuntimeError("the business transaction fails")

    with pytest.raises(RuntimeError):
        database.run(work)
    assert _messages(database) == {}
    assert _email_jobs(database) == []


def test_a_dedupe_key_queues_one_email(database: Database, clock: FixedClock) -> None:
    first = _queue(database, clock.now(), dedupe_key="reminder:inst_1:2026-12-01")
    second = _queue(database, clock.now(), dedupe_key="reminder:inst_1:2026-12-01")
    assert first[0] is not None and second == [None]
    assert list(_messages(database)) == first
    assert len(_email_jobs(database)) == 1


@pytest.mark.parametrize("to", ["no-at-sign", "a@example.com\r\nBcc: x@example.com", ""])
def test_header_injection_and_bad_addresses_are_refused(
    database: Database, clock: FixedClock, to: str
) -> None:
    with pytest.raises(BadValue):
        _queue(database, clock.now(), to=to)
    with pytest.raises(BadValue):
        _queue(database, clock.now(), subject="Hi\nBcc: x@example.com")


def test_without_smtp_the_dev_inbox_marks_messages_delivered(
    database: Database, clock: FixedClock, settings: Settings
) -> None:
    assert settings.smtp_host is None
    ids = _queue(database, clock.now(), count=2)
    clock.advance(timedelta(seconds=5))
    assert _worker(database, clock, settings, "w").drain() == {"done": 2}
    rows = _messages(database)
    assert {row.sent_at for row in rows.values()} == {clock.now()}
    assert set(rows) == set(ids)


def test_each_message_reaches_the_smtp_server_once_even_when_the_worker_runs_twice(
    database: Database,
    clock: FixedClock,
    smtp_server: Callable[..., SmtpServer],
    smtp_settings: Callable[[int], Settings],
) -> None:
    server = smtp_server()
    settings = smtp_settings(server.port)
    ids = _queue(database, clock.now(), count=3)
    [html_id] = _queue(
        database,
        clock.now(),
        to="anna@example.se",
        subject="Betalning mottagen",
        text="Tack! Vi har tagit emot 250,00 kr.",
        html="<p>Tack! Vi har tagit emot <b>250,00&nbsp;kr</b>.</p>",
        locale="sv-SE",
        kind="payment.received",
    )
    for name in ("first", "second", "first"):
        _worker(database, clock, settings, name).drain()

    received = {item.message["Message-ID"]: item for item in server.collector.received}
    assert len(server.collector.received) == 4
    assert set(received) == {f"<{message_id}@{MAIL_DOMAIN}>" for message_id in [*ids, html_id]}
    for n, message_id in enumerate(ids):
        item = received[f"<{message_id}@{MAIL_DOMAIN}>"]
        assert item.rcpt_tos == [f"consumer{n}@example.com"]
        assert item.mail_from == "no-reply@paylater.localhost"
        assert item.message["Subject"] == f"Your payment is due ({n})"
        assert item.message["To"] == f"consumer{n}@example.com"
        assert item.message.get_content_type() == "text/plain"
        assert "100.00 EUR is due" in item.message.get_content()
    swedish = received[f"<{html_id}@{MAIL_DOMAIN}>"].message
    assert swedish["Content-Language"] == "sv-SE"
    assert swedish.get_content_type() == "multipart/alternative"
    html_part = swedish.get_body(preferencelist=("html",))
    assert html_part is not None and "250,00&nbsp;kr" in html_part.get_content()
    rows = _messages(database)
    assert all(row.sent_at == clock.now() for row in rows.values())
    assert {job.status for job in _email_jobs(database)} == {"done"}


def test_an_unreachable_smtp_server_means_retry_not_loss(
    database: Database,
    clock: FixedClock,
    smtp_server: Callable[..., SmtpServer],
    smtp_settings: Callable[[int], Settings],
) -> None:
    port = free_port()  # nothing listens here yet: connection refused
    settings = smtp_settings(port)
    [message_id] = _queue(database, clock.now())
    assert message_id is not None
    worker = _worker(database, clock, settings, "w")
    assert worker.drain() == {"failed": 1}
    [job] = _email_jobs(database)
    assert (job.status, job.attempts, job.run_at) == (
        "failed",
        1,
        clock.now() + timedelta(seconds=30),
    )
    assert "ConnectionRefusedError" in job.last_error
    assert _messages(database)[message_id].sent_at is None

    server = smtp_server(port=port)
    assert worker.drain() == {"failed": 1}  # not due yet: nothing sent
    assert server.collector.received == []
    clock.advance(timedelta(seconds=30))
    worker.drain()
    worker.drain()
    assert server.collector.message_ids() == [f"<{message_id}@{MAIL_DOMAIN}>"]
    [job] = _email_jobs(database)
    assert (job.status, job.attempts) == ("done", 2)
    assert _messages(database)[message_id].sent_at == clock.now()


def test_a_worker_killed_while_sending_delivers_every_email_after_restart(
    database: Database, tmp_path: Path, smtp_server: Callable[..., SmtpServer]
) -> None:
    # The server takes the first message and then stalls before answering; the worker is killed
    # right then. At least once: that message arrives again, with the same Message-ID.
    server = smtp_server(hang_first=1, hang_seconds=30)
    ids = _queue(database, datetime.now(UTC) - timedelta(seconds=1), count=5)
    environment = worker_environment(
        database.url, tmp_path, smtp_host="127.0.0.1", smtp_port=str(server.port)
    )
    first_log = tmp_path / "first.log"
    first = start_worker(environment, "--lease-seconds", "2", log=first_log)
    try:
        wait_until(lambda: len(server.collector.received) == 1, 60, "the first message")
    finally:
        first.kill()
        first.wait(10)
    killed_at = time.monotonic()
    assert all(row.sent_at is None for row in _messages(database).values())

    time.sleep(max(0.0, 2.2 - (time.monotonic() - killed_at)))
    second_log = tmp_path / "second.log"
    second = start_worker(environment, "--once", log=second_log)
    assert second.wait(60) == 0, second_log.read_text()

    expected = {f"<{message_id}@{MAIL_DOMAIN}>" for message_id in ids}
    arrived = server.collector.message_ids()
    assert set(arrived) == expected  # nothing lost
    assert len(arrived) == len(ids) + 1  # only the message in flight at the kill came twice
    assert arrived.count(arrived[0]) == 2
    assert all(row.sent_at is not None for row in _messages(database).values())
    assert {job.status for job in _email_jobs(database)} == {"done"}


def test_a_batch_goes_over_one_connection_and_a_refused_recipient_fails_alone(
    database: Database,
    clock: FixedClock,
    smtp_server: Callable[..., SmtpServer],
    smtp_settings: Callable[[int], Settings],
) -> None:
    from paylater.notifications.email import SEND_EMAIL_BATCH, Draft, queue_emails

    server = smtp_server(refuse=frozenset({"gone@example.com"}))
    settings = smtp_settings(server.port)
    addresses = ["a@example.com", "gone@example.com", "b@example.com", "c@example.com"]
    ids = database.run(
        lambda c: queue_emails(
            c,
            [
                Draft(to, f"Reminder {n}", "Your payment is due.", "reminder.due", "en-GB")
                for n, to in enumerate(addresses)
            ],
            at=clock.now(),
        )
    )
    worker = Worker(
        database,
        clock=clock,
        settings=settings,
        worker_id="w",
        kinds=(SEND_EMAIL_BATCH, SEND_EMAIL),
    )
    worker.drain()
    worker.drain()
    assert sorted(item.rcpt_tos for item in server.collector.received) == [
        ["a@example.com"],
        ["b@example.com"],
        ["c@example.com"],
    ]
    batch_connections = server.collector.connections
    rows = _messages(database)
    assert [rows[i].sent_at is not None for i in ids] == [True, False, True, True]
    # The refused one has its own job, dead with the server's answer, for an operator to see.
    [alone] = _email_jobs(database)
    assert alone.payload == {"message_id": ids[1]}
    assert alone.status == "dead" and "550" in (alone.last_error or "")
    assert batch_connections <= 2  # the batch's one, and the lone retry's
