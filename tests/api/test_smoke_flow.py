from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from paylater.db import Database
from paylater.ledger.service import verify
from tests.api.flows import capture, place_order, read_order, refund


def test_session_to_refund(
    client: TestClient, merchant: dict[str, Any], database: Database
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100000)
    answer = capture(client, headers, order_id, 60000)
    assert answer.status_code == 201, answer.text
    assert answer.headers["Capture-Id"]
    assert answer.headers["Location"].endswith(answer.headers["Capture-Id"])
    assert refund(client, headers, order_id, 10000).status_code == 201
    order = read_order(client, headers, order_id)
    assert order["status"] == "PART_CAPTURED"
    assert order["captured_amount"] == 60000
    assert order["refunded_amount"] == 10000
    assert [i["amount"] for i in order["payment_schedule"]] == [20000, 20000, 10000]
    assert database.run(verify).ok
