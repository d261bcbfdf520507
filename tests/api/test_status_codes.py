"""Status codes and headers as Klarna answers them: existing clients check them (PRODUCT.md §2)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.flows import authorize, session_body

ORDERS = "/ordermanagement/v1/orders"


def test_payments_status_codes(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    created = client.post("/payments/v1/sessions", json=session_body(100000), headers=headers)
    assert created.status_code == 200
    assert created.headers["content-type"] == "application/json"
    session_id = created.json()["session_id"]
    assert set(created.json()) == {"session_id", "client_token", "payment_method_categories"}

    read = client.get(f"/payments/v1/sessions/{session_id}", headers=headers)
    assert read.status_code == 200
    assert read.json()["session_id"] == session_id

    updated = client.post(
        f"/payments/v1/sessions/{session_id}", json={"merchant_reference1": "R1"}, headers=headers
    )
    assert updated.status_code == 204
    assert updated.content == b""

    answer = client.post(
        f"/sandbox/v1/sessions/{session_id}/authorize",
        json={
            "payment_method_category": "pay_in_3",
            "consumer": {"email": "codes@example.com", "date_of_birth": "1980-01-01"},
        },
        headers=headers,
    )
    assert answer.status_code == 200
    token = answer.json()["authorization_token"]
    order = client.post(
        f"/payments/v1/authorizations/{token}/order", json=session_body(100000), headers=headers
    )
    assert order.status_code == 200
    assert set(order.json()) >= {"order_id", "fraud_status", "redirect_url"}
    assert order.json()["fraud_status"] == "ACCEPTED"

    _, second = authorize(client, headers, 50000, person={"email": "codes@example.com"})
    cancelled = client.delete(
        f"/payments/v1/authorizations/{second['authorization_token']}", headers=headers
    )
    assert cancelled.status_code == 204
    assert cancelled.content == b""


def test_order_management_status_codes(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    _, answer = authorize(client, headers, 100000)
    order = client.post(
        f"/payments/v1/authorizations/{answer['authorization_token']}/order",
        json=session_body(100000),
        headers=headers,
    )
    order_id = order.json()["order_id"]
    base = f"{ORDERS}/{order_id}"

    assert client.get(base, headers=headers).status_code == 200
    extended = client.post(f"{base}/extend-authorization-time", headers=headers)
    assert (extended.status_code, extended.content) == (204, b"")
    updated = client.patch(f"{base}/authorization", json={"order_amount": 90000}, headers=headers)
    assert (updated.status_code, updated.content) == (204, b"")
    references = client.patch(
        f"{base}/merchant-references", json={"merchant_reference1": "A"}, headers=headers
    )
    assert (references.status_code, references.content) == (204, b"")

    captured = client.post(f"{base}/captures", json={"captured_amount": 60000}, headers=headers)
    assert captured.status_code == 201
    capture_id = captured.headers["Capture-Id"]
    assert len(capture_id) == 36
    assert captured.headers["Location"] == f"{base}/captures/{capture_id}"
    assert client.get(captured.headers["Location"], headers=headers).status_code == 200

    refunded = client.post(f"{base}/refunds", json={"refunded_amount": 10000}, headers=headers)
    assert refunded.status_code == 201
    refund_id = refunded.headers["Refund-Id"]
    assert refunded.headers["Location"] == f"{base}/refunds/{refund_id}"
    assert (
        client.get(refunded.headers["Location"], headers=headers).json()["refunded_amount"] == 10000
    )

    released = client.post(f"{base}/release-remaining-authorization", headers=headers)
    assert (released.status_code, released.content) == (204, b"")

    _, other = authorize(
        client,
        headers,
        40000,
        person={"email": "cancel@example.com", "date_of_birth": "1970-05-05"},
    )
    second = client.post(
        f"/payments/v1/authorizations/{other['authorization_token']}/order",
        json=session_body(40000),
        headers=headers,
    ).json()["order_id"]
    cancelled = client.post(f"{ORDERS}/{second}/cancel", headers=headers)
    assert (cancelled.status_code, cancelled.content) == (204, b"")
