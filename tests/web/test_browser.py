"""End to end in Debian's Chromium: buy in the demo shop, then live with it in My paylater.

Skipped when Chromium (``apt-get install chromium``) or the ``playwright`` package is missing.
Screenshots of the main pages are saved under the test's temporary folder (or
``$PAYLATER_SCREENSHOTS`` when set).
"""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from paylater.kit.money import Money
from paylater.notifications.models import messages
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


def sek(minor: int) -> str:
    """An amount as the pages show it to an English-speaking consumer."""
    return Money(minor, "SEK").format("en_GB").replace("\xa0", " ")


def text(page: Any, selector: str) -> str:
    return str(page.inner_text(selector)).replace("\xa0", " ")


def code_for(server: Server, email: str, kind: str) -> str:
    with server.database.transaction(readonly=True) as connection:
        row = connection.execute(
            select(messages.c.text_body)
            .where(messages.c.to_address == email, messages.c.kind == kind)
            .order_by(messages.c.created_at.desc())
        ).first()
    assert row is not None
    found = re.search(r"\b(\d{6})\b", row.text_body)
    assert found
    return found.group(1)


def test_buy_pay_receipt_and_report(server: Server, browser: Any, shots: Path) -> None:
    email = "maja.berg@example.se"
    context = browser.new_context(accept_downloads=True, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)

    # The demo shop: a marketplace with several sellers.
    page.goto(f"{server.base_url}/demo-shop/")
    assert page.locator("h2").count() >= 3
    page.screenshot(path=str(shots / "01-shop.png"), full_page=True)
    page.click("#add-sweater")
    page.wait_for_url("**/demo-shop/cart")
    page.click("#go-checkout")
    page.wait_for_url("**/demo-shop/checkout")
    page.check("#category-pay_in_3")
    widget = page.frame_locator("#paylater-widget iframe")
    widget.locator(".schedule tbody tr").nth(2).wait_for()
    assert widget.locator(".schedule tbody tr").count() == 3
    page.screenshot(path=str(shots / "02-shop-checkout-widget.png"), full_page=True)

    # Authorize in the widget as a new consumer: e-mail, code from the dev inbox, sign-up.
    page.click("#buy")
    checkout = page.frame_locator("iframe[name=paylater-checkout]")
    checkout.locator("#email").fill(email)
    assert checkout.locator("input[name=offer]:checked").get_attribute("value") == "pay_in_3"
    checkout.locator("#continue").click()
    checkout.locator("#code").wait_for()
    inbox = context.new_page()
    inbox.goto(f"{server.base_url}/dev/inbox")
    code = code_for(server, email, "checkout.code")
    assert code in inbox.inner_text("main")
    inbox.screenshot(path=str(shots / "03-dev-inbox.png"), full_page=True)
    inbox.close()
    checkout.locator("#code").fill(code)
    checkout.locator("#verify").click()
    checkout.locator("#given_name").fill("Maja")
    checkout.locator("#family_name").fill("Berg")
    checkout.locator("#date_of_birth").fill("1991-05-17")
    checkout.locator("#street_address").fill("Drottninggatan 5")
    checkout.locator("#postal_code").fill("111 51")
    checkout.locator("#city").fill("Stockholm")
    page.screenshot(path=str(shots / "04-checkout-sign-up.png"), full_page=True)
    checkout.locator("#authorize").click()
    page.wait_for_url("**/demo-shop/orders/**")
    order_id = page.inner_text("#order-id").strip()
    page.screenshot(path=str(shots / "05-order-confirmed.png"), full_page=True)

    # The merchant sees the order through the API.
    answer = httpx.get(
        f"{server.base_url}/ordermanagement/v1/orders/{order_id}",
        auth=(server.username, server.secret),
    )
    assert answer.status_code == 200
    order = answer.json()
    assert order["order_amount"] == 89_900
    assert order["status"] == "CAPTURED"

    # The consumer logs in to My paylater with a code.
    page.goto(f"{server.base_url}/my/login")
    page.fill("#email", email)
    page.click("#send-code")
    page.fill("#code", code_for(server, email, "login.code"))
    page.click("#verify")
    page.wait_for_url(f"{server.base_url}/my/")
    assert sek(89_900) in text(page, "#total-owed-SEK")
    page.screenshot(path=str(shots / "06-portal-overview.png"), full_page=True)
    page.click(f"a[href='/my/purchases/{order_id}']")
    rows = page.locator("#schedule tbody tr")
    assert rows.count() == 3
    assert sek(29_968) in rows.nth(0).inner_text().replace("\xa0", " ")

    # A declined card: a clear error, and nothing changes.
    page.fill("#number", "4000 0000 0000 0002")
    page.fill("#expiry", "12/30")
    page.fill("#cvc", "123")
    page.click("#pay-button")
    assert "declined" in page.inner_text("#pay-error").lower()
    assert text(page, "#left-to-pay") == sek(89_900)
    page.screenshot(path=str(shots / "07-card-declined.png"), full_page=True)

    # Pay the first instalment by card, and download its receipt.
    page.fill("#number", "4111 1111 1111 1111")
    page.fill("#expiry", "12/30")
    page.fill("#cvc", "123")
    page.click("#pay-button")
    page.locator("#paid-notice").wait_for()
    assert text(page, "#left-to-pay") == sek(59_932)
    page.screenshot(path=str(shots / "08-paid.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#receipt-link")
    receipt = Path(download_info.value.path()).read_bytes()
    assert receipt.startswith(b"%PDF")
    pypdf = pytest.importorskip("pypdf")
    printed = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(receipt)).pages)
    assert sek(29_968) in printed.replace("\xa0", " ")
    assert "Receipt" in printed

    # Report "payment not registered": the invoice shows as paused.
    page.check("#reason-payment_not_registered")
    page.fill("#proof_reference", "BANKREF-2026-0042")
    page.click("#report-button")
    page.locator("#paused-note").wait_for()
    assert "paused" in page.inner_text("#paused-note").lower()
    page.screenshot(path=str(shots / "09-paused.png"), full_page=True)
    page.goto(f"{server.base_url}/my/")
    assert page.locator(".badge.paused").count() >= 1
    page.goto(f"{server.base_url}/my/messages")
    assert page.locator("#messages li").count() >= 2
    page.screenshot(path=str(shots / "10-messages.png"), full_page=True)
    context.close()


def test_hosted_payment_page_in_swedish(server: Server, browser: Any, shots: Path) -> None:
    email = "sven.ek@example.se"
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server.base_url}/demo-shop/")
    assert "Lägg i varukorgen" in page.inner_text("main")
    page.click("#add-backpack")
    page.click("#go-checkout")
    # The widget's frame is inserted above the link, and resized as its content loads, so a
    # click can land where the link was a moment before; the link is a plain one: follow it.
    hosted = page.locator("#hosted-link")
    hosted.wait_for(state="visible")
    page.goto(hosted.get_attribute("href") or "")
    assert "/checkout/" in page.url
    assert "Betala med paylater" in page.inner_text("h1")
    page.check("input[value=pay_in_4]")
    page.fill("#email", email)
    page.click("#continue")
    page.fill("#code", code_for(server, email, "checkout.code"))
    page.click("#verify")
    page.fill("#given_name", "Sven")
    page.fill("#family_name", "Ek")
    page.fill("#date_of_birth", "1979-11-30")
    page.fill("#street_address", "Kungsgatan 3")
    page.fill("#postal_code", "411 19")
    page.fill("#city", "Göteborg")
    page.screenshot(path=str(shots / "11-hosted-page-sv.png"), full_page=True)
    page.click("#authorize")
    page.wait_for_url("**/demo-shop/orders/**")
    assert "Tack för din beställning!" in page.inner_text("main")
    order_id = page.inner_text("#order-id").strip()
    answer = httpx.get(
        f"{server.base_url}/ordermanagement/v1/orders/{order_id}",
        auth=(server.username, server.secret),
    )
    assert (answer.json()["status"], answer.json()["order_amount"]) == ("CAPTURED", 149_900)
    context.close()
