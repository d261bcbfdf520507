"""Payout runs of several days at once (workers catching up) pay every transaction once."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.ledger.service import verify
from paylater.settlement import payouts as payout_service
from tests.api.flows import capture, place_order
from tests.settlement.support import all_payouts, at, check_books, shopper, statement

DAY = date(2026, 12, 1)


def test_concurrent_runs_and_repeats(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    for n in range(4):
        clock.set(at(DAY + timedelta(days=n)))
        order_id = place_order(client, merchant["headers"], 60_000 + n, person=shopper())
        assert capture(client, merchant["headers"], order_id, 60_000 + n).status_code == 201
    days = [DAY + timedelta(days=7 + n) for n in range(4)] * 3
    now = clock.now()

    def run(day: date) -> None:
        database.run(lambda c: payout_service.run_payouts(c, day, now=now))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(run, days))
    paid = all_payouts(database)
    sums: dict[str, int] = defaultdict(int)
    for row in statement(database):
        assert row["payout_id"] is not None
        sums[row["payout_id"]] += row["amount"]
    fees = sum(-r["amount"] for r in statement(database) if r["type"] == "FEE")
    assert sum(p["amount"] for p in paid) == sum(60_000 + n for n in range(4)) - fees
    for payout in paid:
        assert payout["amount"] == sums[payout["id"]]
    assert len({(p["merchant_id"], p["run_date"]) for p in paid}) == len(paid)
    database.run(check_books)
    assert database.run(verify, readonly=True).ok
