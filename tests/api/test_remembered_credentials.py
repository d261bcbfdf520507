"""A credential that authenticated is remembered by the process; on PostgreSQL its check then
travels with the request's first batch. Whatever changes in the database afterwards wins."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from paylater.db import Database
from tests.api.flows import assert_error, capture, place_order, read_order, session_body
from tests.conftest import basic_auth

_COUNTS = {
    "payment_sessions": text("SELECT COUNT(*) FROM payment_sessions"),
    "captures": text("SELECT COUNT(*) FROM captures"),
}


def _count(database: Database, table: str) -> int:
    return int(database.run(lambda c: c.execute(_COUNTS[table]).scalar_one()))


def test_a_revoked_credential_is_refused_and_its_work_undone(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 60_000)  # remembered from here on
    sessions, captures = _count(database, "payment_sessions"), _count(database, "captures")
    database.run(
        lambda c: c.execute(
            text("UPDATE api_credentials SET revoked_at = created_at WHERE username = :u"),
            {"u": merchant["username"]},
        )
    )
    assert_error(capture(client, headers, order_id, 20_000), 401, "UNAUTHORIZED")
    assert_error(
        client.post("/payments/v1/sessions", json=session_body(10_000), headers=headers),
        401,
        "UNAUTHORIZED",
    )
    assert_error(client.get(f"/ordermanagement/v1/orders/{order_id}", headers=headers), 401)
    replayed = {**headers, "Idempotency-Key": "after-revocation"}
    assert_error(capture(client, replayed, order_id, 20_000), 401, "UNAUTHORIZED")
    assert _count(database, "payment_sessions") == sessions
    assert _count(database, "captures") == captures


def test_an_idempotent_replay_needs_a_valid_credential(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = {**merchant["headers"], "Idempotency-Key": "ship-1"}
    order_id = place_order(client, merchant["headers"], 60_000)
    first = capture(client, headers, order_id, 20_000)
    assert first.status_code == 201
    assert capture(client, headers, order_id, 20_000).content == first.content
    database.run(
        lambda c: c.execute(
            text("UPDATE api_credentials SET revoked_at = created_at WHERE username = :u"),
            {"u": merchant["username"]},
        )
    )
    assert_error(capture(client, headers, order_id, 20_000), 401, "UNAUTHORIZED")


def test_a_changed_fee_is_charged_on_the_next_capture(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100_000)
    assert capture(client, headers, order_id, 50_000).status_code == 201
    database.run(
        lambda c: c.execute(
            text("UPDATE merchants SET fee_rate_bp = 500, fee_fixed_minor = 0 WHERE id = :m"),
            {"m": merchant["id"]},
        )
    )
    second = capture(client, headers, order_id, 50_000)
    assert second.status_code == 201
    fee = database.run(
        lambda c: c.execute(
            text("SELECT fee_amount FROM captures WHERE id = :c"),
            {"c": second.headers["Capture-Id"]},
        ).scalar_one()
    )
    assert fee == 2_500  # 5 % of 500.00 SEK, at the rate set after the first capture
    assert read_order(client, headers, order_id)["captured_amount"] == 100_000


def test_another_secret_for_a_remembered_username_is_checked_against_the_database(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    order_id = place_order(client, merchant["headers"], 60_000)
    wrong = basic_auth(merchant["username"], merchant["secret"][:-1] + "x")
    assert_error(capture(client, wrong, order_id, 20_000), 401, "UNAUTHORIZED")
    assert read_order(client, merchant["headers"], order_id)["captured_amount"] == 0
