"""On SQLite, the checkout flow's statements are prepared once, not at every execution.

SQLite prepares a statement again whenever a bound value is compared with a column that a
partial index's condition names; the credit profile used to pay that at every authorization
(~90 µs, ten times the query). SQLite asks the authorizer about every table and column a
statement reads while preparing it, so a flow that prepares nothing again calls it only for
the commits.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from paylater.app import create_app
from paylater.config import Settings
from paylater.db import Database
from paylater.kit.clock import FixedClock
from tests.api.flows import capture, consumer, place_order

_SQLITE_READ = 20  # the authorizer's action code for a column read


def test_the_checkout_flow_prepares_no_statement_twice(
    database: Database, settings: Settings, clock: FixedClock, merchant: dict[str, Any]
) -> None:
    if not database.is_sqlite:
        pytest.skip("a SQLite planner behaviour")
    own = Database(database.url)
    reads: Counter[str] = Counter()
    counting = False

    @event.listens_for(own.engine, "connect")
    def _watch(dbapi_connection: Any, _record: Any) -> None:
        # A connection opened while counting (the background checkpoint's, say) prepares its
        # statements for the first time: only the connections warmed up are watched.
        watched = not counting

        def authorizer(action: int, table: Any, column: Any, *_: Any) -> int:
            if counting and watched and action == _SQLITE_READ:
                reads[f"{table}.{column}"] += 1
            return 0  # SQLITE_OK

        dbapi_connection.set_authorizer(authorizer)

    headers = merchant["headers"]
    with TestClient(create_app(settings, own, clock)) as client:
        for number in range(2):  # every statement of the flow prepared once
            order_id = place_order(
                client, headers, 60_000, person=consumer(f"warm-{number}@example.com")
            )
            capture(client, headers, order_id, 60_000)
        counting = True
        for number in range(3):
            order_id = place_order(
                client, headers, 60_000, person=consumer(f"shopper-{number}@example.com")
            )
            capture(client, headers, order_id, 60_000)
    own.dispose()
    assert reads == Counter(), "statements prepared again: " + ", ".join(reads)
