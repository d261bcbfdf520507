"""Consumer pages with 1,000 purchases: server-side render time of each My paylater page.

Seeds a fresh SQLite database through the domain services (one consumer with 1,000 captured
purchases in several plans, 300 of them partly paid by card, every e-mail in the message list),
then requests each page in-process through Starlette's TestClient and prints the median and the
95th percentile of 30 requests. The timing wraps the whole in-process request, so it is an upper
bound of the server-side time (no network, no browser).

    .venv/bin/python bench/web_pages.py
    .venv/bin/python bench/web_pages.py --purchases 5000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Connection  # noqa: E402

from paylater.app import create_app  # noqa: E402
from paylater.checkout.schemas import OrderData  # noqa: E402
from paylater.config import Settings  # noqa: E402
from paylater.consumers.service import ConsumerDetails, find_or_create  # noqa: E402
from paylater.db import Database  # noqa: E402
from paylater.kit.clock import FixedClock  # noqa: E402
from paylater.kit.money import Money  # noqa: E402
from paylater.merchants import service as merchants  # noqa: E402
from paylater.orders import service as orders  # noqa: E402
from paylater.payments import service as payments  # noqa: E402
from paylater.payments.processor import SandboxProcessor  # noqa: E402
from paylater.plans.schedule import PlanType  # noqa: E402
from paylater.schema import migrate  # noqa: E402
from paylater.web import accounts  # noqa: E402

PLANS = (PlanType.pay_in_3, PlanType.pay_in_4, PlanType.pay_later)
RUNS = 30


def seed(database: Database, purchases: int, now: datetime) -> tuple[str, str, str]:
    """Returns (portal session token, an order id, a receipt's charge id)."""
    processor = SandboxProcessor()

    def work(connection: Connection) -> tuple[str, str, str]:
        merchant = merchants.create_merchant(connection, name="Bench Shop AB", country="SE", at=now)
        consumer, _ = find_or_create(
            connection,
            ConsumerDetails(email="bench@example.se", given_name="Bench", family_name="Person"),
            default_country="SE",
            default_locale="en-GB",
            at=now,
        )
        card = payments.add_card(
            connection,
            consumer_id=consumer.id,
            number="4111111111111111",
            exp_month=12,
            exp_year=2035,
            cvc="123",
            processor=processor,
            at=now,
        )
        order_id = charge_id = ""
        for index in range(purchases):
            amount = 40_000 + 1_000 * (index % 50)
            moment = now - timedelta(hours=purchases - index)
            data = OrderData.model_validate(
                {
                    "purchase_country": "SE",
                    "purchase_currency": "SEK",
                    "order_amount": amount,
                    "order_lines": [
                        {
                            "name": f"Item {index}",
                            "quantity": 1,
                            "unit_price": amount,
                            "total_amount": amount,
                        }
                    ],
                }
            )
            order = orders.insert_order(
                connection,
                merchant_id=merchant.id,
                consumer_id=consumer.id,
                plan=PLANS[index % len(PLANS)],
                financing_months=None,
                fraud_status="ACCEPTED",
                data=data,
                details={"order_lines": data.model_dump()["order_lines"]},
                now=moment,
            )
            orders.capture(
                connection,
                merchant,
                order["id"],
                amount=amount,
                description="",
                reference="",
                order_lines=[],
                shipping_info=[{"shipping_company": "PostNord", "tracking_number": f"PN{index}"}],
                now=moment,
            )
            order_id = order["id"]
            if index % 3 == 0 and index >= purchases - 900:
                paid = payments.pay_by_card(
                    connection,
                    consumer_id=consumer.id,
                    order_id=order["id"],
                    method_id=card.id,
                    amount=Money(10_000, "SEK"),
                    processor=processor,
                    at=moment,
                )
                charge_id = paid.charge_id
        token = accounts.open_session(
            connection,
            kind=accounts.Purpose.portal,
            email="bench@example.se",
            consumer_id=consumer.id,
            now=now,
        )
        return token, order_id, charge_id

    return database.run(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--purchases", type=int, default=1_000)
    arguments = parser.parse_args()
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        database = Database(url)
        migrate(database)
        started = time.perf_counter()
        token, order_id, charge_id = seed(database, arguments.purchases, now)
        print(f"seeded {arguments.purchases} purchases in {time.perf_counter() - started:.1f} s")
        settings = Settings(database_url=url, data_dir=Path(folder), secret_key="bench")
        app = create_app(settings, database, FixedClock(now))
        pages = [
            "/my/",
            "/my/?page=20",
            f"/my/purchases/{order_id}",
            "/my/payments",
            "/my/messages",
            "/my/cards",
            "/my/profile",
            f"/my/receipts/{charge_id}.pdf",
            "/my/export.json",
            "/my/?lang=sv",
        ]
        print(f"{'page':34} {'median ms':>10} {'p95 ms':>8} {'bytes':>9}")
        with TestClient(app) as client:
            client.cookies.set("pl_session", token)
            for path in pages:
                timings = []
                size = 0
                for _ in range(RUNS):
                    begin = time.perf_counter()
                    answer = client.get(path)
                    timings.append((time.perf_counter() - begin) * 1000)
                    assert answer.status_code == 200, (path, answer.status_code)
                    size = len(answer.content)
                timings.sort()
                label = path if len(path) < 34 else path[:31] + "…"
                print(
                    f"{label:34} {statistics.median(timings):10.1f} "
                    f"{timings[int(RUNS * 0.95) - 1]:8.1f} {size:9,}"
                )
        database.dispose()


if __name__ == "__main__":
    main()
