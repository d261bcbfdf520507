"""The order state machine through the Order Management API (PRODUCT.md §2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.ledger.service import verify
from tests.api.flows import (
    assert_error,
    authorize,
    capture,
    consumer,
    count_rows,
    place_order,
    read_order,
    refund,
    session_body,
)

ORDERS = "/ordermanagement/v1/orders"


def _post(client: TestClient, headers: dict[str, str], path: str, **kwargs: Any) -> Any:
    return client.post(path, headers=headers, **kwargs)


# --- captures ---------------------------------------------------------------------------------


def test_over_capture_is_refused_and_changes_nothing(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert capture(client, headers, order_id, 60000).status_code == 201
    before = count_rows(database, "captures", "instalments", "postings")
    body = assert_error(capture(client, headers, order_id, 40001), 403, "CAPTURE_NOT_ALLOWED")
    assert "40000" in body["error_messages"][0]
    assert count_rows(database, "captures", "instalments", "postings") == before
    order = read_order(client, headers, order_id)
    assert order["captured_amount"] == 60000
    assert order["remaining_authorized_amount"] == 40000
    assert order["status"] == "PART_CAPTURED"
    # The exact remainder still fits.
    assert capture(client, headers, order_id, 40000).status_code == 201
    order = read_order(client, headers, order_id)
    assert (order["status"], order["captured_amount"], order["remaining_authorized_amount"]) == (
        "CAPTURED",
        100000,
        0,
    )
    assert_error(capture(client, headers, order_id, 1), 403, "CAPTURE_NOT_ALLOWED")


def test_capture_of_zero_is_a_bad_value(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert_error(capture(client, headers, order_id, 0), 400, "BAD_VALUE")
    assert read_order(client, headers, order_id)["captured_amount"] == 0


def test_capture_on_cancelled_order_is_refused(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert _post(client, headers, f"{ORDERS}/{order_id}/cancel").status_code == 204
    assert_error(capture(client, headers, order_id, 100000), 403, "CAPTURE_NOT_ALLOWED")
    order = read_order(client, headers, order_id)
    assert order["status"] == "CANCELLED"
    assert order["captured_amount"] == 0
    assert order["remaining_authorized_amount"] == 0
    assert order["payment_schedule"] == []


def test_capture_after_the_authorization_expired(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    created = read_order(client, headers, order_id)
    assert created["expires_at"] == "2026-12-29T09:00:00Z"  # 28 days
    clock.advance(timedelta(days=27, hours=23))
    assert read_order(client, headers, order_id)["status"] == "AUTHORIZED"
    clock.advance(timedelta(days=1, hours=1))  # 29 days after creation
    assert_error(capture(client, headers, order_id, 100000), 403, "CAPTURE_NOT_ALLOWED")
    order = read_order(client, headers, order_id)
    assert order["status"] == "EXPIRED"
    assert order["remaining_authorized_amount"] == 0
    assert order["captured_amount"] == 0
    # An expired authorization can no longer be cancelled either: there is nothing left.
    assert_error(_post(client, headers, f"{ORDERS}/{order_id}/cancel"), 403, "NOT_ALLOWED")


def test_part_captured_order_stops_capturing_at_expiry(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert capture(client, headers, order_id, 30000).status_code == 201
    clock.advance(timedelta(days=29))
    assert_error(capture(client, headers, order_id, 10000), 403, "CAPTURE_NOT_ALLOWED")
    order = read_order(client, headers, order_id)
    assert order["remaining_authorized_amount"] == 0
    assert order["captured_amount"] == 30000
    # What was captured can still be refunded.
    assert refund(client, headers, order_id, 30000).status_code == 201


def test_capture_of_a_pending_order_is_refused(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    body = session_body(
        100000, shipping_address={"country": "DE"}, billing_address={"country": "SE"}
    )
    session = client.post("/payments/v1/sessions", json=body, headers=headers)
    assert session.status_code == 200, session.text
    answer = client.post(
        f"/sandbox/v1/sessions/{session.json()['session_id']}/authorize",
        json={"payment_method_category": "pay_in_3", "consumer": consumer()},
        headers=headers,
    ).json()
    assert answer["approved"] is True
    assert answer["fraud_status"] == "PENDING"
    assert answer["reason_codes"] == ["COUNTRY_MISMATCH"]
    created = client.post(
        f"/payments/v1/authorizations/{answer['authorization_token']}/order",
        json=session_body(100000),
        headers=headers,
    )
    assert created.status_code == 200, created.text
    assert created.json()["fraud_status"] == "PENDING"
    order_id = created.json()["order_id"]
    body = assert_error(capture(client, headers, order_id, 100000), 403, "CAPTURE_NOT_ALLOWED")
    assert "PENDING" in body["error_messages"][0]
    order = read_order(client, headers, order_id)
    assert (order["fraud_status"], order["captured_amount"]) == ("PENDING", 0)


def test_shipping_info_on_a_capture(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    first = {
        "shipping_company": "PostNord",
        "tracking_number": "PN123",
        "tracking_uri": "https://track.example/PN123",
    }
    answer = capture(
        client,
        headers,
        order_id,
        50000,
        shipping_info=[first],
        description="first box",
        reference="ship-1",
    )
    assert answer.status_code == 201
    capture_id = answer.headers["Capture-Id"]
    second = {"shipping_company": "DHL", "tracking_number": "DHL9", "shipping_method": "Home"}
    added = _post(
        client,
        headers,
        f"{ORDERS}/{order_id}/captures/{capture_id}/shipping-info",
        json={"shipping_info": [second]},
    )
    assert added.status_code == 204
    assert added.content == b""
    read = client.get(f"{ORDERS}/{order_id}/captures/{capture_id}", headers=headers)
    assert read.status_code == 200
    data = read.json()
    assert data["capture_id"] == capture_id
    assert data["captured_amount"] == 50000
    assert data["description"] == "first box"
    assert data["reference"] == "ship-1"
    assert data["shipping_info"] == [first, second]
    assert data["captured_at"] == "2026-12-01T09:00:00Z"
    listed = client.get(f"{ORDERS}/{order_id}/captures", headers=headers)
    assert [c["capture_id"] for c in listed.json()] == [capture_id]
    # An unknown capture on a known order is a 404, and so is an empty shipping-info list.
    assert_error(
        _post(
            client,
            headers,
            f"{ORDERS}/{order_id}/captures/nope/shipping-info",
            json={"shipping_info": [second]},
        ),
        404,
    )
    assert_error(client.get(f"{ORDERS}/{order_id}/captures/nope", headers=headers), 404)
    assert_error(
        _post(
            client,
            headers,
            f"{ORDERS}/{order_id}/captures/{capture_id}/shipping-info",
            json={"shipping_info": []},
        ),
        400,
        "BAD_VALUE",
    )


# --- refunds ----------------------------------------------------------------------------------


def test_over_refund_is_refused(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert capture(client, headers, order_id, 100000).status_code == 201
    assert refund(client, headers, order_id, 70000).status_code == 201
    before = count_rows(database, "refunds", "postings")
    body = assert_error(refund(client, headers, order_id, 30001), 403, "REFUND_NOT_ALLOWED")
    assert "30000" in body["error_messages"][0]
    assert count_rows(database, "refunds", "postings") == before
    assert refund(client, headers, order_id, 30000).status_code == 201
    assert_error(refund(client, headers, order_id, 1), 403, "REFUND_NOT_ALLOWED")
    order = read_order(client, headers, order_id)
    assert (order["captured_amount"], order["refunded_amount"]) == (100000, 100000)
    assert [i["amount"] for i in order["payment_schedule"]] == [0, 0, 0]
    assert [i["status"] for i in order["payment_schedule"]] == ["cancelled"] * 3
    assert database.run(verify).ok


def test_refund_more_than_captured(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert_error(refund(client, headers, order_id, 1), 403, "REFUND_NOT_ALLOWED")
    assert capture(client, headers, order_id, 40000).status_code == 201
    # Authorized is 100000, but only 40000 was captured: that is the refund ceiling.
    assert_error(refund(client, headers, order_id, 40001), 403, "REFUND_NOT_ALLOWED")
    answer = refund(client, headers, order_id, 40000)
    assert answer.status_code == 201
    refund_id = answer.headers["Refund-Id"]
    assert answer.headers["Location"] == f"{ORDERS}/{order_id}/refunds/{refund_id}"
    read = client.get(f"{ORDERS}/{order_id}/refunds/{refund_id}", headers=headers)
    assert read.status_code == 200
    assert read.json()["refunded_amount"] == 40000
    order = read_order(client, headers, order_id)
    assert (order["captured_amount"], order["refunded_amount"]) == (40000, 40000)
    assert order["remaining_authorized_amount"] == 60000


def test_refund_of_zero_is_a_bad_value(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert capture(client, headers, order_id, 100000).status_code == 201
    assert_error(refund(client, headers, order_id, 0), 400, "BAD_VALUE")
    assert read_order(client, headers, order_id)["refunded_amount"] == 0


# --- cancel -----------------------------------------------------------------------------------


def test_cancel_after_capture_is_refused(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert capture(client, headers, order_id, 10000).status_code == 201
    body = assert_error(_post(client, headers, f"{ORDERS}/{order_id}/cancel"), 403, "NOT_ALLOWED")
    assert "refund" in body["error_messages"][0]
    order = read_order(client, headers, order_id)
    assert (order["status"], order["captured_amount"]) == ("PART_CAPTURED", 10000)


def test_cancel_twice(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    first = _post(client, headers, f"{ORDERS}/{order_id}/cancel")
    assert first.status_code == 204
    assert first.content == b""
    assert_error(_post(client, headers, f"{ORDERS}/{order_id}/cancel"), 403, "NOT_ALLOWED")
    assert read_order(client, headers, order_id)["status"] == "CANCELLED"


def test_cancelled_order_frees_the_consumers_exposure(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    """A consumer at the limit can buy again once an order is cancelled."""
    headers = merchant["headers"]
    order_id = place_order(client, headers, 1_000_000, plan="pay_later")
    _, declined = authorize(client, headers, 600_000, plan="pay_later")
    assert declined["approved"] is False
    assert "EXPOSURE_LIMIT" in declined["reason_codes"]
    assert _post(client, headers, f"{ORDERS}/{order_id}/cancel").status_code == 204
    _, approved = authorize(client, headers, 600_000, plan="pay_later")
    assert approved["approved"] is True, approved


# --- release, extend --------------------------------------------------------------------------


def test_release_remaining_authorization_after_partial_capture(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert capture(client, headers, order_id, 45000).status_code == 201
    answer = _post(client, headers, f"{ORDERS}/{order_id}/release-remaining-authorization")
    assert answer.status_code == 204
    order = read_order(client, headers, order_id)
    assert order["status"] == "CAPTURED"
    assert order["order_amount"] == 45000
    assert order["original_order_amount"] == 100000
    assert order["captured_amount"] == 45000
    assert order["remaining_authorized_amount"] == 0
    assert_error(capture(client, headers, order_id, 1), 403, "CAPTURE_NOT_ALLOWED")


def test_release_with_nothing_captured_is_refused(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    body = assert_error(
        _post(client, headers, f"{ORDERS}/{order_id}/release-remaining-authorization"),
        403,
        "NOT_ALLOWED",
    )
    assert "cancel" in body["error_messages"][0]
    assert read_order(client, headers, order_id)["status"] == "AUTHORIZED"


def test_extend_authorization_adds_28_days_from_the_day_asked(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    clock.advance(timedelta(days=10))
    answer = _post(client, headers, f"{ORDERS}/{order_id}/extend-authorization-time")
    assert answer.status_code == 204
    assert read_order(client, headers, order_id)["expires_at"] == "2027-01-08T09:00:00Z"
    # Past the original 28 days, the order is still capturable.
    clock.advance(timedelta(days=20))
    assert capture(client, headers, order_id, 100000).status_code == 201


def test_extend_authorization_never_past_180_days(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    created = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    for day in range(27, 150, 27):  # day 27, 54, … 135: each time 28 days more
        clock.set(created + timedelta(days=day))
        answer = _post(client, headers, f"{ORDERS}/{order_id}/extend-authorization-time")
        assert answer.status_code == 204, (day, answer.text)
        expected = created + timedelta(days=day + 28)
        assert read_order(client, headers, order_id)["expires_at"] == (
            expected.isoformat().replace("+00:00", "Z")
        )
    clock.set(created + timedelta(days=160))
    assert (
        _post(client, headers, f"{ORDERS}/{order_id}/extend-authorization-time").status_code == 204
    )
    limit = "2027-05-30T09:00:00Z"  # created + 180 days
    assert read_order(client, headers, order_id)["expires_at"] == limit
    clock.set(created + timedelta(days=175))
    assert_error(
        _post(client, headers, f"{ORDERS}/{order_id}/extend-authorization-time"), 403, "NOT_ALLOWED"
    )
    assert read_order(client, headers, order_id)["expires_at"] == limit
    clock.set(created + timedelta(days=180))
    order = read_order(client, headers, order_id)
    assert (order["status"], order["remaining_authorized_amount"]) == ("EXPIRED", 0)


def test_extend_authorization_refused_once_expired(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    clock.advance(timedelta(days=29))
    body = assert_error(
        _post(client, headers, f"{ORDERS}/{order_id}/extend-authorization-time"), 403, "NOT_ALLOWED"
    )
    assert "expired" in body["error_messages"][0]
    order = read_order(client, headers, order_id)
    assert order["expires_at"] == "2026-12-29T09:00:00Z"
    assert order["status"] == "EXPIRED"


# --- update authorization, merchant references ------------------------------------------------


def _patch_authorization(
    client: TestClient, headers: dict[str, str], order_id: str, amount: int
) -> Any:
    return client.patch(
        f"{ORDERS}/{order_id}/authorization", headers=headers, json={"order_amount": amount}
    )


def test_update_authorization_decrease(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert capture(client, headers, order_id, 40000).status_code == 201
    answer = _patch_authorization(client, headers, order_id, 60000)
    assert answer.status_code == 204
    order = read_order(client, headers, order_id)
    assert (order["order_amount"], order["remaining_authorized_amount"]) == (60000, 20000)
    assert order["status"] == "PART_CAPTURED"
    assert_error(capture(client, headers, order_id, 20001), 403, "CAPTURE_NOT_ALLOWED")
    # Lowering to exactly what is captured closes the order.
    assert _patch_authorization(client, headers, order_id, 40000).status_code == 204
    order = read_order(client, headers, order_id)
    assert (order["status"], order["order_amount"]) == ("CAPTURED", 40000)


def test_update_authorization_below_captured_is_refused(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert capture(client, headers, order_id, 40000).status_code == 201
    assert_error(_patch_authorization(client, headers, order_id, 39999), 403, "NOT_ALLOWED")
    assert read_order(client, headers, order_id)["order_amount"] == 100000


def test_update_authorization_increase_within_the_limit(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    decisions = count_rows(database, "credit_decisions")["credit_decisions"]
    assert _patch_authorization(client, headers, order_id, 140000).status_code == 204
    order = read_order(client, headers, order_id)
    assert (order["order_amount"], order["remaining_authorized_amount"]) == (140000, 140000)
    assert order["original_order_amount"] == 100000
    # The increase was a new credit decision, recorded against the order.
    assert count_rows(database, "credit_decisions")["credit_decisions"] == decisions + 1
    assert capture(client, headers, order_id, 140000).status_code == 201


def test_update_authorization_increase_beyond_the_exposure_limit(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    # A new consumer's limit in Sweden is 1,500.00 SEK: 1,000.00 is already out elsewhere.
    place_order(client, headers, 1_000_000, plan="pay_later")
    order_id = place_order(client, headers, 100000)
    assert _patch_authorization(client, headers, order_id, 500000).status_code == 204
    body = assert_error(_patch_authorization(client, headers, order_id, 500001), 403, "NOT_ALLOWED")
    assert "EXPOSURE_LIMIT" in body["error_messages"][0]
    assert read_order(client, headers, order_id)["order_amount"] == 500000


def test_update_authorization_increase_after_a_partial_capture(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    """Adding a little to a mostly captured order: the plan's range applies to the order."""
    headers = merchant["headers"]
    order_id = place_order(client, headers, 400000)
    assert capture(client, headers, order_id, 390000).status_code == 201
    answer = _patch_authorization(client, headers, order_id, 410000)
    assert answer.status_code == 204, answer.text
    order = read_order(client, headers, order_id)
    assert (order["order_amount"], order["remaining_authorized_amount"]) == (410000, 20000)


def test_update_authorization_with_order_lines(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    lines = session_body(80000)["order_lines"]
    path = f"{ORDERS}/{order_id}/authorization"
    mismatch = client.patch(
        path, headers=headers, json={"order_amount": 90000, "order_lines": lines}
    )
    assert_error(mismatch, 400, "BAD_VALUE")
    answer = client.patch(path, headers=headers, json={"order_amount": 80000, "order_lines": lines})
    assert answer.status_code == 204
    order = read_order(client, headers, order_id)
    assert order["order_amount"] == 80000
    assert [line["total_amount"] for line in order["order_lines"]] == [80000]


def test_update_authorization_on_a_cancelled_order(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    assert _post(client, headers, f"{ORDERS}/{order_id}/cancel").status_code == 204
    assert_error(_patch_authorization(client, headers, order_id, 50000), 403, "NOT_ALLOWED")


def test_update_merchant_references(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    answer = client.patch(
        f"{ORDERS}/{order_id}/merchant-references",
        headers=headers,
        json={"merchant_reference1": "ORD-1001", "merchant_reference2": "cart-77"},
    )
    assert answer.status_code == 204
    order = read_order(client, headers, order_id)
    assert (order["merchant_reference1"], order["merchant_reference2"]) == ("ORD-1001", "cart-77")
    # Only the given reference changes.
    answer = client.patch(
        f"{ORDERS}/{order_id}/merchant-references",
        headers=headers,
        json={"merchant_reference2": "cart-78"},
    )
    assert answer.status_code == 204
    order = read_order(client, headers, order_id)
    assert (order["merchant_reference1"], order["merchant_reference2"]) == ("ORD-1001", "cart-78")
    assert_error(
        client.patch(
            f"{ORDERS}/{order_id}/merchant-references",
            headers=headers,
            json={"merchant_reference1": "x" * 256},
        ),
        400,
        "BAD_VALUE",
    )


def test_unknown_order_is_404(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    missing = "00000000-0000-0000-0000-000000000000"
    assert_error(client.get(f"{ORDERS}/{missing}", headers=headers), 404, "NO_SUCH_ORDER")
    assert_error(capture(client, headers, missing, 100), 404, "NO_SUCH_ORDER")
    assert_error(refund(client, headers, missing, 100), 404, "NO_SUCH_ORDER")
    assert_error(_post(client, headers, f"{ORDERS}/{missing}/cancel"), 404, "NO_SUCH_ORDER")
