"""Credit decisions through the sandbox authorize endpoint: explained, and stored first."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from paylater.billing.service import record_payment
from paylater.credit.models import credit_decisions
from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.kit.money import Money
from tests.api.flows import (
    authorize,
    capture,
    consumer,
    count_rows,
    create_order,
    order_consumer,
    place_order,
    session_body,
)

INPUT_FIELDS = {
    "plan",
    "amount",
    "currency",
    "age",
    "overdue_instalments",
    "exposure",
    "repaid_on_time",
    "account_age_days",
    "authorizations_today",
    "device_authorizations_today",
    "billing_country",
    "shipping_country",
    "monthly_cost",
    "monthly_income",
    "monthly_expenses",
    "order_amount",
    "collection_cases",
}


def _decisions(database: Database, **where: str) -> list[Any]:
    query = select(credit_decisions).order_by(
        credit_decisions.c.created_at, credit_decisions.c.stage.desc()
    )
    for name, value in where.items():
        query = query.where(credit_decisions.c[name] == value)
    return database.run(lambda c: list(c.execute(query).all()), readonly=True)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def test_a_decline_is_explained_and_stored_before_any_order(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    person = consumer("young@example.com", date_of_birth="2010-06-01")
    session_id, answer = authorize(client, headers, 100_000, person=person)
    assert answer["approved"] is False
    assert answer["authorization_token"] is None
    assert answer["fraud_status"] == "REJECTED"
    assert answer["reason_codes"] == ["AGE_BELOW_MINIMUM"]
    assert answer["show_form"] is False
    assert count_rows(database, "orders", "authorizations") == {"orders": 0, "authorizations": 0}
    rows = _decisions(database, session_id=session_id)
    assert [row.stage for row in rows] == ["offer", "authorization"]
    decision = rows[-1]
    assert decision.id == answer["decision_id"]
    assert decision.outcome == "REJECTED"
    assert _json(decision.reason_codes) == ["AGE_BELOW_MINIMUM"]
    assert decision.email == "young@example.com"
    assert decision.order_id is None
    inputs = _json(decision.inputs)
    assert set(inputs) == INPUT_FIELDS  # nothing else: no health or social-media data
    assert (inputs["plan"], inputs["amount"], inputs["currency"], inputs["age"]) == (
        "pay_in_3",
        100_000,
        "SEK",
        16,
    )
    rules = {r["rule"]: r["passed"] for r in _json(decision.rules)}
    assert rules["AGE_BELOW_MINIMUM"] is False
    assert rules["EXPOSURE_LIMIT"] is True
    # The session stays open: the shopper may pick another way to pay.
    read = client.get(f"/payments/v1/sessions/{session_id}", headers=headers).json()
    assert (read["status"], read["authorization_token"]) == ("incomplete", None)


def test_an_approval_is_stored_with_its_inputs_before_the_order(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    session_id, answer = authorize(client, headers, 100_000, device_id="device-1")
    assert (answer["approved"], answer["fraud_status"], answer["reason_codes"]) == (
        True,
        "ACCEPTED",
        [],
    )
    assert count_rows(database, "orders")["orders"] == 0
    decision = _decisions(database, session_id=session_id, stage="authorization")[0]
    assert decision.id == answer["decision_id"]
    assert decision.device_id == "device-1"
    inputs = _json(decision.inputs)
    assert inputs["exposure"] == 0
    assert inputs["age"] == 36
    assert inputs["billing_country"] == "SE"
    assert inputs["account_age_days"] == 0
    clock.advance(timedelta(minutes=5))
    order = create_order(client, headers, answer["authorization_token"], 100_000)
    assert order.status_code == 200
    created_at = database.run(
        lambda c: c.execute(text("SELECT created_at FROM orders")).scalar_one(), readonly=True
    )
    assert str(decision.created_at) < str(created_at)
    offer = _decisions(database, session_id=session_id, stage="offer")[0]
    assert _json(offer.inputs) == {
        "country": "SE",
        "currency": "SEK",
        "amount": 100_000,
        "age": None,
    }
    assert offer.outcome == "ACCEPTED"


def test_exposure_counts_open_orders_and_tokens(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    place_order(client, headers, 400_000)  # an order, not captured
    _, token = authorize(client, headers, 300_000)  # a token, not yet an order
    assert token["approved"]
    session_id, answer = authorize(client, headers, 800_001)
    assert answer["approved"] is False
    assert answer["reason_codes"] == ["EXPOSURE_LIMIT"]
    inputs = _json(_decisions(database, session_id=session_id, stage="authorization")[0].inputs)
    assert inputs["exposure"] == 700_000
    _, fits = authorize(client, headers, 800_000)
    assert fits["approved"] is True


def test_repayment_history_raises_the_limit(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    repaid = consumer("repaid@example.com")
    order_id = place_order(client, headers, 1_000_000, plan="pay_later", person=repaid)
    assert capture(client, headers, order_id, 1_000_000).status_code == 201
    consumer_id = order_consumer(database, order_id)
    clock.advance(timedelta(days=5))
    database.run(
        lambda c: record_payment(
            c,
            order_id=order_id,
            consumer_id=consumer_id,
            payment=Money(1_000_000, "SEK"),
            at=clock.now(),
            channel="card",
        )
    )
    # 1,500.00 + 25 % of 10,000.00 repaid on time = 1,750.00 SEK.
    session_id, answer = authorize(client, headers, 1_750_000, plan="pay_now", person=repaid)
    assert answer["approved"] is True, answer
    inputs = _json(_decisions(database, session_id=session_id, stage="authorization")[0].inputs)
    assert (inputs["repaid_on_time"], inputs["exposure"]) == (1_000_000, 0)
    # Someone new asking the same is over the new-consumer limit.
    _, newcomer = authorize(
        client, headers, 1_750_000, plan="pay_now", person=consumer("newcomer@example.com")
    )
    assert newcomer["approved"] is False
    assert "EXPOSURE_LIMIT" in newcomer["reason_codes"]


def test_overdue_debt_declines(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 50_000, plan="pay_later")
    assert capture(client, headers, order_id, 50_000).status_code == 201  # due 2026-12-31
    # Grace for transfers in flight: 3 Swedish business days after the due date — Jan 4, 5
    # and 7 (New Year's Day and Epiphany are holidays) — so it is overdue from Jan 8.
    clock.set(clock.now().replace(year=2026, month=12, day=31))
    _, on_due_day = authorize(client, headers, 10_000, plan="pay_later")
    assert on_due_day["approved"] is True
    clock.set(clock.now().replace(year=2027, month=1, day=7))
    _, last_day_of_grace = authorize(client, headers, 10_000, plan="pay_later")
    assert last_day_of_grace["approved"] is True
    clock.advance(timedelta(days=1))
    _, overdue = authorize(client, headers, 10_000, plan="pay_later")
    assert overdue["approved"] is False
    assert overdue["reason_codes"] == ["OVERDUE_DEBT"]


def test_velocity_limit_per_consumer(
    client: TestClient, merchant: dict[str, Any], clock: FixedClock
) -> None:
    headers = merchant["headers"]
    for attempt in range(10):
        _, answer = authorize(client, headers, 10_000, plan="pay_later")
        assert answer["approved"] is True, (attempt, answer)
        clock.advance(timedelta(minutes=1))
    _, eleventh = authorize(client, headers, 10_000, plan="pay_later")
    assert eleventh["approved"] is False
    assert eleventh["reason_codes"] == ["VELOCITY_LIMIT"]
    # The e-mail counts whatever its case.
    _, shouted = authorize(
        client, headers, 10_000, plan="pay_later", person=consumer("ANNA@example.com")
    )
    assert shouted["reason_codes"] == ["VELOCITY_LIMIT"]
    clock.advance(timedelta(hours=24))
    _, next_day = authorize(client, headers, 10_000, plan="pay_later")
    assert next_day["approved"] is True


def test_velocity_limit_per_device(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    for n in range(10):
        _, answer = authorize(
            client,
            headers,
            10_000,
            plan="pay_later",
            person=consumer(f"shopper{n}@example.com"),
            device_id="dev-42",
        )
        assert answer["approved"] is True
    _, blocked = authorize(
        client,
        headers,
        10_000,
        plan="pay_later",
        person=consumer("shopper10@example.com"),
        device_id="dev-42",
    )
    assert blocked["reason_codes"] == ["VELOCITY_LIMIT"]
    _, other_device = authorize(
        client,
        headers,
        10_000,
        plan="pay_later",
        person=consumer("shopper11@example.com"),
        device_id="dev-43",
    )
    assert other_device["approved"] is True


def test_financing_needs_income_and_affordability(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    _, no_income = authorize(
        client,
        headers,
        1_200_000,
        plan="financing",
        person=consumer("a@example.com"),
        financing_months=12,
    )
    assert no_income["reason_codes"] == ["INCOME_REQUIRED", "NEW_ACCOUNT_HIGH_AMOUNT"]
    assert no_income["approved"] is False
    # Disposable 3,000.00: at most 1,200.00 a month. 10,000.00 over 6 months at 19.9 % costs
    # 1,764.73 a month; over 12 months, 925.87.
    tight = consumer("b@example.com", monthly_income=3_000_000, monthly_expenses=2_700_000)
    _, unaffordable = authorize(
        client, headers, 1_000_000, plan="financing", person=tight, financing_months=6
    )
    assert unaffordable["reason_codes"] == ["NOT_AFFORDABLE"]
    assert unaffordable["approved"] is False
    easy = consumer("c@example.com", monthly_income=3_000_000, monthly_expenses=2_700_000)
    _, affordable = authorize(
        client, headers, 1_000_000, plan="financing", person=easy, financing_months=12
    )
    assert affordable["approved"] is True, affordable


def test_new_account_with_a_high_amount_is_pending(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    headers = merchant["headers"]
    _, answer = authorize(client, headers, 1_200_000, plan="pay_later")
    assert answer["approved"] is True
    assert answer["fraud_status"] == "PENDING"
    assert answer["reason_codes"] == ["NEW_ACCOUNT_HIGH_AMOUNT"]
    order = create_order(client, headers, answer["authorization_token"], 1_200_000)
    assert order.json()["fraud_status"] == "PENDING"


def test_mismatched_countries_are_pending(client: TestClient, merchant: dict[str, Any]) -> None:
    headers = merchant["headers"]
    body = session_body(
        100_000, billing_address={"country": "se"}, shipping_address={"country": "no"}
    )
    session_id = client.post("/payments/v1/sessions", json=body, headers=headers).json()[
        "session_id"
    ]
    answer = client.post(
        f"/sandbox/v1/sessions/{session_id}/authorize",
        json={"payment_method_category": "pay_later", "consumer": consumer()},
        headers=headers,
    ).json()
    assert (answer["approved"], answer["fraud_status"], answer["reason_codes"]) == (
        True,
        "PENDING",
        ["COUNTRY_MISMATCH"],
    )
