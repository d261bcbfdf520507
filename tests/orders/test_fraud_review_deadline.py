"""A PENDING order nobody reviews within 24 hours is rejected and cancelled by a job."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from paylater.config import Settings
from paylater.db import Database
from paylater.jobs import Worker
from paylater.kit.clock import FixedClock
from paylater.notifications.webhook_models import webhook_events
from tests.api.flows import capture, consumer, read_order, session_body


def test_an_unreviewed_pending_order_is_rejected_after_24_hours(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    settings: Settings,
) -> None:
    headers = merchant["headers"]
    body = session_body(100_000, "SE", shipping_address={"country": "DE"})
    session_id = client.post("/payments/v1/sessions", json=body, headers=headers).json()[
        "session_id"
    ]
    authorized = client.post(
        f"/sandbox/v1/sessions/{session_id}/authorize",
        json={"payment_method_category": "pay_in_3", "consumer": consumer()},
        headers=headers,
    ).json()
    assert authorized["fraud_status"] == "PENDING", authorized
    order = client.post(
        f"/payments/v1/authorizations/{authorized['authorization_token']}/order",
        json=body,
        headers=headers,
    ).json()
    assert order["fraud_status"] == "PENDING"
    worker = Worker(database, clock=clock, settings=settings, worker_id="review")

    clock.advance(timedelta(hours=23, minutes=59))
    worker.drain()
    assert read_order(client, headers, order["order_id"])["fraud_status"] == "PENDING"

    clock.advance(timedelta(minutes=2))
    worker.drain()
    shown = read_order(client, headers, order["order_id"])
    assert (shown["fraud_status"], shown["status"]) == ("REJECTED", "CANCELLED")
    refused = capture(client, headers, order["order_id"], 100_000)
    assert refused.status_code == 403
    events = database.run(
        lambda c: c.execute(select(webhook_events.c.type, webhook_events.c.data)).all()
    )
    assert [(kind, data["reason"]) for kind, data in events] == [
        ("order.cancelled", "fraud_review_timeout")
    ]
    worker.drain()  # running the deadline again changes nothing
    assert len(database.run(lambda c: c.execute(select(webhook_events.c.id)).all())) == 1
