"""A worker killed (SIGKILL) in the middle of a country's daily run: the run completes when a
worker comes back, every reminder is written once and every e-mail reaches the SMTP server once
per message id."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from paylater.db import Database
from paylater.merchants.service import create_merchant
from paylater.notifications.models import messages
from paylater.sandbox.portfolio import create_portfolio
from paylater.servicing.models import notices
from tests.jobs.processes import start_worker, wait_until, worker_environment
from tests.notifications.conftest import SmtpServer, smtp_server  # noqa: F401

INSTALMENTS = 400


def _count(database: Database, table: Any) -> int:
    return int(
        database.run(
            lambda c: c.execute(select(func.count()).select_from(table)).scalar_one(),
            readonly=True,
        )
    )


def test_a_worker_killed_mid_run_completes_the_day_once(
    database: Database,
    tmp_path: Path,
    smtp_server: Callable[..., SmtpServer],  # noqa: F811
) -> None:
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/Stockholm")).date()
    merchant = database.run(lambda c: create_merchant(c, name="Crash", country="SE", at=now))
    # Every instalment falls due today in Sweden: the run sends INSTALMENTS "due today" e-mails.
    create_portfolio(
        database,
        instalment_count=INSTALMENTS * 4,
        merchant_id=merchant.id,
        country="SE",
        currency="SEK",
        locale="sv-SE",
        first_due=today - timedelta(days=42),
        spread_days=1,
        now=now - timedelta(days=50),
    )
    server = smtp_server()
    environment = worker_environment(
        database.url,
        tmp_path,
        daily_chunk_size="10",
        # 40 reminder chunks would otherwise pass in a few milliseconds, between two looks.
        daily_chunk_pause_ms="25",
        smtp_host="127.0.0.1",
        smtp_port=str(server.port),
    )
    first_log = tmp_path / "first.log"
    first = start_worker(environment, "--lease-seconds", "2", "--worker-id", "first", log=first_log)
    try:
        wait_until(
            lambda: 0 < _count(database, notices) < INSTALMENTS,
            timeout=60,
            what="the daily run to be halfway",
        )
    finally:
        first.kill()  # SIGKILL: no cleanup of any kind
        first.wait(10)
    halfway = _count(database, notices)
    assert 0 < halfway < INSTALMENTS, first_log.read_text()

    second_log = tmp_path / "second.log"
    second = start_worker(
        environment, "--lease-seconds", "2", "--worker-id", "second", log=second_log
    )
    try:
        wait_until(
            lambda: (
                _count(database, notices) == INSTALMENTS
                and len(server.collector.received) >= INSTALMENTS
            ),
            timeout=120,
            what="the day to complete and every e-mail to arrive",
        )
    finally:
        second.terminate()
        second.wait(30)

    rows = database.run(
        lambda c: c.execute(select(notices.c.instalment_id, notices.c.kind)).all(), readonly=True
    )
    assert len(rows) == len(set(rows)) == INSTALMENTS  # one "due" reminder per instalment
    assert {kind for _id, kind in rows} == {"due"}
    assert _count(database, messages) == INSTALMENTS
    unsent = database.run(
        lambda c: c.execute(select(func.count()).where(messages.c.sent_at.is_(None))).scalar_one(),
        readonly=True,
    )
    assert unsent == 0
    # At least once: an e-mail the server took just before the kill may come again, with the
    # same Message-ID; every message id arrived, and none more than twice.
    arrived = Counter(server.collector.message_ids())
    assert len(arrived) == INSTALMENTS
    assert max(arrived.values()) <= 2
