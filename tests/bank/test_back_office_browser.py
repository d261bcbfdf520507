"""A bank transfer with a mistyped payment reference, end to end in Debian's Chromium against a
real server: imported as a suggestion, applied by an operator in the back office with one click,
then shown as received in the consumer's My paylater.

Skipped when Chromium (``apt-get install chromium``) or the ``playwright`` package is missing.
Screenshots are saved under the test's temporary folder (or ``$PAYLATER_SCREENSHOTS``).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, func, select

from paylater.backoffice import accounts
from paylater.bank.models import bank_entries, bank_suggestions
from paylater.bank.references import reference_for_instalment
from paylater.bank.statements import ImportReport, import_file
from paylater.billing.messages import PAYMENT_RECEIVED
from paylater.billing.models import instalments
from paylater.kit.money import Money
from paylater.ledger.service import verify
from paylater.notifications.models import messages
from paylater.sandbox.service import shared_clock
from tests.api.flows import consumer, session_body
from tests.backoffice.support import PASSWORD
from tests.bank.camtfiles import Tx, assert_valid, camt
from tests.web.server import Server, running_server

CHROMIUM = "/usr/bin/chromium"
EMAIL = "lena.berg@example.se"
OPERATOR = "olivia@lender.example"
AMOUNT = 90_000

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


def typo(reference: str) -> str:
    """``reference`` with one character in the middle changed, as a payer mistypes it."""
    position = len(reference) // 2
    replacement = "7" if reference[position] != "7" else "8"
    return reference[:position] + replacement + reference[position + 1 :]


def captured_purchase(server: Server) -> str:
    """A pay-in-3 purchase by Lena Berg, authorized in the sandbox and captured in full."""
    with httpx.Client(base_url=server.base_url, auth=(server.username, server.secret)) as api:
        body = session_body(AMOUNT, "SE", merchant_reference1="PW-BANK-1")
        session_id = api.post("/payments/v1/sessions", json=body).json()["session_id"]
        person = consumer(EMAIL, given_name="Lena", family_name="Berg")
        authorized = api.post(
            f"/sandbox/v1/sessions/{session_id}/authorize",
            json={"payment_method_category": "pay_in_3", "consumer": person},
        ).json()
        token = authorized["authorization_token"]
        order = api.post(f"/payments/v1/authorizations/{token}/order", json=body)
        assert order.status_code == 200, order.text
        order_id = str(order.json()["order_id"])
        captured = api.post(
            f"/ordermanagement/v1/orders/{order_id}/captures", json={"captured_amount": AMOUNT}
        )
        assert captured.status_code == 201, captured.text
    return order_id


def first_instalment(connection: Connection, order_id: str) -> Any:
    return connection.execute(
        select(instalments.c.id, instalments.c.amount, instalments.c.status)
        .where(instalments.c.order_id == order_id)
        .order_by(instalments.c.seq)
    ).first()


def code_for(server: Server, email: str) -> str:
    with server.database.transaction(readonly=True) as connection:
        row = connection.execute(
            select(messages.c.text_body)
            .where(messages.c.to_address == email, messages.c.kind == "login.code")
            .order_by(messages.c.created_at.desc(), messages.c.id.desc())
        ).first()
    assert row is not None, f"no code was sent to {email}"
    found = re.search(r"\b(\d{6})\b", row.text_body)
    assert found
    return found.group(1)


def received_mails(server: Server) -> int:
    return int(
        server.database.run(
            lambda c: c.execute(
                select(func.count())
                .select_from(messages)
                .where(messages.c.to_address == EMAIL, messages.c.kind == PAYMENT_RECEIVED)
            ).scalar_one(),
            readonly=True,
        )
    )


def test_operator_applies_a_suggested_transfer_and_the_consumer_sees_it_received(
    server: Server, browser: Any, shots: Path
) -> None:
    clock = shared_clock(server.database)
    order_id = captured_purchase(server)
    first = server.database.run(lambda c: first_instalment(c, order_id), readonly=True)
    assert first.status == "open"
    reference = server.database.run(lambda c: reference_for_instalment(c, first.id, clock.now()))
    mistyped = typo(reference)
    assert mistyped != reference and len(mistyped) == len(reference)

    # The lender's bank notifies a transfer of exactly the instalment, reference one digit off.
    document = camt(
        [
            Tx(
                int(first.amount),
                "SEK",
                reference=mistyped,
                payer="Lena Berg",
                servicer_ref="PW-BANK-TX-1",
                end_to_end_id="PW-E2E-1",
                booked=clock.now().date(),
            )
        ]
    )
    assert_valid(document, "camt.054.001.02")

    def load(connection: Connection) -> ImportReport:
        return import_file(connection, document, at=clock.now(), name="notification.xml")

    report = server.database.run(load)
    assert (report.new_entries, report.applied, report.suggested) == (1, 0, 1)
    entry = server.database.run(
        lambda c: c.execute(select(bank_entries.c.id, bank_entries.c.state)).one(),
        readonly=True,
    )
    assert entry.state == "suggested"
    suggested = server.database.run(
        lambda c: (
            c.execute(
                select(bank_suggestions.c.instalment_id).where(
                    bank_suggestions.c.entry_id == entry.id
                )
            )
            .scalars()
            .all()
        ),
        readonly=True,
    )
    assert list(suggested) == [first.id]
    assert server.database.run(lambda c: first_instalment(c, order_id)).status == "open"
    assert received_mails(server) == 0

    def add_operator(connection: Connection) -> str:
        return accounts.create_operator(
            connection, OPERATOR, role="operator", password=PASSWORD, at=clock.now()
        )

    server.database.run(add_operator)

    # The operator signs in and applies the suggestion from the unmatched queue.
    operator = browser.new_context(locale="en-GB").new_page()
    operator.set_default_timeout(15_000)
    operator.goto(f"{server.base_url}/backoffice/bank")
    assert operator.url.endswith("/backoffice/login")
    operator.fill("input[name=email]", OPERATOR)
    operator.fill("input[name=password]", PASSWORD)
    operator.click("#log-in")
    operator.wait_for_url("**/backoffice/")
    operator.goto(f"{server.base_url}/backoffice/bank")
    queue = text(operator, "#unmatched")
    assert "Lena Berg" in queue and mistyped in queue
    assert "reference_typo" in queue and order_id[:8] in queue
    operator.screenshot(path=str(shots / "01-backoffice-bank-queue.png"), full_page=True)
    one_click = operator.locator(f"form.inline[action='/backoffice/bank/{entry.id}/apply'] button")
    assert one_click.count() == 1
    one_click.click()
    operator.wait_for_url("**/backoffice/bank")
    assert "The queue is empty." in text(operator, "#unmatched")
    operator.screenshot(path=str(shots / "02-backoffice-bank-applied.png"), full_page=True)
    operator.goto(f"{server.base_url}/backoffice/audit")
    applied_row = operator.locator("#audit tr", has_text="bank.apply")
    assert applied_row.count() == 1
    row_text = str(applied_row.inner_text())
    assert OPERATOR in row_text and entry.id in row_text and first.id in row_text
    operator.screenshot(path=str(shots / "03-backoffice-audit.png"), full_page=True)

    # The consumer signs in to My paylater: the instalment is paid, the transfer received.
    page = browser.new_context(locale="en-GB").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server.base_url}/my/login")
    page.fill("#email", EMAIL)
    page.click("#send-code")
    page.fill("#code", code_for(server, EMAIL))
    page.click("#verify")
    page.wait_for_url(f"{server.base_url}/my/")
    page.goto(f"{server.base_url}/my/purchases/{order_id}")
    rows = page.locator("#schedule tbody tr")
    assert rows.count() == 3
    paid_row = rows.nth(0).inner_text().replace("\xa0", " ")
    assert "Paid" in paid_row and sek(int(first.amount)) in paid_row
    assert "Paid" not in rows.nth(1).inner_text()
    assert text(page, "#left-to-pay") == sek(AMOUNT - int(first.amount))
    page.screenshot(path=str(shots / "04-portal-purchase.png"), full_page=True)
    page.goto(f"{server.base_url}/my/payments")
    transfers = page.locator("#transfers tbody tr")
    assert transfers.count() == 1
    transfer = transfers.nth(0).inner_text().replace("\xa0", " ")
    assert sek(int(first.amount)) in transfer and "Received" in transfer
    assert mistyped in transfer
    page.screenshot(path=str(shots / "05-portal-payments.png"), full_page=True)

    after = server.database.run(lambda c: first_instalment(c, order_id), readonly=True)
    assert after.status == "paid"
    assert received_mails(server) == 1
    assert server.database.run(verify, readonly=True).ok
