"""Buyer protection end to end in Debian's Chromium against a real server: the consumer opens a
dispute with a photo in My paylater, the merchant sees the file and answers with evidence, an
operator decides for the consumer, and the purchase page, the merchant's disputes and the
merchant's payout all show the outcome.

Skipped when Chromium (``apt-get install chromium``) or the ``playwright`` package is missing.
Screenshots are saved under the test's temporary folder (or ``$PAYLATER_SCREENSHOTS``).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, select

from paylater.backoffice import accounts
from paylater.kit.money import Money
from paylater.ledger.service import verify
from paylater.notifications.models import messages
from paylater.settlement import payouts
from paylater.settlement.settings import get_settings
from tests.api.flows import consumer, session_body
from tests.backoffice.support import PASSWORD
from tests.web.server import Server, running_server

CHROMIUM = "/usr/bin/chromium"
PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EMAIL = "lena@example.se"

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


def _bought_and_captured(api: httpx.Client, email: str, amount: int) -> str:
    body = session_body(amount, "SE")
    session_id = api.post("/payments/v1/sessions", json=body).json()["session_id"]
    authorized = api.post(
        f"/sandbox/v1/sessions/{session_id}/authorize",
        json={"payment_method_category": "pay_in_3", "consumer": consumer(email)},
    ).json()
    order = api.post(
        f"/payments/v1/authorizations/{authorized['authorization_token']}/order", json=body
    )
    assert order.status_code == 200, order.text
    order_id = str(order.json()["order_id"])
    captured = api.post(
        f"/ordermanagement/v1/orders/{order_id}/captures", json={"captured_amount": amount}
    )
    assert captured.status_code == 201, captured.text
    return order_id


def _staff(server: Server) -> None:
    def work(connection: Connection) -> None:
        now = datetime.now(UTC)
        _, link = accounts.invite_user(
            connection, "mer_demo", "owner@demo-shop.example", role="owner", base_url="x", at=now
        )
        accounts.accept_invitation(connection, link.rsplit("/", 1)[1], PASSWORD, now=now)
        accounts.create_operator(
            connection, "ops@lender.example", role="operator", password=PASSWORD, at=now
        )

    server.database.run(work)


def _login_code(server: Server) -> str:
    with server.database.transaction(readonly=True) as connection:
        row = connection.execute(
            select(messages.c.text_body)
            .where(messages.c.to_address == EMAIL, messages.c.kind == "login.code")
            .order_by(messages.c.created_at.desc())
        ).first()
    assert row is not None
    found = re.search(r"\b(\d{6})\b", row.text_body)
    assert found
    return found.group(1)


def _staff_page(browser: Any, server: Server, area: str, email: str) -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(f"{server.base_url}/{area}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#log-in")
    page.wait_for_load_state()
    assert "/login" not in page.url
    return page


def _sek(minor: int) -> str:
    return Money(minor, "SEK").format("en_GB").replace("\xa0", " ")


def _payout_day(server: Server) -> date:
    """The first day on which both purchases' sales are due to the merchant."""
    settings = server.database.run(lambda c: get_settings(c, "mer_demo"), readonly=True)
    day = datetime.now(UTC).date() + timedelta(days=settings.delay_days)
    while not settings.pays_on(day.weekday()):
        day += timedelta(days=1)
    return day


def test_consumer_disputes_merchant_answers_operator_decides_payout_shows_it(
    server: Server, browser: Any, shots: Path, tmp_path: Path
) -> None:
    api = httpx.Client(base_url=server.base_url, auth=(server.username, server.secret))
    order_id = _bought_and_captured(api, EMAIL, 100_000)
    _bought_and_captured(api, "other.buyer@example.se", 300_000)
    _staff(server)
    photo = tmp_path / "broken zip.png"
    photo.write_bytes(PHOTO)

    # The consumer signs in with the code e-mailed to her and disputes the purchase.
    me = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    me.goto(f"{server.base_url}/my/login")
    me.fill("#email", EMAIL)
    me.click("#send-code")
    me.wait_for_selector("#code")
    me.fill("#code", _login_code(server))
    me.click("#verify")
    me.wait_for_url("**/my/")
    me.goto(f"{server.base_url}/my/purchases/{order_id}")
    me.check("#dispute-reason-not_as_described")
    me.fill("#dispute-message", "The jacket is not waterproof as the listing said")
    me.set_input_files("#dispute-files", str(photo))
    me.click("#dispute-button")
    me.wait_for_selector("#dispute-notice")
    box = me.inner_text("#disputes")
    assert "Waiting for the store's answer" in box and "broken zip.png" in box
    assert me.locator("#dispute-form").count() == 0
    me.screenshot(path=str(shots / "consumer-dispute-open.png"), full_page=True)

    # The merchant sees the dispute and its file, downloads it, and answers with evidence.
    merchant = _staff_page(browser, server, "merchant", "owner@demo-shop.example")
    merchant.goto(f"{server.base_url}/merchant/disputes")
    row = merchant.locator("#disputes tr[id^=dispute-]").first
    assert "The jacket is not waterproof" in row.inner_text()
    assert "broken zip.png" in row.locator(".attachments").inner_text()
    with merchant.expect_download() as fetched:
        row.locator(".attachments a").first.click()
    saved = fetched.value.path()
    assert saved is not None and Path(saved).read_bytes() == PHOTO
    merchant.screenshot(path=str(shots / "merchant-dispute-open.png"), full_page=True)
    row.locator("textarea[name=evidence]").fill("Lab report: the jacket passed the rain test")
    row.locator("text=Send evidence").click()
    merchant.wait_for_load_state()
    assert "responded" in merchant.inner_text("#disputes")

    # An operator reads both sides, with the consumer's file, and decides for the consumer.
    operator = _staff_page(browser, server, "backoffice", "ops@lender.example")
    operator.goto(f"{server.base_url}/backoffice/disputes")
    listing = operator.inner_text("#disputes")
    assert "broken zip.png" in listing and "Lab report" in listing
    operator.select_option("select[name=outcome]", "consumer")
    operator.fill("input[name=note]", "The photo shows the seams are not taped")
    operator.screenshot(path=str(shots / "backoffice-dispute.png"), full_page=True)
    operator.click("#disputes button")
    operator.wait_for_load_state()

    # The consumer's purchase page shows the outcome, and the refund.
    me.goto(f"{server.base_url}/my/purchases/{order_id}")
    box = me.inner_text("#disputes")
    assert "Decided in your favour: the purchase is refunded" in box
    assert "The photo shows the seams are not taped" in box
    assert me.locator("[data-outcome=consumer]").count() == 1
    assert _sek(100_000) in me.inner_text("#shipping-title ~ p")
    me.screenshot(path=str(shots / "consumer-dispute-decided.png"), full_page=True)

    # The merchant's view shows it closed for the consumer ...
    merchant.goto(f"{server.base_url}/merchant/disputes")
    assert "closed (consumer)" in merchant.inner_text("#disputes .status")

    # ... and the payout run deducts the lost dispute from what the merchant is paid.
    day = _payout_day(server)
    run = server.database.run(lambda c: payouts.run_payouts(c, day, now=datetime.now(UTC)))
    assert len(run.payouts) == 1
    payout = run.payouts[0]
    totals = server.database.run(lambda c: payouts.payout_totals(c, [payout["id"]]), readonly=True)[
        payout["id"]
    ]
    assert totals["sale_amount"] == 400_000
    assert totals["dispute_hold_amount"] == totals["dispute_release_amount"] == 100_000
    assert totals["dispute_loss_amount"] == 100_000
    assert payout["amount"] == totals["settlement_amount"]
    assert payout["amount"] == 400_000 - totals["fee_amount"] - 100_000
    merchant.goto(f"{server.base_url}/merchant/payouts")
    shown = merchant.inner_text("#payouts").replace("\xa0", " ")
    assert payout["payment_reference"] in shown
    assert f"dispute_loss_amount: {_sek(100_000)}" in shown
    assert _sek(payout["amount"]) in shown
    merchant.screenshot(path=str(shots / "merchant-payouts.png"), full_page=True)
    assert server.database.run(verify, readonly=True).ok
    api.close()
