"""Helpers for the page tests: a shopper's checkout and a consumer's log-in through TestClient."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.notifications.models import messages

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def last_code(database: Database, email: str, kind: str = "login.code") -> str:
    with database.transaction(readonly=True) as connection:
        body = connection.execute(
            select(messages.c.text_body)
            .where(messages.c.to_address == email, messages.c.kind == kind)
            .order_by(messages.c.created_at.desc(), messages.c.id.desc())
        ).first()
    assert body is not None, f"no code was sent to {email}"
    code = re.search(r"\b(\d{6})\b", body.text_body)
    assert code
    return code.group(1)


def cart(amount: int = 90_000, country: str = "SE", currency: str = "SEK") -> dict[str, Any]:
    return {
        "purchase_country": country,
        "purchase_currency": currency,
        "locale": "en-GB",
        "order_amount": amount,
        "order_tax_amount": 0,
        "order_lines": [
            {"name": "Wool sweater", "quantity": 1, "unit_price": amount, "total_amount": amount}
        ],
    }


def buy(
    client: TestClient,
    database: Database,
    merchant: dict[str, Any],
    email: str,
    *,
    amount: int = 90_000,
    plan: str = "pay_in_3",
    capture: bool = True,
    given_name: str = "Astrid",
    clock: FixedClock | None = None,
) -> str:
    """A new or returning shopper buys through the hosted checkout; returns the order id.

    Pass the test's ``clock`` when the same address buys more than once: it moves a minute on,
    so that the newest code e-mailed is the last one.
    """
    if clock is not None:
        clock.advance(timedelta(minutes=1))
    session = client.post("/payments/v1/sessions", headers=merchant["headers"], json=cart(amount))
    assert session.status_code == 200, session.text
    token = session.json()["client_token"]
    page = client.get(f"/checkout/{token}")
    assert page.status_code == 200
    answer = client.post(
        f"/checkout/{token}/email",
        data={"csrf_token": csrf_of(page.text), "email": email, "offer": plan},
    )
    assert answer.status_code == 200, answer.text
    confirm = client.post(
        f"/checkout/{token}/code",
        data={
            "csrf_token": csrf_of(answer.text),
            "email": email,
            "code": last_code(database, email, "checkout.code"),
        },
    )
    assert confirm.status_code == 200 and "authorize" in confirm.text
    outcome = client.post(
        f"/checkout/{token}/authorize",
        data={
            "csrf_token": csrf_of(confirm.text),
            "offer": plan,
            "given_name": given_name,
            "family_name": "Lind",
            "date_of_birth": "1990-04-02",
            "street_address": "Sveavägen 1",
            "postal_code": "111 57",
            "city": "Stockholm",
        },
    )
    assert outcome.status_code == 200, outcome.text
    found = re.search(r'id="authorization-token">([^<]+)<', outcome.text)
    assert found, outcome.text
    order = client.post(
        f"/payments/v1/authorizations/{found.group(1)}/order",
        headers=merchant["headers"],
        json=cart(amount),
    )
    assert order.status_code == 200, order.text
    order_id = str(order.json()["order_id"])
    if capture:
        captured = client.post(
            f"/ordermanagement/v1/orders/{order_id}/captures",
            headers=merchant["headers"],
            json={
                "captured_amount": amount,
                "shipping_info": [
                    {
                        "shipping_company": "PostNord",
                        "tracking_number": "PN123",
                        "tracking_uri": "https://t.example/PN123",
                    }
                ],
            },
        )
        assert captured.status_code == 201, captured.text
    return order_id


def log_in(client: TestClient, database: Database, email: str) -> None:
    page = client.get("/my/login")
    sent = client.post("/my/login", data={"csrf_token": csrf_of(page.text), "email": email})
    assert sent.status_code == 200
    done = client.post(
        "/my/login/code",
        data={"csrf_token": csrf_of(sent.text), "email": email, "code": last_code(database, email)},
    )
    assert done.status_code == 200 and "/my/login" not in str(done.url), done.text
