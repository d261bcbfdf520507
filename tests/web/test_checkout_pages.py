"""The hosted payment page: plans with their cost, identification, outcome and redirects."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from paylater.db import Database
from paylater.kit.clock import FixedClock
from tests.web.support import buy, cart, csrf_of, last_code


def _session(client: TestClient, merchant: dict[str, Any], amount: int) -> str:
    answer = client.post("/payments/v1/sessions", headers=merchant["headers"], json=cart(amount))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["client_token"])


def _identify(
    client: TestClient, database: Database, token: str, email: str, offer: str, query: str = ""
) -> Any:
    page = client.get(f"/checkout/{token}{query}")
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    fields.update(email=email, offer=offer)
    sent = client.post(f"/checkout/{token}/email", data=fields)
    assert sent.status_code == 200, sent.text
    return client.post(
        f"/checkout/{token}/code",
        data={
            **fields,
            "csrf_token": csrf_of(sent.text),
            "code": last_code(database, email, "checkout.code"),
        },
    )


def test_plans_show_instalments_dates_total_and_apr(
    client: TestClient, merchant: dict[str, Any]
) -> None:
    token = _session(client, merchant, 500_000)  # 5,000 SEK: financing is offered too
    page = client.get(f"/checkout/{token}")
    assert page.status_code == 200
    assert "Pay in 3 interest-free instalments" in page.text
    assert 'value="financing:12"' in page.text
    # Financing shows its setup fee, nominal rate and an APR above the nominal rate.
    financing = page.text.split('value="financing:12"')[1].split('class="offer"')[0]
    apr = re.search(r'class="apr">([\d.]+) %', financing)
    assert apr and float(apr.group(1)) > 19.9
    assert financing.count("<tr><td>") == 12
    summary = client.get(f"/checkout/{token}?view=summary&category=pay_in_4&embed=1")
    assert summary.text.count("<tr><td>") == 4
    assert "<header" not in summary.text


def test_wrong_code_in_checkout_is_refused(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    token = _session(client, merchant, 90_000)
    page = client.get(f"/checkout/{token}")
    sent = client.post(
        f"/checkout/{token}/email",
        data={"csrf_token": csrf_of(page.text), "email": "eve@example.se", "offer": "pay_in_3"},
    )
    code = last_code(database, "eve@example.se", "checkout.code")
    wrong = client.post(
        f"/checkout/{token}/code",
        data={
            "csrf_token": csrf_of(sent.text),
            "email": "eve@example.se",
            "code": f"{(int(code) + 1) % 10**6:06d}",
        },
    )
    assert wrong.status_code == 400 and "That code is not right" in wrong.text
    assert client.get(f"/checkout/{token}/confirm", follow_redirects=False).status_code == 303


def test_declined_shopper_sees_why_and_what_to_do(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    token = _session(client, merchant, 90_000)
    confirm = _identify(client, database, token, "young@example.se", "pay_in_3")
    outcome = client.post(
        f"/checkout/{token}/authorize",
        data={
            "csrf_token": csrf_of(confirm.text),
            "offer": "pay_in_3",
            "given_name": "Kid",
            "family_name": "Young",
            "date_of_birth": "2015-01-01",
            "street_address": "Gatan 1",
            "postal_code": "11111",
            "city": "Uppsala",
        },
    )
    assert outcome.status_code == 200
    assert 'id="outcome">Declined' in outcome.text
    assert "You must be at least 18 years old." in outcome.text
    assert "ask us for a human review" in outcome.text


def test_hosted_page_redirects_to_the_merchant_with_the_token(
    client: TestClient, database: Database, merchant: dict[str, Any], clock: FixedClock
) -> None:
    buy(client, database, merchant, "back@example.se", given_name="Britt")
    clock.advance(timedelta(minutes=1))
    token = _session(client, merchant, 60_000)
    query = (
        "?success_url=https://shop.example/ok%3Fcart%3D7"
        "&cancel_url=https://shop.example/cart&failure_url=https://shop.example/failed"
    )
    confirm = _identify(client, database, token, "back@example.se", "pay_in_4", query)
    # A returning consumer is recognised and not asked for her details again.
    assert "Welcome back, Britt!" in confirm.text
    assert 'name="given_name"' not in confirm.text
    answer = client.post(
        f"/checkout/{token}/authorize",
        data={"csrf_token": csrf_of(confirm.text), "offer": "pay_in_4"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    target = urlsplit(answer.headers["location"])
    assert (target.netloc, target.path) == ("shop.example", "/ok")
    params = parse_qs(target.query)
    assert params["cart"] == ["7"] and params["approved"] == ["true"]
    order = client.post(
        f"/payments/v1/authorizations/{params['authorization_token'][0]}/order",
        headers=merchant["headers"],
        json=cart(60_000),
    )
    assert order.status_code == 200, order.text
    cancelled = client.get(f"/checkout/{token}/cancel{query}", follow_redirects=False)
    assert cancelled.headers["location"] == "https://shop.example/cart"


def test_redirect_urls_must_be_web_addresses(client: TestClient, merchant: dict[str, Any]) -> None:
    token = _session(client, merchant, 90_000)
    page = client.get(f"/checkout/{token}?success_url=javascript:alert(1)")
    assert "javascript:" not in page.text
    assert client.get("/checkout/no-such-token").status_code == 404


def test_financing_with_a_stated_income(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    token = _session(client, merchant, 500_000)
    confirm = _identify(client, database, token, "fin@example.se", "financing:12")
    assert 'name="monthly_income"' in confirm.text
    outcome = client.post(
        f"/checkout/{token}/authorize",
        data={
            "csrf_token": csrf_of(confirm.text),
            "offer": "financing:12",
            "given_name": "Frida",
            "family_name": "Fin",
            "date_of_birth": "1985-03-03",
            "street_address": "Storgatan 2",
            "postal_code": "41101",
            "city": "Göteborg",
            "monthly_income": "32 000",
            "monthly_expenses": "12000,50",
        },
    )
    assert outcome.status_code == 200, outcome.text
    assert 'id="outcome">Approved' in outcome.text


def test_financing_without_income_is_declined_with_the_reason(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    token = _session(client, merchant, 500_000)
    confirm = _identify(client, database, token, "noinc@example.se", "financing:24")
    outcome = client.post(
        f"/checkout/{token}/authorize",
        data={
            "csrf_token": csrf_of(confirm.text),
            "offer": "financing:24",
            "given_name": "Nils",
            "family_name": "Noll",
            "date_of_birth": "1985-03-03",
            "street_address": "Storgatan 2",
            "postal_code": "41101",
            "city": "Göteborg",
        },
    )
    assert 'id="outcome">Declined' in outcome.text
    assert "Financing needs your monthly income." in outcome.text
