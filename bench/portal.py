"""The merchant portal's orders list with 1,000,000 orders: server-side time per request.

Fills a fresh SQLite database (or the PostgreSQL database given with ``--url``, which must be
empty) with one merchant's orders written in bulk (100,000 consumers, orders spread over a year,
mixed statuses, plans, amounts and references) plus a second merchant's, then asks for the orders
list in-process through Starlette's TestClient, signed in as a merchant user, and prints the
median and 95th percentile of 30 requests for: the first page, a keyset page half-way down the
list (500,000 orders deep), and searches. The timing wraps the whole in-process request (session
check, query, rendering), so it is an upper bound of the server-side time. The query alone is
timed too.

    .venv/bin/python bench/portal.py
    .venv/bin/python bench/portal.py --orders 200000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Connection, select  # noqa: E402

from paylater.app import create_app  # noqa: E402
from paylater.backoffice import accounts, queries  # noqa: E402
from paylater.config import Settings  # noqa: E402
from paylater.consumers.models import consumers  # noqa: E402
from paylater.db import Database  # noqa: E402
from paylater.kit.clock import FixedClock  # noqa: E402
from paylater.merchants import service as merchants  # noqa: E402
from paylater.orders.models import orders  # noqa: E402
from paylater.schema import migrate  # noqa: E402

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CONSUMERS = 100_000
BATCH = 20_000
STATUSES = ("CAPTURED",) * 6 + ("PART_CAPTURED", "AUTHORIZED", "CANCELLED", "EXPIRED")
PLANS = ("pay_in_3", "pay_in_4", "pay_later", "financing")
PASSWORD = "benchmark password"


def _fill(database: Database, merchant_id: str, other_id: str, count: int) -> None:
    started = time.perf_counter()

    def write_consumers(connection: Connection) -> None:
        for first in range(0, CONSUMERS, BATCH):
            connection.execute(
                consumers.insert(),
                [
                    {
                        "id": f"con_b{index:09d}",
                        "email": f"buyer{index}@example.se",
                        "given_name": "Buyer",
                        "family_name": str(index),
                        "date_of_birth": None,
                        "country": "SE",
                        "locale": "sv-SE",
                        "phone": "",
                        "monthly_income": None,
                        "monthly_expenses": None,
                        "created_at": NOW - timedelta(days=400),
                    }
                    for index in range(first, min(first + BATCH, CONSUMERS))
                ],
            )

    database.run(write_consumers)
    step = timedelta(days=365) / count
    for first in range(0, count, BATCH):

        def write_orders(connection: Connection, first: int = first) -> None:
            rows: list[dict[str, Any]] = []
            for index in range(first, min(first + BATCH, count)):
                amount = 10_000 + (index * 7_919) % 500_000
                status = STATUSES[index % len(STATUSES)]
                created = NOW - timedelta(days=365) + step * index
                captured = amount if status == "CAPTURED" else amount // 2
                rows.append(
                    {
                        "id": f"{index:08x}-0000-4000-8000-{index * 7 % 10**12:012d}",
                        # Every 50th order belongs to another merchant: isolation costs nothing.
                        "merchant_id": other_id if index % 50 == 0 else merchant_id,
                        "consumer_id": f"con_b{index % CONSUMERS:09d}",
                        "authorization_token": None,
                        "customer_token": None,
                        "status": status,
                        "fraud_status": "ACCEPTED",
                        "plan": PLANS[index % len(PLANS)],
                        "financing_months": None,
                        "purchase_country": "SE",
                        "purchase_currency": "SEK",
                        "locale": "sv-SE",
                        "order_amount": amount,
                        "original_order_amount": amount,
                        "captured_amount": captured if status in STATUSES[:7] else 0,
                        "refunded_amount": 0,
                        "details": {"order_lines": []},
                        "merchant_reference1": f"SHOP-{index:07d}",
                        "merchant_reference2": "",
                        "fees_agreed": True,
                        "created_at": created,
                        "expires_at": created + timedelta(days=28),
                    }
                )
            connection.execute(orders.insert(), rows)

        database.run(write_orders)
        done = min(first + BATCH, count)
        if done % 200_000 == 0 or done == count:
            rate = done / (time.perf_counter() - started)
            print(f"  {done:>9,} orders written ({rate:,.0f}/s)", flush=True)


def _timed(work: Callable[[], object], runs: int) -> tuple[float, float]:
    work()  # warm the caches once
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a SQLite file)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="paylater-portal-bench-"))
    url = args.url or f"sqlite:///{folder / 'portal.db'}"
    database = Database(url)
    migrate(database)
    clock = FixedClock(NOW)

    def seed(connection: Connection) -> tuple[str, str]:
        merchant = merchants.create_merchant(connection, name="Big Shop AB", country="SE", at=NOW)
        other = merchants.create_merchant(connection, name="Other AB", country="SE", at=NOW)
        _, link = accounts.invite_user(
            connection,
            merchant.id,
            "owner@bigshop.example",
            role="read_only",
            base_url="http://bench",
            at=NOW,
        )
        accounts.accept_invitation(connection, link.rsplit("/", 1)[1], PASSWORD, now=NOW)
        return merchant.id, other.id

    merchant_id, other_id = database.run(seed)
    print(f"filling {args.orders:,} orders into {database.dialect} …", flush=True)
    _fill(database, merchant_id, other_id, args.orders)
    if database.dialect == "postgresql":
        # What autovacuum does shortly after a bulk load; SQLite is measured without statistics.
        database.run(lambda c: c.exec_driver_sql("ANALYZE orders; ANALYZE consumers"))

    half = database.run(
        lambda c: c.execute(
            select(orders.c.created_at, orders.c.id)
            .where(orders.c.merchant_id == merchant_id)
            .order_by(orders.c.created_at.desc(), orders.c.id.desc())
            .offset(args.orders // 2)
            .limit(1)
        ).one(),
        readonly=True,
    )
    deep = queries.encode_cursor(half.created_at, half.id)
    day = (NOW - timedelta(days=200)).date().isoformat()
    week_end = (NOW - timedelta(days=193)).date().isoformat()
    cases: list[tuple[str, dict[str, str], queries.OrderFilters]] = [
        ("first page", {}, queries.OrderFilters()),
        (f"keyset page {args.orders // 2:,} deep", {"after": deep}, queries.OrderFilters()),
        (
            "status EXPIRED, first page",
            {"status": "EXPIRED"},
            queries.OrderFilters(status="EXPIRED"),
        ),
        (
            f"status CAPTURED, {args.orders // 2:,} deep",
            {"status": "CAPTURED", "after": deep},
            queries.OrderFilters(status="CAPTURED"),
        ),
        (
            "one week (date range)",
            {"from": day, "to": week_end},
            queries.OrderFilters(
                date_from=datetime.fromisoformat(day).date(),
                date_to=datetime.fromisoformat(week_end).date(),
            ),
        ),
        (
            "consumer e-mail",
            {"q": "buyer4242@example.se"},
            queries.OrderFilters(query="buyer4242@example.se"),
        ),
        (
            "merchant reference",
            {"q": "SHOP-0424243"},
            queries.OrderFilters(query="SHOP-0424243"),
        ),
        ("amount 1234.56", {"amount": "1234.56"}, queries.OrderFilters(amount=123_456)),
    ]
    settings = Settings(database_url=url, sandbox=False, secret_key="bench", data_dir=folder)
    app = create_app(settings, database, clock)
    with TestClient(app) as client:
        page = client.get("/merchant/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        signed = client.post(
            "/merchant/login",
            data={"csrf_token": token, "email": "owner@bigshop.example", "password": PASSWORD},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        print(
            f"\n{'orders list':32} {'page median':>12} {'p95':>8} {'query median':>13} {'p95':>8}"
        )
        for label, params, filters in cases:
            after = queries.decode_cursor(params["after"]) if "after" in params else None

            def request(params: dict[str, str] = params) -> None:
                answer = client.get("/merchant/orders", params=params)
                assert answer.status_code == 200

            def query(filters: queries.OrderFilters = filters, after: Any = after) -> None:
                database.run(
                    lambda c: queries.search_orders(c, merchant_id, filters, now=NOW, after=after),
                    readonly=True,
                )

            page_median, page_p95 = _timed(request, args.runs)
            query_median, query_p95 = _timed(query, args.runs)
            print(
                f"{label:32} {page_median:>9.1f} ms {page_p95:>5.1f} ms "
                f"{query_median:>10.1f} ms {query_p95:>5.1f} ms"
            )
    database.dispose()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
