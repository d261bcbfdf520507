"""Expired sessions and spent codes are forgotten by the daily run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paylater.db import Database
from paylater.jobs.daily import tasks
from paylater.kit.clock import FixedClock
from paylater.web import tasks as web_tasks
from paylater.web.models import web_login_codes, web_sessions
from tests.web.support import buy, log_in


def _count(database: Database, table: Any) -> int:
    with database.transaction(readonly=True) as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_daily_run_forgets_expired_sign_ins(
    client: TestClient, database: Database, merchant: dict[str, Any], clock: FixedClock
) -> None:
    buy(client, database, merchant, "old@example.se")
    log_in(client, database, "old@example.se")
    assert _count(database, web_sessions) == 2  # the checkout's and the portal's
    assert _count(database, web_login_codes) == 2
    task = tasks()["web.forget_expired_sign_ins"]
    assert task is web_tasks.forget_expired_sign_ins
    later = clock.now() + timedelta(days=3)
    removed = database.run(lambda c: task(c, later.date(), later))
    assert removed == 3  # both codes and the checkout session; the portal's lives 7 days
    assert _count(database, web_sessions) == 1
    clock.advance(timedelta(days=8))
    assert client.get("/my/", follow_redirects=False).headers["location"] == "/my/login"


def test_checkout_speaks_the_language_the_merchant_gave(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    body = {
        "purchase_country": "SE",
        "purchase_currency": "SEK",
        "locale": "sv-SE",
        "order_amount": 90_000,
        "order_lines": [
            {"name": "Tröja", "quantity": 1, "unit_price": 90_000, "total_amount": 90_000}
        ],
    }
    session = client.post("/payments/v1/sessions", headers=merchant["headers"], json=body).json()
    page = client.get(f"/checkout/{session['client_token']}")
    assert '<html lang="sv">' in page.text
    assert "Betala med paylater" in page.text
    assert "Dela upp i 3 räntefria delbetalningar" in page.text
    english = client.get(f"/checkout/{session['client_token']}?lang=en")
    assert "Pay with paylater" in english.text
