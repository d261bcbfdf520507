"""Consumer e-mails through a real SMTP server: the purchase confirmation with its schedule, and
exactly one "payment received" per payment, in the consumer's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from paylater.billing.service import record_payment
from paylater.config import Settings
from paylater.db import Database
from paylater.jobs import Worker
from paylater.kit.clock import FixedClock
from paylater.kit.money import Money
from tests.api.flows import capture, consumer, order_consumer, session_body
from tests.notifications.conftest import SmtpServer


def _swedish_order(client: TestClient, headers: dict[str, str], amount: int) -> str:
    body = session_body(amount, "SE", locale="sv-SE")
    session = client.post("/payments/v1/sessions", json=body, headers=headers).json()
    authorized = client.post(
        f"/sandbox/v1/sessions/{session['session_id']}/authorize",
        json={"payment_method_category": "pay_in_3", "consumer": consumer("sara@example.se")},
        headers=headers,
    ).json()
    order = client.post(
        f"/payments/v1/authorizations/{authorized['authorization_token']}/order",
        json=body,
        headers=headers,
    )
    assert order.status_code == 200, order.text
    return str(order.json()["order_id"])


def test_one_confirmation_per_payment_in_the_consumers_language(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    smtp_server: Callable[..., SmtpServer],
    smtp_settings: Callable[[int], Settings],
) -> None:
    server = smtp_server()
    worker = Worker(database, clock=clock, settings=smtp_settings(server.port), worker_id="mail")
    order_id = _swedish_order(client, merchant["headers"], 90_000)
    assert capture(client, merchant["headers"], order_id, 90_000).status_code == 201
    consumer_id = order_consumer(database, order_id)
    for amount, channel in ((30_000, "card"), (10_000, "bank_transfer"), (20_000, "card")):
        database.run(
            lambda c, amount=amount, channel=channel: record_payment(
                c,
                order_id=order_id,
                consumer_id=consumer_id,
                payment=Money(amount, "SEK"),
                at=clock.now(),
                channel=channel,
            )
        )
    worker.drain()
    worker.drain()  # a second pass sends nothing more

    received = [item.message for item in server.collector.received]
    subjects = sorted(str(message["Subject"]) for message in received)
    assert subjects == [
        "Betalning mottagen: 100,00\xa0kr",
        "Betalning mottagen: 200,00\xa0kr",
        "Betalning mottagen: 300,00\xa0kr",
        "Ditt köp hos Nordic Goods AB: 900,00\xa0kr",
    ]
    assert {message["Content-Language"] for message in received} == {"sv-SE"}
    assert len({message["Message-ID"] for message in received}) == 4
    confirmation = next(m for m in received if str(m["Subject"]).startswith("Ditt köp"))
    text = confirmation.get_content()
    assert text.count("300,00\xa0kr") == 3  # the three instalments, each with its date
    assert "1 december 2026" in text
