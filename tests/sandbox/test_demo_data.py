"""The demo's purchases: made through the real services, in the states the README promises."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from paylater.config import Settings
from paylater.db import Database
from paylater.jobs.worker import load_handler_modules
from paylater.ledger.service import verify
from paylater.merchants.service import create_merchant
from paylater.orders.models import orders
from paylater.sandbox.demo_data import seed_demo_purchases
from paylater.servicing.models import fees, notices, pauses


def test_demo_purchases_cover_the_main_states(database: Database, settings: Settings) -> None:
    load_handler_modules()
    now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    merchant = database.run(lambda c: create_merchant(c, name="Demo", country="SE", at=now))
    ids = seed_demo_purchases(database, merchant.id, settings, now)

    def read(connection: Any) -> dict[str, Any]:
        return {
            "statuses": sorted(
                connection.execute(select(orders.c.status).where(orders.c.id.in_(ids)))
                .scalars()
                .all()
            ),
            "reminders": {row.kind for row in connection.execute(select(notices.c.kind))},
            "fees": connection.execute(select(fees.c.amount)).scalars().all(),
            "pauses": connection.execute(select(pauses.c.status)).scalars().all(),
        }

    seen = database.run(read, readonly=True)
    assert seen["statuses"] == ["AUTHORIZED"] + ["CAPTURED"] * 5
    assert {"upcoming", "due", "overdue_1"} <= seen["reminders"]
    assert seen["fees"] == [6_000]  # the Swedish reminder fee on the overdue pay-in-3
    assert seen["pauses"] == ["active"]
    assert database.run(verify).ok
