"""The merchant portal in Debian's Chromium against a real server: sign in, find an order,
capture part with a tracking number, refund part, look at the statistics, rotate an API key.

Skipped when Chromium (``apt-get install chromium``) or the ``playwright`` package is missing.
Screenshots are saved under the test's temporary folder (or ``$PAYLATER_SCREENSHOTS``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, select

from paylater.backoffice import accounts
from paylater.disputes import service as disputes
from paylater.ledger.service import verify
from paylater.orders.models import orders
from tests.api.flows import consumer, session_body
from tests.backoffice.support import PASSWORD
from tests.web.server import Server, running_server

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed"
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PAYLATER_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _place_order(api: httpx.Client, reference: str) -> str:
    body = session_body(100_000, "SE", merchant_reference1=reference)
    session_id = api.post("/payments/v1/sessions", json=body).json()["session_id"]
    authorized = api.post(
        f"/sandbox/v1/sessions/{session_id}/authorize",
        json={"payment_method_category": "pay_in_3", "consumer": consumer("lena@example.se")},
    ).json()
    order = api.post(
        f"/payments/v1/authorizations/{authorized['authorization_token']}/order", json=body
    )
    assert order.status_code == 200, order.text
    return str(order.json()["order_id"])


def _add_owner(server: Server, email: str) -> None:
    def work(connection: Connection) -> None:
        now = datetime.now(UTC)
        _, link = accounts.invite_user(
            connection, "mer_demo", email, role="owner", base_url=server.base_url, at=now
        )
        accounts.accept_invitation(connection, link.rsplit("/", 1)[1], PASSWORD, now=now)

    server.database.run(work)


def test_merchant_works_an_order_and_rotates_a_key(
    server: Server, browser: Any, shots: Path
) -> None:
    api = httpx.Client(base_url=server.base_url, auth=(server.username, server.secret))
    order_id = _place_order(api, "PW-1001")
    _place_order(api, "PW-1002")
    _add_owner(server, "owner@demo-shop.example")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server.base_url}/merchant/orders")
    assert page.url.endswith("/merchant/login")
    page.fill("input[name=email]", "owner@demo-shop.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("#log-in")
    page.wait_for_url("**/merchant/orders")
    assert page.locator("#orders tbody tr").count() == 2

    page.fill("input[name=q]", "PW-1001")
    page.click("#search button")
    page.wait_for_load_state()
    assert page.locator("#orders tbody tr").count() == 1
    page.screenshot(path=str(shots / "merchant-orders.png"), full_page=True)
    page.click(f"a[href='/merchant/orders/{order_id}']")
    page.wait_for_url(f"**/merchant/orders/{order_id}")

    page.fill("#capture-form input[name=amount]", "400.00")
    page.fill("#capture-form input[name=shipping_company]", "PostNord")
    page.fill("#capture-form input[name=tracking_number]", "PN-PLAYWRIGHT-1")
    page.click("#capture")
    page.wait_for_selector("#notice")
    assert page.inner_text("#status") == "PART_CAPTURED"
    assert "PN-PLAYWRIGHT-1" in page.inner_text("#captures")

    page.fill("#refund-form input[name=amount]", "100.00")
    page.click("#refund")
    page.wait_for_selector("#notice")
    assert "100.00" in page.inner_text("#refunds")
    page.screenshot(path=str(shots / "merchant-order.png"), full_page=True)
    order = api.get(f"/ordermanagement/v1/orders/{order_id}").json()
    assert (order["captured_amount"], order["refunded_amount"]) == (40_000, 10_000)
    assert server.database.run(verify, readonly=True).ok

    page.click("a[href='/merchant/statistics']")
    page.wait_for_selector("#charts svg")
    assert page.locator("#charts svg").count() == 7
    assert page.locator("#charts svg rect.bar").count() > 0
    box = page.locator("#charts svg").first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    page.screenshot(path=str(shots / "merchant-statistics.png"), full_page=True)

    page.click("a[href='/merchant/settings/credentials']")
    page.click(f"tr[data-username='{server.username}'] button.rotate")
    page.wait_for_selector("#issued")
    username, secret = page.inner_text("#new-username"), page.inner_text("#new-secret")
    page.screenshot(path=str(shots / "merchant-credentials.png"), full_page=True)
    assert api.get(f"/ordermanagement/v1/orders/{order_id}").status_code == 401
    fresh = httpx.get(
        f"{server.base_url}/ordermanagement/v1/orders/{order_id}", auth=(username, secret)
    )
    assert fresh.status_code == 200
    api.close()


def test_merchant_answers_a_dispute_and_an_operator_decides_it(
    server: Server, browser: Any, shots: Path
) -> None:
    api = httpx.Client(base_url=server.base_url, auth=(server.username, server.secret))
    order_id = _place_order(api, "PW-2001")
    assert api.post(
        f"/ordermanagement/v1/orders/{order_id}/captures", json={"captured_amount": 100_000}
    ).is_success
    _add_owner(server, "owner@demo-shop.example")

    def open_dispute(connection: Connection) -> str:
        consumer_id = connection.execute(
            select(orders.c.consumer_id).where(orders.c.id == order_id)
        ).scalar_one()
        dispute = disputes.open_dispute(
            connection,
            consumer_id=consumer_id,
            order_id=order_id,
            reason="faulty",
            message="The zip is broken",
            now=datetime.now(UTC),
        )
        accounts.create_operator(
            connection,
            "ops@lender.example",
            role="operator",
            password=PASSWORD,
            at=datetime.now(UTC),
        )
        return str(dispute["id"])

    dispute_id = server.database.run(open_dispute)

    merchant = browser.new_page(viewport={"width": 1280, "height": 900})
    merchant.goto(f"{server.base_url}/merchant/login")
    merchant.fill("input[name=email]", "owner@demo-shop.example")
    merchant.fill("input[name=password]", PASSWORD)
    merchant.click("#log-in")
    merchant.wait_for_url("**/merchant/orders")
    merchant.click("a[href='/merchant/disputes']")
    assert "The zip is broken" in merchant.inner_text("#disputes")
    merchant.fill("textarea[name=evidence]", "Tested before shipping; photo attached")
    merchant.click("text=Send evidence")
    merchant.wait_for_load_state()
    assert "responded" in merchant.inner_text("#disputes")

    operator = browser.new_context().new_page()
    operator.goto(f"{server.base_url}/backoffice/")
    assert operator.url.endswith("/backoffice/login")
    operator.fill("input[name=email]", "ops@lender.example")
    operator.fill("input[name=password]", PASSWORD)
    operator.click("#log-in")
    operator.wait_for_url("**/backoffice/")
    operator.screenshot(path=str(shots / "backoffice-overview.png"), full_page=True)
    operator.click("a[href='/backoffice/disputes']")
    assert "Tested before shipping" in operator.inner_text("#disputes")
    operator.select_option("select[name=outcome]", "merchant")
    operator.fill("input[name=note]", "Evidence convincing")
    operator.click("#disputes button")
    operator.wait_for_load_state()
    operator.goto(f"{server.base_url}/backoffice/audit")
    assert "dispute.decide" in operator.inner_text("#audit")
    operator.screenshot(path=str(shots / "backoffice-audit.png"), full_page=True)
    # The merchant's session opens no back-office page.
    merchant.goto(f"{server.base_url}/backoffice/")
    assert merchant.url.endswith("/backoffice/login")

    merchant.goto(f"{server.base_url}/merchant/disputes")
    assert "closed (merchant)" in merchant.inner_text("#disputes")
    merchant.screenshot(path=str(shots / "merchant-disputes.png"), full_page=True)
    closed = server.database.run(lambda c: disputes.get_dispute(c, dispute_id), readonly=True)
    assert (closed["status"], closed["outcome"]) == ("closed", "merchant")
    assert server.database.run(verify, readonly=True).ok
    api.close()
