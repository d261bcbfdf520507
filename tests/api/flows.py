"""Helpers that drive the merchant API the way a merchant's server does."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from paylater.db import Database

CURRENCY = {"SE": "SEK", "FR": "EUR", "DE": "EUR", "GB": "GBP", "US": "USD", "NO": "NOK"}


def session_body(amount: int, country: str = "SE", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "purchase_country": country,
        "purchase_currency": CURRENCY[country],
        "locale": "en-GB",
        "order_amount": amount,
        "order_tax_amount": 0,
        "order_lines": [
            {
                "name": "Rain jacket",
                "quantity": 1,
                "unit_price": amount,
                "total_amount": amount,
                "tax_rate": 0,
                "total_tax_amount": 0,
            }
        ],
    }
    body.update(extra)
    return body


def consumer(email: str = "anna@example.com", **extra: Any) -> dict[str, Any]:
    person: dict[str, Any] = {
        "email": email,
        "given_name": "Anna",
        "family_name": "Svensson",
        "date_of_birth": "1990-04-02",
    }
    person.update(extra)
    return person


def authorize(
    client: TestClient,
    headers: dict[str, str],
    amount: int,
    *,
    plan: str = "pay_in_3",
    country: str = "SE",
    person: dict[str, Any] | None = None,
    **extra: Any,
) -> tuple[str, dict[str, Any]]:
    created = client.post(
        "/payments/v1/sessions", json=session_body(amount, country), headers=headers
    )
    assert created.status_code == 200, created.text
    session_id = created.json()["session_id"]
    answer = client.post(
        f"/sandbox/v1/sessions/{session_id}/authorize",
        json={"payment_method_category": plan, "consumer": person or consumer(), **extra},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    return session_id, answer.json()


def place_order(
    client: TestClient,
    headers: dict[str, str],
    amount: int,
    *,
    plan: str = "pay_in_3",
    country: str = "SE",
    person: dict[str, Any] | None = None,
    **extra: Any,
) -> str:
    _, authorization = authorize(
        client, headers, amount, plan=plan, country=country, person=person, **extra
    )
    assert authorization["approved"], authorization
    token = authorization["authorization_token"]
    order = client.post(
        f"/payments/v1/authorizations/{token}/order",
        json=session_body(amount, country),
        headers=headers,
    )
    assert order.status_code == 200, order.text
    return str(order.json()["order_id"])


def capture(
    client: TestClient, headers: dict[str, str], order_id: str, amount: int, **extra: Any
) -> Any:
    return client.post(
        f"/ordermanagement/v1/orders/{order_id}/captures",
        json={"captured_amount": amount, **extra},
        headers=headers,
    )


def refund(client: TestClient, headers: dict[str, str], order_id: str, amount: int) -> Any:
    return client.post(
        f"/ordermanagement/v1/orders/{order_id}/refunds",
        json={"refunded_amount": amount},
        headers=headers,
    )


def read_order(client: TestClient, headers: dict[str, str], order_id: str) -> dict[str, Any]:
    answer = client.get(f"/ordermanagement/v1/orders/{order_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


# --- shared checks and database look-ups ------------------------------------------------------


def assert_error(answer: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is a Klarna-style error with ``status`` (and ``code`` when given)."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    body = answer.json()
    assert set(body) == {"error_code", "error_messages", "correlation_id"}, body
    assert isinstance(body["error_code"], str) and body["error_code"]
    assert isinstance(body["error_messages"], list) and body["error_messages"]
    assert all(isinstance(message, str) for message in body["error_messages"])
    assert isinstance(body["correlation_id"], str) and len(body["correlation_id"]) >= 16
    if code is not None:
        assert body["error_code"] == code, body
    return dict(body)


def count_rows(database: Database, *tables: str) -> dict[str, int]:
    """Row counts of ``tables``, to prove that a refused request wrote nothing."""

    def work(connection: Connection) -> dict[str, int]:
        return {
            name: int(
                connection.execute(
                    text(f"SELECT COUNT(*) FROM {name}")  # noqa: S608 - fixed table names
                ).scalar_one()
            )
            for name in tables
        }

    return database.run(work, readonly=True)


WRITTEN_TABLES = (
    "payment_sessions",
    "authorizations",
    "orders",
    "captures",
    "refunds",
    "payment_plans",
    "instalments",
    "journal_entries",
    "postings",
    "credit_decisions",
    "consumers",
    "customer_tokens",
    "idempotency_keys",
)


def order_consumer(database: Database, order_id: str) -> str:
    return str(
        database.run(
            lambda c: c.execute(
                text("SELECT consumer_id FROM orders WHERE id = :id"), {"id": order_id}
            ).scalar_one(),
            readonly=True,
        )
    )


def order_body(amount: int, country: str = "SE", **extra: Any) -> dict[str, Any]:
    return session_body(amount, country, **extra)


def create_order(
    client: TestClient,
    headers: dict[str, str],
    token: str,
    amount: int,
    country: str = "SE",
    **extra: Any,
) -> Any:
    return client.post(
        f"/payments/v1/authorizations/{token}/order",
        json=order_body(amount, country),
        headers=headers,
        **extra,
    )
