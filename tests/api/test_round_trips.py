"""PostgreSQL: a merchant request's writes travel in batches, so each request costs a few round
trips to the database whatever the number of its statements."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from paylater import pgpipeline
from paylater.app import create_app
from paylater.config import Settings
from paylater.db import Database
from paylater.kit.clock import FixedClock
from tests.api.flows import capture, consumer, place_order


def test_the_checkout_flow_takes_few_round_trips(
    database: Database,
    settings: Settings,
    clock: FixedClock,
    merchant: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite sends nothing over a network")
    own = Database(database.url)
    trips: list[str] = []

    @event.listens_for(own.engine, "before_cursor_execute")
    def _statement(*_args: Any) -> None:
        trips.append("statement through SQLAlchemy")

    original = pgpipeline._send

    def batch(connection: Any, pipe: Any, last: Any, *, commit: bool) -> Any:
        trips.append("batch")
        return original(connection, pipe, last, commit=commit)

    monkeypatch.setattr(pgpipeline, "_send", batch)
    headers = merchant["headers"]
    with TestClient(create_app(settings, own, clock)) as client:
        place_order(client, headers, 60_000, person=consumer("warm@example.com"))
        trips.clear()
        order_id = place_order(client, headers, 60_000, person=consumer("anna@example.com"))
        ordered = list(trips)
        trips.clear()
        capture(client, headers, order_id, 60_000)
        captured = list(trips)
    own.dispose()
    # The credential authenticated in the warm-up is remembered: its check travels with each
    # request's first batch (paylater.merchants.remembered). The session: BEGIN, the check, two
    # inserts and the COMMIT in one batch; the authorization: three (the consumer's lookup with
    # the session, then the credit profile, then the writes); the order from it: two (the
    # authorization with its session's country, then the writes with the COMMIT).
    assert ordered == ["batch"] * 6
    # the webhook endpoints with the order and its fee plan, then ten writes and the COMMIT.
    assert captured == ["batch"] * 2
