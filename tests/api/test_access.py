"""Credentials and merchant isolation: another merchant's objects do not exist for you."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient

from paylater.db import Database
from tests.api.flows import (
    WRITTEN_TABLES,
    assert_error,
    authorize,
    capture,
    count_rows,
    place_order,
    read_order,
    session_body,
)
from tests.conftest import basic_auth

ORDERS = "/ordermanagement/v1/orders"


@pytest.fixture
def two_merchants(make_merchant: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return make_merchant("Alpha AB"), make_merchant("Beta AB")


def test_another_merchants_session_is_not_found(
    client: TestClient,
    two_merchants: tuple[dict[str, Any], dict[str, Any]],
    database: Database,
) -> None:
    alpha, beta = two_merchants
    session_id = client.post(
        "/payments/v1/sessions", json=session_body(100_000), headers=alpha["headers"]
    ).json()["session_id"]
    before = count_rows(database, *WRITTEN_TABLES)
    assert_error(client.get(f"/payments/v1/sessions/{session_id}", headers=beta["headers"]), 404)
    assert_error(
        client.post(
            f"/payments/v1/sessions/{session_id}",
            json={"merchant_reference1": "mine"},
            headers=beta["headers"],
        ),
        404,
    )
    assert_error(
        client.post(
            f"/sandbox/v1/sessions/{session_id}/authorize",
            json={"payment_method_category": "pay_in_3", "consumer": {"email": "x@example.com"}},
            headers=beta["headers"],
        ),
        404,
    )
    assert count_rows(database, *WRITTEN_TABLES) == before
    read = client.get(f"/payments/v1/sessions/{session_id}", headers=alpha["headers"]).json()
    assert (read["status"], read["merchant_reference1"]) == ("incomplete", None)


def test_another_merchants_authorization_token_is_not_found(
    client: TestClient,
    two_merchants: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    alpha, beta = two_merchants
    _, answer = authorize(client, alpha["headers"], 100_000)
    token = answer["authorization_token"]
    assert_error(
        client.post(
            f"/payments/v1/authorizations/{token}/order",
            json=session_body(100_000),
            headers=beta["headers"],
        ),
        404,
    )
    assert_error(
        client.delete(f"/payments/v1/authorizations/{token}", headers=beta["headers"]), 404
    )
    assert_error(
        client.post(
            f"/payments/v1/authorizations/{token}/customer-token",
            json={"purchase_country": "SE", "purchase_currency": "SEK"},
            headers=beta["headers"],
        ),
        404,
    )
    # Still good for its owner.
    order = client.post(
        f"/payments/v1/authorizations/{token}/order",
        json=session_body(100_000),
        headers=alpha["headers"],
    )
    assert order.status_code == 200


def test_another_merchants_order_is_not_found(
    client: TestClient,
    two_merchants: tuple[dict[str, Any], dict[str, Any]],
    database: Database,
) -> None:
    alpha, beta = two_merchants
    order_id = place_order(client, alpha["headers"], 100_000)
    answer = capture(client, alpha["headers"], order_id, 50_000)
    capture_id = answer.headers["Capture-Id"]
    refund = client.post(
        f"{ORDERS}/{order_id}/refunds", json={"refunded_amount": 100}, headers=alpha["headers"]
    )
    refund_id = refund.headers["Refund-Id"]
    before = count_rows(database, *WRITTEN_TABLES)
    other = beta["headers"]
    base = f"{ORDERS}/{order_id}"
    for answer in [
        client.get(base, headers=other),
        client.get(f"{base}/captures", headers=other),
        client.get(f"{base}/captures/{capture_id}", headers=other),
        client.get(f"{base}/refunds/{refund_id}", headers=other),
        client.post(f"{base}/captures", json={"captured_amount": 100}, headers=other),
        client.post(
            f"{base}/captures/{capture_id}/shipping-info",
            json={"shipping_info": [{"tracking_number": "X"}]},
            headers=other,
        ),
        client.post(f"{base}/refunds", json={"refunded_amount": 100}, headers=other),
        client.post(f"{base}/cancel", headers=other),
        client.post(f"{base}/release-remaining-authorization", headers=other),
        client.post(f"{base}/extend-authorization-time", headers=other),
        client.patch(f"{base}/authorization", json={"order_amount": 60_000}, headers=other),
        client.patch(
            f"{base}/merchant-references", json={"merchant_reference1": "B"}, headers=other
        ),
    ]:
        assert_error(answer, 404)
    assert count_rows(database, *WRITTEN_TABLES) == before
    order = read_order(client, alpha["headers"], order_id)
    assert (order["order_amount"], order["captured_amount"], order["refunded_amount"]) == (
        100_000,
        50_000,
        100,
    )
    assert order["merchant_reference1"] == ""
    assert order["captures"][0]["shipping_info"] == []


def test_another_merchants_customer_token_is_not_found(
    client: TestClient,
    two_merchants: tuple[dict[str, Any], dict[str, Any]],
    database: Database,
) -> None:
    alpha, beta = two_merchants
    _, answer = authorize(client, alpha["headers"], 30_000, plan="pay_later")
    token = client.post(
        f"/payments/v1/authorizations/{answer['authorization_token']}/customer-token",
        json={"purchase_country": "SE", "purchase_currency": "SEK"},
        headers=alpha["headers"],
    ).json()["token_id"]
    tokens = "/customer-token/v1/tokens"
    assert_error(client.get(f"{tokens}/{token}", headers=beta["headers"]), 404)
    assert_error(
        client.post(f"{tokens}/{token}/order", json=session_body(30_000), headers=beta["headers"]),
        404,
    )
    assert_error(
        client.patch(
            f"{tokens}/{token}/status", json={"status": "CANCELLED"}, headers=beta["headers"]
        ),
        404,
    )
    assert count_rows(database, "orders")["orders"] == 0
    assert client.get(f"{tokens}/{token}", headers=alpha["headers"]).json()["status"] == "ACTIVE"


def test_missing_or_wrong_credentials(client: TestClient, merchant: dict[str, Any]) -> None:
    order_id = place_order(client, merchant["headers"], 100_000)
    path = f"{ORDERS}/{order_id}"
    token = base64.b64encode(b"no-colon-here").decode()
    for headers in [
        {},
        basic_auth(merchant["username"], merchant["secret"] + "x"),
        basic_auth(merchant["username"], ""),
        basic_auth("PL_UNKNOWN", merchant["secret"]),
        {"Authorization": f"Bearer {merchant['secret']}"},
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": f"Basic {token}"},
        {"Authorization": "Basic"},
    ]:
        answer = client.get(path, headers=headers)
        assert_error(answer, 401, "UNAUTHORIZED")
        assert answer.headers["WWW-Authenticate"].startswith("Basic")
        posted = client.post(f"{path}/captures", json={"captured_amount": 100}, headers=headers)
        assert_error(posted, 401, "UNAUTHORIZED")
    assert read_order(client, merchant["headers"], order_id)["captured_amount"] == 0


def test_revoked_credentials(client: TestClient, merchant: dict[str, Any]) -> None:
    old = merchant["headers"]
    issued = client.post("/merchant/v1/credentials", json={"label": "rotation"}, headers=old)
    assert issued.status_code == 201
    new = basic_auth(issued.json()["username"], issued.json()["secret"])
    # Both work during the rotation.
    assert client.get("/merchant/v1/credentials", headers=old).status_code == 200
    listed = client.get("/merchant/v1/credentials", headers=new).json()
    assert [c["label"] for c in listed] == ["", "rotation"]
    assert all(c["revoked_at"] is None for c in listed)
    assert "secret" not in listed[0]

    revoked = client.delete(f"/merchant/v1/credentials/{merchant['username']}", headers=new)
    assert revoked.status_code == 204
    assert_error(
        client.post("/payments/v1/sessions", json=session_body(10_000), headers=old),
        401,
        "UNAUTHORIZED",
    )
    assert (
        client.post("/payments/v1/sessions", json=session_body(10_000), headers=new).status_code
        == 200
    )
    assert_error(
        client.delete(f"/merchant/v1/credentials/{merchant['username']}", headers=new), 404
    )


def test_a_merchant_cannot_revoke_another_merchants_credential(
    client: TestClient,
    two_merchants: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    alpha, beta = two_merchants
    assert_error(
        client.delete(f"/merchant/v1/credentials/{alpha['username']}", headers=beta["headers"]), 404
    )
    assert client.get("/merchant/v1/credentials", headers=alpha["headers"]).status_code == 200


def test_admin_api_needs_the_admin_token(client: TestClient) -> None:
    body = {"name": "Gamma GmbH", "country": "DE"}
    assert_error(client.post("/admin/v1/merchants", json=body), 401, "UNAUTHORIZED")
    assert_error(
        client.post("/admin/v1/merchants", json=body, headers={"Authorization": "Bearer wrong"}),
        401,
        "UNAUTHORIZED",
    )
    created = client.post(
        "/admin/v1/merchants", json=body, headers={"Authorization": "Bearer test-admin-token"}
    )
    assert created.status_code == 201
    credentials = created.json()["credentials"]
    headers = basic_auth(credentials["username"], credentials["secret"])
    answer = client.post("/payments/v1/sessions", json=session_body(10_000, "DE"), headers=headers)
    assert answer.status_code == 200
