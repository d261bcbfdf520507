"""The merchant portal through HTTP: signing in, CSRF, roles, isolation, order actions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from paylater.app import create_app
from paylater.backoffice import queries
from paylater.config import Settings
from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.ledger.service import verify
from paylater.orders.models import captures
from paylater.settlement import payouts
from tests.api.flows import consumer, place_order, read_order
from tests.backoffice.support import add_merchant_user, last_mail, log_in, post

ORDERS = "/merchant/orders"


def test_log_in_with_the_right_password_only(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    add_merchant_user(database, clock, merchant["id"], "owner@shop.example")
    assert client.get(ORDERS, follow_redirects=False).headers["location"] == "/merchant/login"
    assert log_in(client, "merchant", "owner@shop.example", "wrong password!").status_code == 401
    assert log_in(client, "merchant", "nobody@shop.example").status_code == 401
    answer = log_in(client, "merchant", "Owner@Shop.example")
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "pl_merchant=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get(ORDERS).status_code == 200


def test_a_post_without_the_csrf_token_is_refused(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id = place_order(client, merchant["headers"], 100_000)
    add_merchant_user(database, clock, merchant["id"], "owner@shop.example")
    log_in(client, "merchant", "owner@shop.example")
    answer = client.post(f"{ORDERS}/{order_id}/capture", data={"amount": "100"})
    assert answer.status_code == 403
    forged = client.post(
        f"{ORDERS}/{order_id}/capture", data={"amount": "100", "csrf_token": "0" * 64}
    )
    assert forged.status_code == 403
    other_site = post(
        client, f"{ORDERS}/{order_id}/cancel", ORDERS, **{}
    ).status_code  # same origin: accepted
    assert other_site == 303
    assert read_order(client, merchant["headers"], order_id)["status"] == "CANCELLED"


def test_an_other_site_origin_is_refused(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id = place_order(client, merchant["headers"], 100_000)
    add_merchant_user(database, clock, merchant["id"], "owner@shop.example")
    log_in(client, "merchant", "owner@shop.example")
    token = re.search(r'value="([0-9a-f]{64})"', client.get(ORDERS).text)
    assert token
    answer = client.post(
        f"{ORDERS}/{order_id}/cancel",
        data={"csrf_token": token.group(1)},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403
    assert read_order(client, merchant["headers"], order_id)["status"] == "AUTHORIZED"


def test_read_only_users_can_look_but_not_act(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id = place_order(client, merchant["headers"], 100_000)
    add_merchant_user(database, clock, merchant["id"], "viewer@shop.example", "read_only")
    log_in(client, "merchant", "viewer@shop.example")
    page = client.get(f"{ORDERS}/{order_id}")
    assert page.status_code == 200 and 'id="capture"' not in page.text
    page_url = f"{ORDERS}/{order_id}"
    assert post(client, f"{page_url}/capture", page_url, amount="10").status_code == 403
    assert post(client, f"{page_url}/cancel", page_url).status_code == 403
    settings = "/merchant/settings/credentials"
    assert post(client, settings, settings, label="x").status_code == 403
    assert (
        post(client, "/merchant/settings/users", settings, email="a@b.example").status_code == 403
    )
    assert read_order(client, merchant["headers"], order_id)["status"] == "AUTHORIZED"


def test_operations_users_act_on_orders_but_not_on_credentials(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    add_merchant_user(database, clock, merchant["id"], "ops@shop.example", "operations")
    log_in(client, "merchant", "ops@shop.example")
    settings = "/merchant/settings/credentials"
    assert post(client, settings, settings, label="x").status_code == 403


def test_another_merchants_order_is_not_found(
    client: TestClient, make_merchant: Any, database: Database, clock: FixedClock
) -> None:
    first, second = make_merchant("First AB"), make_merchant("Second AB")
    order_id = place_order(client, first["headers"], 100_000)
    add_merchant_user(database, clock, second["id"], "owner@second.example")
    log_in(client, "merchant", "owner@second.example")
    assert client.get(f"{ORDERS}/{order_id}").status_code == 404
    answer = post(client, f"{ORDERS}/{order_id}/capture", ORDERS, amount="1000")
    assert answer.status_code == 404
    assert "No order matches" in client.get(ORDERS, params={"q": order_id}).text
    assert read_order(client, first["headers"], order_id)["captured_amount"] == 0


def test_capture_with_tracking_and_refund_from_the_page(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id = place_order(client, merchant["headers"], 100_000)
    add_merchant_user(database, clock, merchant["id"], "ops@shop.example", "operations")
    log_in(client, "merchant", "ops@shop.example")
    page = f"{ORDERS}/{order_id}"
    captured = post(
        client,
        f"{page}/capture",
        page,
        amount="600.00",
        tracking_number="PN123456SE",
        shipping_company="PostNord",
    )
    assert captured.status_code == 303, captured.text
    refused = post(client, f"{page}/refund", page, amount="700")
    assert refused.status_code == 403 and "exceeds" in refused.text
    assert post(client, f"{page}/refund", page, amount="150,50").status_code == 303
    shown = client.get(page).text
    assert "PN123456SE" in shown and "PART_CAPTURED" in shown
    order = read_order(client, merchant["headers"], order_id)
    assert (order["captured_amount"], order["refunded_amount"]) == (60_000, 15_050)
    assert order["captures"][0]["shipping_info"] == [
        {"tracking_number": "PN123456SE", "shipping_company": "PostNord"}
    ]
    assert database.run(lambda c: verify(c)).ok
    rows = database.run(lambda c: c.execute(select(captures.c.fee_amount)).all())
    assert len(rows) == 1 and rows[0].fee_amount > 0


def test_search_by_email_reference_amount_and_keyset_pages(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    ids = [place_order(client, headers, 100_000 + i) for i in range(4)]
    maja = place_order(client, headers, 55_500, person=consumer("maja@example.se"))
    client.patch(
        f"/ordermanagement/v1/orders/{ids[0]}/merchant-references",
        json={"merchant_reference1": "SHOP-0042"},
        headers=headers,
    )
    add_merchant_user(database, clock, merchant["id"], "owner@shop.example")
    log_in(client, "merchant", "owner@shop.example")
    assert maja in client.get(ORDERS, params={"q": "maja@example.se"}).text
    assert ids[1] not in client.get(ORDERS, params={"q": "maja@example.se"}).text
    by_reference = client.get(ORDERS, params={"q": "SHOP-0042"}).text
    assert ids[0] in by_reference and ids[1] not in by_reference
    by_amount = client.get(ORDERS, params={"amount": "1000.02"}).text
    assert ids[2] in by_amount and ids[3] not in by_amount
    assert maja in client.get(ORDERS, params={"q": maja}).text
    for nonsense in ("Infinity", "NaN", "1e40", "abc", "-5"):
        answer = client.get(ORDERS, params={"amount": nonsense})
        assert answer.status_code == 200 and "is not an amount" in answer.text
    assert client.get(ORDERS, params={"after": "garbage", "from": "2026-13-45"}).status_code == 200
    assert "No order matches" in client.get(ORDERS, params={"status": "CAPTURED"}).text

    def page(after: tuple[Any, str] | None) -> tuple[list[str], str | None]:
        rows, cursor = database.run(
            lambda c: queries.search_orders(
                c, merchant["id"], queries.OrderFilters(), now=clock.now(), after=after, limit=2
            )
        )
        return [row["id"] for row in rows], cursor

    seen: list[str] = []
    cursor: str | None = None
    after = None
    while True:
        found, cursor = page(after)
        seen.extend(found)
        if cursor is None:
            break
        after = queries.decode_cursor(cursor)
    assert sorted(seen) == sorted([*ids, maja]) and len(seen) == 5


def test_statistics_page_draws_charts_and_exports_csv(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 100_000)
    client.post(
        f"/ordermanagement/v1/orders/{order_id}/captures",
        json={"captured_amount": 100_000},
        headers=headers,
    )
    client.post(
        f"/ordermanagement/v1/orders/{order_id}/refunds",
        json={"refunded_amount": 25_000},
        headers=headers,
    )
    add_merchant_user(database, clock, merchant["id"], "viewer@shop.example", "read_only")
    log_in(client, "merchant", "viewer@shop.example")
    for period in ("day", "week", "month"):
        page = client.get("/merchant/statistics", params={"period": period})
        assert page.status_code == 200
        assert page.text.count("<svg") == 7
    csv_text = client.get("/merchant/statistics.csv", params={"period": "day"}).text
    header, *rows = csv_text.splitlines()
    assert header.startswith("period_start,currency,orders,sales_volume")
    today = [row for row in rows if row.startswith(clock.now().date().isoformat())]
    assert today == [
        f"{clock.now().date().isoformat()},SEK,1,1000.00,1000.00,1,250.00,25.00,0,100.00,1"
    ]


def test_invite_a_user_who_sets_a_password(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    add_merchant_user(database, clock, merchant["id"], "owner@shop.example")
    log_in(client, "merchant", "owner@shop.example")
    users = "/merchant/settings/users"
    answer = post(client, users, users, email="new@shop.example", role="operations")
    assert answer.status_code == 303
    link = re.search(
        r"http\S+/merchant/invitation/(\S+)",
        last_mail(database, "new@shop.example", "merchant.invitation"),
    )
    assert link
    path = f"/merchant/invitation/{link.group(1)}"
    assert client.get(path).status_code == 200
    short = post(client, path, path, password="short", confirm="short")
    assert short.status_code == 400
    assert (
        post(
            client, path, path, password="a long passphrase", confirm="a long passphrase"
        ).status_code
        == 303
    )
    assert client.get(path).status_code == 404  # used once
    fresh = TestClient(client.app)
    assert log_in(fresh, "merchant", "new@shop.example", "a long passphrase").status_code == 303


def test_rotating_a_credential_stops_the_old_secret(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id = place_order(client, merchant["headers"], 100_000)
    add_merchant_user(database, clock, merchant["id"], "owner@shop.example")
    log_in(client, "merchant", "owner@shop.example")
    page = "/merchant/settings/credentials"
    rotated = post(client, f"{page}/{merchant['username']}/rotate", page)
    assert rotated.status_code == 200
    username = re.search(r'id="new-username">([^<]+)<', rotated.text)
    secret = re.search(r'id="new-secret">([^<]+)<', rotated.text)
    assert username and secret
    assert secret.group(1) not in client.get(page).text  # shown once
    path = f"/ordermanagement/v1/orders/{order_id}"
    assert client.get(path, headers=merchant["headers"]).status_code == 401
    import base64

    token = base64.b64encode(f"{username.group(1)}:{secret.group(1)}".encode()).decode()
    assert client.get(path, headers={"Authorization": f"Basic {token}"}).status_code == 200


def test_a_form_sent_twice_captures_once(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    order_id = place_order(client, merchant["headers"], 100_000)
    add_merchant_user(database, clock, merchant["id"], "ops@shop.example", "operations")
    log_in(client, "merchant", "ops@shop.example")
    page = client.get(f"{ORDERS}/{order_id}").text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    key = re.search(r'name="form_key" value="([^"]+)"', page)
    assert token and key
    form = {"csrf_token": token.group(1), "form_key": key.group(1), "amount": "100"}
    for _ in range(2):
        sent = client.post(f"{ORDERS}/{order_id}/capture", data=form, follow_redirects=False)
        assert sent.status_code == 303
    assert read_order(client, merchant["headers"], order_id)["captured_amount"] == 10_000


def test_payout_account_payouts_and_their_report_are_the_merchants_own(
    client: TestClient, make_merchant: Any, database: Database, clock: FixedClock
) -> None:
    first, second = make_merchant("First AB"), make_merchant("Second AB")
    order_id = place_order(client, first["headers"], 100_000)
    client.post(
        f"/ordermanagement/v1/orders/{order_id}/captures",
        json={"captured_amount": 100_000},
        headers=first["headers"],
    )
    add_merchant_user(database, clock, first["id"], "owner@first.example")
    log_in(client, "merchant", "owner@first.example")
    page = "/merchant/payouts"
    bad = post(client, f"{page}/account", page, iban="SE00 1234", bic="ESSESESS")
    assert bad.status_code == 303 and "failure=" in bad.headers["location"]
    saved = post(
        client, f"{page}/account", page, iban="SE45 5000 0000 0583 9825 7466", bic="ESSESESS"
    )
    assert saved.status_code == 303
    assert "SE4550000000058398257466" in client.get(page).text
    day = (clock.now() + timedelta(days=8)).date()
    result = database.run(lambda c: payouts.run_payouts(c, day, now=clock.now()))
    (payout,) = result.payouts
    listed = client.get(page).text
    assert payout["payment_reference"] in listed
    report = client.get(f"{page}/{payout['payment_reference']}.csv")
    assert report.status_code == 200 and payout["payment_reference"] in report.text

    other = TestClient(client.app)
    add_merchant_user(database, clock, second["id"], "owner@second.example")
    log_in(other, "merchant", "owner@second.example")
    assert payout["payment_reference"] not in other.get(page).text
    assert other.get(f"{page}/{payout['payment_reference']}.csv").status_code == 404


def test_webhook_endpoints_and_their_delivery_log(
    settings: Settings, database: Database, clock: FixedClock, make_merchant: Any
) -> None:
    app = create_app(settings.model_copy(update={"webhooks_allow_loopback": True}), database, clock)
    first, second = make_merchant("First AB"), make_merchant("Second AB")
    add_merchant_user(database, clock, first["id"], "owner@first.example")
    add_merchant_user(database, clock, second["id"], "owner@second.example")
    with TestClient(app) as client, TestClient(app) as other:
        log_in(client, "merchant", "owner@first.example")
        page = "/merchant/settings/webhooks"
        refused = post(client, page, page, url="http://10.0.0.1/hook")
        assert refused.status_code == 400
        added = post(client, page, page, url="http://127.0.0.1:9/hook")
        assert added.status_code == 200 and 'id="webhook-secret"' in added.text
        endpoint = re.search(r'href="/merchant/settings/webhooks/(whe_[^"]+)"', added.text)
        assert endpoint
        assert client.get(f"{page}/{endpoint.group(1)}").status_code == 200
        log_in(other, "merchant", "owner@second.example")
        assert other.get(f"{page}/{endpoint.group(1)}").status_code == 404
        assert post(other, f"{page}/{endpoint.group(1)}/disable", page).status_code == 404
        assert post(client, f"{page}/{endpoint.group(1)}/disable", page).status_code == 303
        assert "127.0.0.1:9" not in client.get(page).text
