"""Customer tokens for recurring orders (PRODUCT.md §2)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from paylater.db import Database
from tests.api.flows import (
    assert_error,
    authorize,
    capture,
    count_rows,
    create_order,
    read_order,
    session_body,
)

TOKENS = "/customer-token/v1/tokens"
TOKEN_REQUEST = {
    "purchase_country": "SE",
    "purchase_currency": "SEK",
    "locale": "sv-SE",
    "description": "Coffee subscription",
    "intended_use": "SUBSCRIPTION",
}


def _token(
    client: TestClient,
    headers: dict[str, str],
    plan: str = "pay_later",
    amount: int = 30_000,
    **extra: Any,
) -> tuple[str, str]:
    _, answer = authorize(client, headers, amount, plan=plan, **extra)
    assert answer["approved"], answer
    authorization = answer["authorization_token"]
    created = client.post(
        f"/payments/v1/authorizations/{authorization}/customer-token",
        json=TOKEN_REQUEST,
        headers=headers,
    )
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["token_id"] == body["payment_method_reference"]
    assert body["token_id"].startswith("plctk_")
    return authorization, body["token_id"]


def test_create_consumes_the_authorization(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    authorization, _ = _token(client, headers)
    assert_error(create_order(client, headers, authorization, 30_000), 403)
    again = client.post(
        f"/payments/v1/authorizations/{authorization}/customer-token",
        json=TOKEN_REQUEST,
        headers=headers,
    )
    assert_error(again, 403)
    assert count_rows(database, "orders", "customer_tokens") == {"orders": 0, "customer_tokens": 1}


def test_create_in_another_currency_is_refused(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    _, answer = authorize(client, headers, 30_000, plan="pay_later")
    created = client.post(
        f"/payments/v1/authorizations/{answer['authorization_token']}/customer-token",
        json={**TOKEN_REQUEST, "purchase_currency": "EUR"},
        headers=headers,
    )
    assert_error(created, 400, "BAD_VALUE")


def test_read_token(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    _, token = _token(client, headers)
    read = client.get(f"{TOKENS}/{token}", headers=headers)
    assert read.status_code == 200
    assert read.json() == {
        "token_id": token,
        "status": "ACTIVE",
        "payment_method_type": "pay_later",
        "description": "Coffee subscription",
        "purchase_country": "SE",
        "purchase_currency": "SEK",
    }
    assert_error(client.get(f"{TOKENS}/plctk_unknown", headers=headers), 404)


def test_order_from_token_runs_a_new_credit_decision(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    _, token = _token(client, headers)
    decisions = count_rows(database, "credit_decisions")["credit_decisions"]
    orders = []
    for _ in range(2):
        answer = client.post(f"{TOKENS}/{token}/order", json=session_body(30_000), headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["fraud_status"] == "ACCEPTED"
        assert answer.json()["authorized_payment_method"]["type"] == "pay_later"
        orders.append(answer.json()["order_id"])
    assert len(set(orders)) == 2
    rows = database.run(
        lambda c: c.execute(
            text("SELECT stage, outcome, consumer_id FROM credit_decisions ORDER BY created_at")
        ).all(),
        readonly=True,
    )
    assert len(rows) == decisions + 2
    assert [(r.stage, r.outcome) for r in rows[-2:]] == [("authorization", "ACCEPTED")] * 2
    consumers = database.run(
        lambda c: c.execute(text("SELECT DISTINCT consumer_id FROM orders")).scalars().all(),
        readonly=True,
    )
    assert consumers == [rows[-1].consumer_id]
    # The recurring order behaves like any other.
    assert capture(client, headers, orders[0], 30_000).status_code == 201
    order = read_order(client, headers, orders[0])
    assert order["status"] == "CAPTURED"
    assert [(i["due_date"], i["amount"]) for i in order["payment_schedule"]] == [
        ("2026-12-31", 30_000)
    ]


def test_order_from_token_is_declined_beyond_the_limit(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    _, token = _token(client, headers)
    answer = client.post(f"{TOKENS}/{token}/order", json=session_body(1_000_000), headers=headers)
    assert answer.status_code == 200, answer.text
    # 1,000.00 SEK is out, the limit is 1,500.00: 600.00 more is declined.
    body = assert_error(
        client.post(f"{TOKENS}/{token}/order", json=session_body(600_000), headers=headers),
        403,
        "REJECTED",
    )
    assert "EXPOSURE_LIMIT" in body["error_messages"][0]
    assert count_rows(database, "orders")["orders"] == 1


def test_cancelled_token_cannot_order(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    _, token = _token(client, headers)
    cancelled = client.patch(
        f"{TOKENS}/{token}/status", json={"status": "CANCELLED"}, headers=headers
    )
    assert cancelled.status_code == 202
    assert client.get(f"{TOKENS}/{token}", headers=headers).json()["status"] == "CANCELLED"
    assert_error(
        client.post(f"{TOKENS}/{token}/order", json=session_body(30_000), headers=headers),
        403,
        "REJECTED",
    )
    assert count_rows(database, "orders")["orders"] == 0
    assert_error(
        client.patch(f"{TOKENS}/{token}/status", json={"status": "ACTIVE"}, headers=headers),
        400,
        "BAD_VALUE",
    )


def test_order_from_token_in_another_currency(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    _, token = _token(client, headers)
    assert_error(
        client.post(f"{TOKENS}/{token}/order", json=session_body(30_000, "DE"), headers=headers),
        400,
        "BAD_VALUE",
    )


def test_financing_authorization_cannot_become_a_token(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    """Each financing contract needs its own terms: a token would make orders that cannot
    be scheduled (their capture used to fail with a server error)."""
    headers = merchant["headers"]
    person = {
        "email": "fin@example.com",
        "date_of_birth": "1980-01-01",
        "monthly_income": 4_000_000,
        "monthly_expenses": 1_000_000,
    }
    _, answer = authorize(
        client, headers, 600_000, plan="financing", person=person, financing_months=12
    )
    assert answer["approved"], answer
    token = answer["authorization_token"]
    created = client.post(
        f"/payments/v1/authorizations/{token}/customer-token", json=TOKEN_REQUEST, headers=headers
    )
    assert_error(created, 403, "INVALID_OPERATION")
    assert count_rows(database, "customer_tokens")["customer_tokens"] == 0
    # The authorization is still good for its own order, which captures on 12 months.
    order = create_order(client, headers, token, 600_000)
    assert order.status_code == 200
    assert order.json()["authorized_payment_method"]["number_of_installments"] == 12
    assert capture(client, headers, order.json()["order_id"], 600_000).status_code == 201
    schedule = read_order(client, headers, order.json()["order_id"])["payment_schedule"]
    assert len(schedule) == 12
    assert sum(i["amount"] for i in schedule) > 600_000  # interest on top
