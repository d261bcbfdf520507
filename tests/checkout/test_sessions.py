"""Payment sessions and authorization tokens (PRODUCT.md §2, §3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from paylater.credit.countries import rules_for
from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.plans.schedule import PlanType
from tests.api.flows import (
    WRITTEN_TABLES,
    assert_error,
    authorize,
    consumer,
    count_rows,
    create_order,
    session_body,
)

SESSIONS = "/payments/v1/sessions"
ALL_PLANS = ["pay_now", "pay_later", "pay_in_3", "pay_in_4", "financing"]


def _plans(answer: Any) -> list[str]:
    return [category["identifier"] for category in answer.json()["payment_method_categories"]]


def test_default_ranges_are_as_documented() -> None:
    sweden = rules_for("SE")
    assert sweden is not None
    assert sweden.currency == "SEK"
    assert sweden.plan_ranges[PlanType.pay_in_3] == (35_000, 1_500_000)
    assert sweden.plan_ranges[PlanType.pay_later] == (1_000, 1_500_000)
    assert sweden.plan_ranges[PlanType.financing] == (200_000, 10_000_000)
    germany = rules_for("de")
    assert germany is not None
    assert germany.plan_ranges[PlanType.pay_in_4] == (3_500, 150_000)


@pytest.mark.parametrize(
    ("country", "amount", "expected"),
    [
        ("SE", 10_000, ["pay_now", "pay_later"]),  # 100.00 SEK: below pay in 3/4 (35.00 min)
        ("SE", 34_999, ["pay_now", "pay_later"]),
        ("SE", 35_000, ["pay_now", "pay_later", "pay_in_3", "pay_in_4"]),
        ("SE", 199_999, ["pay_now", "pay_later", "pay_in_3", "pay_in_4"]),
        ("SE", 200_000, ALL_PLANS),
        ("SE", 1_500_000, ALL_PLANS),
        ("SE", 1_500_001, ["pay_now", "financing"]),
        ("SE", 10_000_000, ["pay_now", "financing"]),
        ("SE", 10_000_001, []),
        ("SE", 999, []),  # below 1.00 SEK
        ("DE", 3_499, ["pay_now", "pay_later"]),
        ("DE", 3_500, ["pay_now", "pay_later", "pay_in_3", "pay_in_4"]),
        ("DE", 20_000, ALL_PLANS),
        ("GB", 160_000, ["pay_now", "financing"]),
        ("NO", 10_000, ["pay_now", "pay_later"]),
    ],
)
def test_payment_method_categories_by_amount_and_country(
    client: TestClient,
    merchant: dict[str, Any],
    country: str,
    amount: int,
    expected: list[str],
) -> None:
    answer = client.post(SESSIONS, json=session_body(amount, country), headers=merchant["headers"])
    assert answer.status_code == 200, answer.text
    assert _plans(answer) == expected


def test_categories_carry_names_and_badges(client: TestClient, merchant: dict[str, Any]) -> None:
    answer = client.post(SESSIONS, json=session_body(100_000), headers=merchant["headers"])
    by_plan = {c["identifier"]: c for c in answer.json()["payment_method_categories"]}
    assert by_plan["pay_in_3"]["name"] == "Pay in 3 interest-free instalments"
    assert by_plan["pay_later"]["name"] == "Pay in 30 days"
    badge = by_plan["pay_in_3"]["asset_urls"]["descriptive"]
    assert badge.endswith("/assets/badges/pay_in_3.svg")
    svg = client.get("/assets/badges/pay_in_3.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"Pay in 3" in svg.content


def test_an_under_age_shopper_is_offered_nothing(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock
) -> None:
    body = session_body(100_000, customer={"date_of_birth": "2009-12-02"})  # 16 on 2026-12-01
    answer = client.post(SESSIONS, json=body, headers=merchant["headers"])
    assert answer.status_code == 200
    assert _plans(answer) == []
    body = session_body(100_000, customer={"date_of_birth": "2008-12-01"})  # 18 today
    assert _plans(client.post(SESSIONS, json=body, headers=merchant["headers"])) == [
        "pay_now",
        "pay_later",
        "pay_in_3",
        "pay_in_4",
    ]


@pytest.mark.parametrize(
    ("country", "currency"),
    [("SE", "EUR"), ("DE", "SEK"), ("GB", "EUR"), ("SE", "ZZZ")],
)
def test_wrong_currency_for_the_country(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    country: str,
    currency: str,
) -> None:
    before = count_rows(database, *WRITTEN_TABLES)
    body = session_body(100_000, country, purchase_currency=currency)
    body = assert_error(
        client.post(SESSIONS, json=body, headers=merchant["headers"]), 400, "BAD_VALUE"
    )
    assert "purchase_currency" in body["error_messages"][0]
    assert count_rows(database, *WRITTEN_TABLES) == before


def test_unserved_country(client: TestClient, merchant: dict[str, Any], database: Database) -> None:
    before = count_rows(database, *WRITTEN_TABLES)
    body = session_body(100_000, purchase_country="JP", purchase_currency="JPY")
    assert_error(client.post(SESSIONS, json=body, headers=merchant["headers"]), 400, "BAD_VALUE")
    assert count_rows(database, *WRITTEN_TABLES) == before


def test_order_amount_must_equal_the_sum_of_lines(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    before = count_rows(database, *WRITTEN_TABLES)
    body = session_body(100_000)
    body["order_amount"] = 100_001
    error = assert_error(
        client.post(SESSIONS, json=body, headers=merchant["headers"]), 400, "BAD_VALUE"
    )
    assert any("sum of order_lines" in message for message in error["error_messages"])
    body = session_body(100_000)
    body["order_lines"][0]["total_amount"] = 99_999  # ≠ quantity × unit_price
    body["order_amount"] = 99_999
    assert_error(client.post(SESSIONS, json=body, headers=merchant["headers"]), 400, "BAD_VALUE")
    body = session_body(100_000)
    body["order_tax_amount"] = 20_000  # lines carry no tax
    assert_error(client.post(SESSIONS, json=body, headers=merchant["headers"]), 400, "BAD_VALUE")
    assert count_rows(database, *WRITTEN_TABLES) == before


def test_several_lines_and_discounts(client: TestClient, merchant: dict[str, Any]) -> None:
    body = session_body(0)
    body["order_lines"] = [
        {
            "name": "Boots",
            "quantity": 2,
            "unit_price": 50_000,
            "total_amount": 90_000,
            "total_discount_amount": 10_000,
            "tax_rate": 2500,
            "total_tax_amount": 18_000,
        },
        {
            "name": "Socks",
            "quantity": 3,
            "unit_price": 5_000,
            "total_amount": 15_000,
            "tax_rate": 2500,
            "total_tax_amount": 3_000,
        },
    ]
    body["order_amount"] = 105_000
    body["order_tax_amount"] = 21_000
    answer = client.post(SESSIONS, json=body, headers=merchant["headers"])
    assert answer.status_code == 200, answer.text
    read = client.get(f"{SESSIONS}/{answer.json()['session_id']}", headers=merchant["headers"])
    data = read.json()
    assert (data["order_amount"], data["order_tax_amount"]) == (105_000, 21_000)
    assert [line["total_amount"] for line in data["order_lines"]] == [90_000, 15_000]


def test_read_session(client: TestClient, merchant: dict[str, Any]) -> None:
    body = session_body(100_000, merchant_reference1="cart-1")
    created = client.post(SESSIONS, json=body, headers=merchant["headers"]).json()
    read = client.get(f"{SESSIONS}/{created['session_id']}", headers=merchant["headers"])
    assert read.status_code == 200
    data = read.json()
    assert data["status"] == "incomplete"
    assert data["client_token"] == created["client_token"]
    assert data["purchase_country"] == "SE"
    assert data["purchase_currency"] == "SEK"
    assert data["order_amount"] == 100_000
    assert data["merchant_reference1"] == "cart-1"
    assert data["expires_at"] == "2026-12-03T09:00:00Z"  # 48 h
    assert data["authorization_token"] is None
    assert_error(client.get(f"{SESSIONS}/nope", headers=merchant["headers"]), 404)


def test_update_decides_the_plans_again(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    created = client.post(SESSIONS, json=session_body(10_000), headers=headers).json()
    session_id = created["session_id"]
    assert _plans(client.get(f"{SESSIONS}/{session_id}", headers=headers)) == [
        "pay_now",
        "pay_later",
    ]
    offers = count_rows(database, "credit_decisions")["credit_decisions"]
    bigger = session_body(500_000)
    update = {"order_amount": bigger["order_amount"], "order_lines": bigger["order_lines"]}
    answer = client.post(f"{SESSIONS}/{session_id}", json=update, headers=headers)
    assert answer.status_code == 204, answer.text
    read = client.get(f"{SESSIONS}/{session_id}", headers=headers).json()
    assert read["order_amount"] == 500_000
    assert [c["identifier"] for c in read["payment_method_categories"]] == ALL_PLANS
    assert count_rows(database, "credit_decisions")["credit_decisions"] == offers + 1
    # A plan offered only after the update can be authorized.
    answer = client.post(
        f"/sandbox/v1/sessions/{session_id}/authorize",
        json={"payment_method_category": "pay_in_4", "consumer": consumer()},
        headers=headers,
    )
    assert answer.json()["approved"] is True


def test_update_that_breaks_the_totals_is_refused(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    session_id = client.post(SESSIONS, json=session_body(10_000), headers=headers).json()[
        "session_id"
    ]
    # The new amount alone no longer matches the stored lines.
    assert_error(
        client.post(f"{SESSIONS}/{session_id}", json={"order_amount": 20_000}, headers=headers),
        400,
        "BAD_VALUE",
    )
    assert_error(
        client.post(f"{SESSIONS}/{session_id}", json={"purchase_currency": "EUR"}, headers=headers),
        400,
        "BAD_VALUE",
    )
    read = client.get(f"{SESSIONS}/{session_id}", headers=headers).json()
    assert (read["order_amount"], read["purchase_currency"]) == (10_000, "SEK")


def test_plan_not_offered_cannot_be_authorized(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    session_id = client.post(SESSIONS, json=session_body(10_000), headers=headers).json()[
        "session_id"
    ]
    answer = client.post(
        f"/sandbox/v1/sessions/{session_id}/authorize",
        json={"payment_method_category": "pay_in_3", "consumer": consumer()},
        headers=headers,
    )
    assert_error(answer, 400, "BAD_VALUE")
    assert client.get(f"{SESSIONS}/{session_id}", headers=headers).json()["status"] == "incomplete"


def test_session_expires_after_48_hours(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock
) -> None:
    headers = merchant["headers"]
    session_id = client.post(SESSIONS, json=session_body(100_000), headers=headers).json()[
        "session_id"
    ]
    clock.advance(timedelta(hours=47, minutes=59))
    assert client.get(f"{SESSIONS}/{session_id}", headers=headers).json()["status"] == "incomplete"
    clock.advance(timedelta(minutes=1))
    assert client.get(f"{SESSIONS}/{session_id}", headers=headers).json()["status"] == "expired"
    answer = client.post(
        f"/sandbox/v1/sessions/{session_id}/authorize",
        json={"payment_method_category": "pay_in_3", "consumer": consumer()},
        headers=headers,
    )
    assert_error(answer, 403)
    assert client.get(f"{SESSIONS}/{session_id}", headers=headers).json()["status"] == "expired"
    assert client.post(
        f"{SESSIONS}/{session_id}", json={"merchant_reference1": "late"}, headers=headers
    ).status_code in (403, 404)


def test_authorized_session_reads_complete(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    session_id, answer = authorize(client, headers, 100_000)
    read = client.get(f"{SESSIONS}/{session_id}", headers=headers).json()
    assert read["status"] == "complete"
    assert read["authorization_token"] == answer["authorization_token"]
    # A completed session cannot be authorized a second time.
    again = client.post(
        f"/sandbox/v1/sessions/{session_id}/authorize",
        json={"payment_method_category": "pay_in_3", "consumer": consumer()},
        headers=headers,
    )
    assert_error(again, 403)


def test_authorization_token_expires_after_one_hour(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock, database: Database
) -> None:
    headers = merchant["headers"]
    _, answer = authorize(client, headers, 100_000)
    token = answer["authorization_token"]
    clock.advance(timedelta(hours=1))
    assert_error(create_order(client, headers, token, 100_000), 404)
    assert count_rows(database, "orders")["orders"] == 0


def test_authorization_token_valid_just_under_one_hour(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock
) -> None:
    headers = merchant["headers"]
    _, answer = authorize(client, headers, 100_000)
    clock.advance(timedelta(minutes=59, seconds=59))
    assert create_order(client, headers, answer["authorization_token"], 100_000).status_code == 200


def test_order_amount_above_the_authorized_amount(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    _, answer = authorize(client, headers, 100_000)
    token = answer["authorization_token"]
    error = assert_error(create_order(client, headers, token, 100_001), 400, "BAD_VALUE")
    assert "100000" in error["error_messages"][0]
    assert count_rows(database, "orders")["orders"] == 0
    # The token survives a refused order, and a smaller order is fine.
    created = create_order(client, headers, token, 80_000)
    assert created.status_code == 200
    order = client.get(
        f"/ordermanagement/v1/orders/{created.json()['order_id']}", headers=headers
    ).json()
    assert (order["order_amount"], order["status"]) == (80_000, "AUTHORIZED")


def test_order_in_another_currency_or_country_is_refused(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    _, answer = authorize(client, headers, 100_000)
    token = answer["authorization_token"]
    body = session_body(100_000, purchase_currency="NOK")
    assert_error(
        client.post(f"/payments/v1/authorizations/{token}/order", json=body, headers=headers),
        400,
        "BAD_VALUE",
    )
    body = session_body(100_000, purchase_country="NO")
    assert_error(
        client.post(f"/payments/v1/authorizations/{token}/order", json=body, headers=headers),
        400,
        "BAD_VALUE",
    )


def test_authorization_token_used_twice(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    _, answer = authorize(client, headers, 100_000)
    token = answer["authorization_token"]
    first = create_order(client, headers, token, 100_000)
    assert first.status_code == 200
    assert first.json()["authorized_payment_method"] == {
        "type": "pay_in_3",
        "number_of_installments": 3,
        "number_of_days": 0,
    }
    assert_error(create_order(client, headers, token, 100_000), 403)
    assert count_rows(database, "orders")["orders"] == 1


def test_cancelled_authorization_cannot_make_an_order(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    _, answer = authorize(client, headers, 100_000)
    token = answer["authorization_token"]
    assert client.delete(f"/payments/v1/authorizations/{token}", headers=headers).status_code == 204
    assert_error(create_order(client, headers, token, 100_000), 403)
    assert_error(client.delete(f"/payments/v1/authorizations/{token}", headers=headers), 403)
    assert_error(client.delete("/payments/v1/authorizations/plat_unknown", headers=headers), 404)


def test_redirect_url_from_merchant_urls(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    _, answer = authorize(client, headers, 100_000)
    body = session_body(
        100_000, merchant_urls={"confirmation": "https://shop.example/thanks?order={order.id}"}
    )
    created = client.post(
        f"/payments/v1/authorizations/{answer['authorization_token']}/order",
        json=body,
        headers=headers,
    ).json()
    assert created["redirect_url"] == f"https://shop.example/thanks?order={created['order_id']}"
