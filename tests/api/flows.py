"""Helpers that drive the merchant API the way a merchant's server does."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

CURRENCY = {"SE": "SEK", "FR": "EUR", "DE": "EUR", "GB": "GBP", "US": "USD", "NO": "NOK"}


def session_body(amount: int, country: str = "SE", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "purchase_country": country,
        "purchase_currency": CURRENCY[country],
        "locale": "en-GB",
        "order_amount": amount,
        "order_tax_amount": 0,
        "order_lines": [
            {"name": "Rain jacket", "quantity": 1, "unit_price": amount,
             "total_amount": amount, "tax_rate": 0, "total_tax_amount": 0}
        ],
    }
    body.update(extra)
    return body


def consumer(email: str = "anna@example.com", **extra: Any) -> dict[str, Any]:
    person: dict[str, Any] = {"email": email, "given_name": "Anna", "family_name": "Svensson",
                              "date_of_birth": "1990-04-02"}
    person.update(extra)
    return person


def authorize(client: TestClient, headers: dict[str, str], amount: int, *,
              plan: str = "pay_in_3", country: str = "SE", person: dict[str, Any] | None = None,
              **extra: Any) -> tuple[str, dict[str, Any]]:
    created = client.post("/payments/v1/sessions", json=session_body(amount, country),
                          headers=headers)
    assert created.status_code == 200, created.text
    session_id = created.json()["session_id"]
    answer = client.post(f"/sandbox/v1/sessions/{session_id}/authorize",
                         json={"payment_method_category": plan,
                               "consumer": person or consumer(), **extra},
                         headers=headers)
    assert answer.status_code == 200, answer.text
    return session_id, answer.json()


def place_order(client: TestClient, headers: dict[str, str], amount: int, *,
                plan: str = "pay_in_3", country: str = "SE",
                person: dict[str, Any] | None = None, **extra: Any) -> str:
    _, authorization = authorize(client, headers, amount, plan=plan, country=country,
                                 person=person, **extra)
    assert authorization["approved"], authorization
    token = authorization["authorization_token"]
    order = client.post(f"/payments/v1/authorizations/{token}/order",
                        json=session_body(amount, country), headers=headers)
    assert order.status_code == 200, order.text
    return str(order.json()["order_id"])


def capture(client: TestClient, headers: dict[str, str], order_id: str, amount: int,
            **extra: Any) -> Any:
    return client.post(f"/ordermanagement/v1/orders/{order_id}/captures",
                       json={"captured_amount": amount, **extra}, headers=headers)


def refund(client: TestClient, headers: dict[str, str], order_id: str, amount: int) -> Any:
    return client.post(f"/ordermanagement/v1/orders/{order_id}/refunds",
                       json={"refunded_amount": amount}, headers=headers)


def read_order(client: TestClient, headers: dict[str, str], order_id: str) -> dict[str, Any]:
    answer = client.get(f"/ordermanagement/v1/orders/{order_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())
