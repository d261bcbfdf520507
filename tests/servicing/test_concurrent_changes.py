"""A reminder chunk is read and rendered outside the write lock; what changed meanwhile is not
sent as it was read: a paid instalment gets nothing, a partly paid one the amount now owed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from paylater.billing.service import record_payment
from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.kit.money import Money
from paylater.notifications.models import messages
from paylater.servicing import reminders
from paylater.servicing.models import notices
from tests.api.flows import capture, consumer, order_consumer, place_order
from tests.servicing.conftest import DayRunner


def test_changes_between_reading_and_writing_are_respected(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    run_days: DayRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.set(datetime(2026, 12, 16, 10, 0, tzinfo=UTC))
    headers = merchant["headers"]
    paid, partly, untouched = (
        place_order(
            client,
            headers,
            50_000,
            plan="pay_later",
            person=consumer(f"{name}@example.com", given_name=name.title()),
        )
        for name in ("paid", "partly", "untouched")
    )
    for order_id in (paid, partly, untouched):
        assert capture(client, headers, order_id, 50_000).status_code == 201
    original = reminders._prepare

    def prepare_then_change(rows: Any, **options: Any) -> Any:
        prepared = original(rows, **options)
        for order_id, amount in ((paid, 50_000), (partly, 20_000)):
            database.run(
                lambda c, order_id=order_id, amount=amount: record_payment(
                    c,
                    order_id=order_id,
                    consumer_id=order_consumer(database, order_id),
                    payment=Money(amount, "SEK"),
                    at=clock.now(),
                    channel="card",
                )
            )
        monkeypatch.setattr(reminders, "_prepare", original)  # only the first chunk
        return prepared

    monkeypatch.setattr(reminders, "_prepare", prepare_then_change)
    run_days("SE", date(2027, 1, 12), date(2027, 1, 12))  # "upcoming" for all three

    def read(connection: Any) -> dict[str, str]:
        rows = connection.execute(
            select(notices.c.order_id, messages.c.subject).join(
                messages, messages.c.id == notices.c.message_id
            )
        ).all()
        return {row.order_id: row.subject for row in rows}

    sent = database.run(read, readonly=True)
    assert set(sent) == {partly, untouched}
    assert "300,00 kr" in sent[partly] or "300.00" in sent[partly]
    assert "500,00 kr" in sent[untouched] or "500.00" in sent[untouched]
