"""Hosted checkout to portal, through TestClient."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from paylater.db import Database
from tests.web.support import buy, csrf_of, log_in


def test_checkout_then_portal(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    order_id = buy(client, database, merchant, "astrid@example.se")
    log_in(client, database, "astrid@example.se")
    overview = client.get("/my/")
    assert overview.status_code == 200
    assert "Astrid" in overview.text
    page = client.get(f"/my/purchases/{order_id}")
    assert page.status_code == 200
    paid = client.post(
        f"/my/purchases/{order_id}/pay",
        data={
            "csrf_token": csrf_of(page.text),
            "scope": "next",
            "method_id": "new",
            "number": "4111 1111 1111 1111",
            "expiry": "12/30",
            "cvc": "123",
            "payment_id": "p1",
        },
    )
    assert paid.status_code == 200, paid.text
    assert "receipt-link" in paid.text
    import re

    receipt = re.search(r'href="(/my/receipts/[^"]+)"', paid.text)
    assert receipt
    pdf = client.get(receipt.group(1))
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF")
