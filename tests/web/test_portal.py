"""My paylater through TestClient: log-in by code, CSRF, isolation between consumers, numbers."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from paylater.app import create_app
from paylater.config import Settings
from paylater.consumers.service import ConsumerDetails, find_or_create
from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.kit.money import Money
from paylater.ledger.service import verify
from paylater.payments.processor import CardToken, ChargeOutcome, SandboxProcessor
from paylater.web import portal_actions
from tests.web.support import buy, csrf_of, last_code, log_in


def _money(minor: int) -> str:
    return Money(minor, "SEK").format("en_GB")


def _send_code(client: TestClient, email: str) -> Any:
    page = client.get("/my/login")
    return client.post("/my/login", data={"csrf_token": csrf_of(page.text), "email": email})


def test_log_in_with_the_code_sent_by_email(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    buy(client, database, merchant, "ella@example.se", given_name="Ella")
    client.cookies.clear()
    assert client.get("/my/", follow_redirects=False).headers["location"] == "/my/login"
    sent = _send_code(client, "ella@example.se")
    code = last_code(database, "ella@example.se")
    answer = client.post(
        "/my/login/code",
        data={"csrf_token": csrf_of(sent.text), "email": "ella@example.se", "code": code},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "pl_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Hello Ella" in client.get("/my/").text
    # A code works once.
    client.cookies.delete("pl_session")
    again = client.post(
        "/my/login/code",
        data={"csrf_token": csrf_of(sent.text), "email": "ella@example.se", "code": code},
    )
    assert again.status_code == 400


def test_unknown_address_gets_the_same_answer_and_no_mail(
    client: TestClient, database: Database
) -> None:
    answer = _send_code(client, "nobody@example.se")
    assert answer.status_code == 200
    assert "If nobody@example.se has an account" in answer.text
    with pytest.raises(AssertionError):
        last_code(database, "nobody@example.se")


def test_wrong_code_is_refused_and_five_wrong_guesses_kill_the_code(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    buy(client, database, merchant, "olle@example.se")
    client.cookies.clear()
    sent = _send_code(client, "olle@example.se")
    code = last_code(database, "olle@example.se")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    token = csrf_of(sent.text)
    first = client.post(
        "/my/login/code", data={"csrf_token": token, "email": "olle@example.se", "code": wrong}
    )
    assert first.status_code == 400
    assert "That code is not right" in first.text
    for _ in range(4):
        client.post(
            "/my/login/code", data={"csrf_token": token, "email": "olle@example.se", "code": wrong}
        )
    late = client.post(
        "/my/login/code", data={"csrf_token": token, "email": "olle@example.se", "code": code}
    )
    assert late.status_code == 400
    assert "expired or was tried too many times" in late.text
    assert "pl_session" not in client.cookies


@pytest.mark.parametrize(
    ("locale", "subject"),
    [
        ("nb-NO", "Din paylater-kode"),
        ("da-DK", "Din paylater-kode"),
        ("fi-FI", "paylater-koodisi"),
        ("nl-NL", "Uw paylater-code"),
        ("es-ES", "Tu código de paylater"),
        ("it-IT", "Il tuo codice paylater"),
    ],
)
def test_the_code_comes_in_the_consumers_language(
    client: TestClient, database: Database, clock: FixedClock, locale: str, subject: str
) -> None:
    email = f"shopper-{locale.lower()}@example.com"
    database.run(
        lambda connection: find_or_create(
            connection,
            ConsumerDetails(email=email, given_name="Kari", locale=locale),
            default_country=locale[-2:],
            default_locale=locale,
            at=clock.now(),
        )
    )
    _send_code(client, email)
    code = last_code(database, email)
    with database.transaction(readonly=True) as connection:
        sent = connection.execute(
            text("SELECT subject, text_body FROM messages WHERE to_address = :to"), {"to": email}
        ).one()
    assert sent.subject == f"{subject}: {code}"
    assert code in sent.text_body and "10" in sent.text_body


def test_codes_per_address_are_rate_limited(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    buy(client, database, merchant, "rate@example.se")  # one checkout code already
    client.cookies.clear()
    for _ in range(4):
        assert _send_code(client, "rate@example.se").status_code == 200
    refused = _send_code(client, "rate@example.se")
    assert refused.status_code == 400
    assert "Too many codes" in refused.text


def test_posts_without_a_valid_csrf_token_are_refused(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    order_id = buy(client, database, merchant, "csrf@example.se")
    log_in(client, database, "csrf@example.se")
    token = csrf_of(client.get("/my/profile").text)
    targets = [
        "/my/login",
        "/my/login/code",
        "/my/logout",
        f"/my/purchases/{order_id}/pay",
        f"/my/purchases/{order_id}/report",
        "/my/cards",
        "/my/autopay",
        "/my/profile",
        "/demo-shop/cart",
        "/demo-shop/orders",
        "/dev/clock/advance",
    ]
    for path in targets:
        assert client.post(path, data={"given_name": "Mallory"}).status_code == 403, path
        wrong = {"csrf_token": "0" * 64, "given_name": "Mallory"}
        assert client.post(path, data=wrong).status_code == 403, path
    cross_site = client.post(
        "/my/profile",
        data={"csrf_token": token, "given_name": "Mallory"},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    assert "Mallory" not in client.get("/my/profile").text
    # The real token works.
    saved = client.post("/my/profile", data={"csrf_token": token, "given_name": "Carl"})
    assert saved.status_code == 200 and 'value="Carl"' in saved.text


def test_no_page_shows_another_consumers_data(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    theirs = buy(client, database, merchant, "anna@example.se", given_name="Annasecret")
    log_in(client, database, "anna@example.se")
    page = client.get(f"/my/purchases/{theirs}")
    paid = client.post(
        f"/my/purchases/{theirs}/pay",
        data={
            "csrf_token": csrf_of(page.text),
            "method_id": "new",
            "number": "4111111111111111",
            "expiry": "12/30",
            "cvc": "123",
        },
    )
    their_receipt = re.search(r'href="/my/receipts/([^".]+)\.pdf"', paid.text)
    assert their_receipt
    their_message = re.search(r'href="/my/messages/([^"]+)"', client.get("/my/messages").text)
    assert their_message
    client.cookies.clear()

    mine = buy(client, database, merchant, "bo@example.se", given_name="Bo")
    log_in(client, database, "bo@example.se")
    token = csrf_of(client.get("/my/").text)
    for path in (
        f"/my/purchases/{theirs}",
        f"/my/receipts/{their_receipt.group(1)}.pdf",
        f"/my/messages/{their_message.group(1)}",
    ):
        assert client.get(path).status_code == 404, path
    for path in (
        "/my/",
        "/my/payments",
        "/my/messages",
        "/my/cards",
        "/my/profile",
        f"/my/purchases/{mine}",
    ):
        body = client.get(path).text
        assert theirs not in body and "Annasecret" not in body and "anna@" not in body, path
    export = client.get("/my/export.json")
    assert export.status_code == 200
    assert theirs not in export.text and "anna@" not in export.text
    assert mine in export.text
    for path, data in (
        (
            f"/my/purchases/{theirs}/pay",
            {"method_id": "new", "number": "4111111111111111", "expiry": "12/30", "cvc": "123"},
        ),
        (f"/my/purchases/{theirs}/report", {"reason": "other"}),
    ):
        answer = client.post(path, data={"csrf_token": token, **data})
        assert answer.status_code == 404, (path, answer.text[:300])


def test_overview_shows_total_owed_upcoming_payments_and_purchases(
    client: TestClient, database: Database, merchant: dict[str, Any], clock: FixedClock
) -> None:
    email = "nils@example.se"
    first = buy(client, database, merchant, email, amount=90_000, plan="pay_in_3", clock=clock)
    second = buy(client, database, merchant, email, amount=60_000, plan="pay_in_4", clock=clock)
    buy(client, database, merchant, email, amount=45_000, capture=False, clock=clock)
    log_in(client, database, "nils@example.se")
    page = client.get("/my/")
    assert page.status_code == 200
    owed = re.search(r'id="total-owed-SEK">([^<]+)<', page.text)
    assert owed and owed.group(1) == _money(150_000)
    assert re.search(r'id="purchase-count">3<', page.text)
    upcoming = page.text.split('id="upcoming"')[1].split("</table>")[0]
    assert upcoming.count("<tr>") == 1 + 7  # header + 3 + 4 instalments
    assert _money(30_000) in upcoming and _money(15_000) in upcoming
    assert first in page.text and second in page.text
    purchase = client.get(f"/my/purchases/{first}")
    client.post(
        f"/my/purchases/{first}/pay",
        data={
            "csrf_token": csrf_of(purchase.text),
            "scope": "all",
            "method_id": "new",
            "number": "4111111111111111",
            "expiry": "12/30",
            "cvc": "123",
        },
    )
    owed = re.search(r'id="total-owed-SEK">([^<]+)<', client.get("/my/").text)
    assert owed and owed.group(1) == _money(60_000)


def test_declined_card_changes_nothing(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    order_id = buy(client, database, merchant, "decl@example.se")
    log_in(client, database, "decl@example.se")
    page = client.get(f"/my/purchases/{order_id}")
    declined = client.post(
        f"/my/purchases/{order_id}/pay",
        data={
            "csrf_token": csrf_of(page.text),
            "method_id": "new",
            "number": "4000000000000002",
            "expiry": "12/30",
            "cvc": "123",
        },
    )
    assert declined.status_code == 402
    assert "Your card was declined. Nothing was charged." in declined.text
    assert f'id="left-to-pay">{_money(90_000)}<' in declined.text
    assert "No cards saved." in client.get("/my/cards").text


def test_report_payment_not_registered_pauses_the_invoice(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    order_id = buy(client, database, merchant, "paus@example.se")
    log_in(client, database, "paus@example.se")
    page = client.get(f"/my/purchases/{order_id}")
    answer = client.post(
        f"/my/purchases/{order_id}/report",
        data={
            "csrf_token": csrf_of(page.text),
            "reason": "payment_not_registered",
            "proof_reference": "RF18539007547034",
        },
        files={"proof_file": ("proof.txt", b"paid 300 SEK", "text/plain")},
    )
    assert answer.status_code == 200
    assert 'id="paused-note"' in answer.text
    assert "Open: the invoice is paused" in answer.text
    assert "badge paused" in client.get("/my/").text


def test_pages_speak_french_swedish_and_german(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    order_id = buy(client, database, merchant, "lang@example.se")
    log_in(client, database, "lang@example.se")
    expected = {"fr": "Total dû", "sv": "Totalt att betala", "de": "Offener Gesamtbetrag"}
    for language, words in expected.items():
        page = client.get(f"/my/?lang={language}")
        assert page.status_code == 200 and words in page.text, language
        assert f'<html lang="{language}">' in page.text
        for path in (
            f"/my/purchases/{order_id}",
            "/my/payments",
            "/my/messages",
            "/my/cards",
            "/my/profile",
            "/demo-shop/",
            "/demo-shop/cart",
            "/dev/inbox",
        ):
            assert client.get(path).status_code == 200, (language, path)
    sv = client.get("/my/?lang=sv").text
    assert Money(90_000, "SEK").format("sv_SE") in sv


def test_dev_inbox_only_in_the_sandbox(
    database: Database, clock: FixedClock, settings: Settings
) -> None:
    production = settings.model_copy(update={"sandbox": False})
    with TestClient(create_app(production, database, clock)) as client:
        assert client.get("/dev/inbox").status_code == 404


def test_widget_script_and_page_routes_stay_out_of_the_api_document(client: TestClient) -> None:
    script = client.get("/js/paylater.js")
    assert script.status_code == 200
    assert "init" in script.text and "authorize" in script.text
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith(("/my", "/checkout", "/demo-shop"))]


def test_cards_and_autopay(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    buy(client, database, merchant, "auto@example.se")
    log_in(client, database, "auto@example.se")
    page = client.get("/my/cards")
    bad = client.post(
        "/my/cards",
        data={
            "csrf_token": csrf_of(page.text),
            "number": "4111111111111112",
            "expiry": "12/30",
            "cvc": "123",
        },
    )
    assert bad.status_code == 400 and "check digit" in bad.text
    added = client.post(
        "/my/cards",
        data={
            "csrf_token": csrf_of(page.text),
            "number": "5555 5555 5555 4444",
            "expiry": "11/31",
            "cvc": "321",
            "autopay": "on",
        },
    )
    assert added.status_code == 200
    assert "Mastercard •••• 4444" in added.text and "badge paid" in added.text
    assert "5555555555554444" not in client.get("/my/export.json").text
    off = client.post("/my/autopay", data={"csrf_token": csrf_of(added.text), "method_id": ""})
    assert "Use for autopay</button>" in off.text
    method = re.search(r'action="/my/cards/([^"]+)/remove"', off.text)
    assert method
    removed = client.post(
        f"/my/cards/{method.group(1)}/remove", data={"csrf_token": csrf_of(off.text)}
    )
    assert "No cards saved." in removed.text


def test_profile_language_and_address(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    buy(client, database, merchant, "prof@example.se")
    log_in(client, database, "prof@example.se")
    page = client.get("/my/profile")
    assert 'value="Sveavägen 1"' in page.text
    saved = client.post(
        "/my/profile",
        data={
            "csrf_token": csrf_of(page.text),
            "language": "de",
            "city": "Malmö",
            "street_address": "Lilla torg 1",
            "postal_code": "211 34",
        },
    )
    assert saved.status_code == 200
    assert '<html lang="de">' in saved.text and 'value="Malmö"' in saved.text
    client.cookies.delete("pl_lang")
    assert '<html lang="de">' in client.get("/my/").text  # the account's language


def test_only_the_checkout_may_be_framed(client: TestClient, merchant: dict[str, Any]) -> None:
    assert client.get("/my/login").headers["x-frame-options"] == "DENY"
    assert client.get("/demo-shop/").headers["x-frame-options"] == "DENY"
    session = client.post(
        "/payments/v1/sessions",
        headers=merchant["headers"],
        json={
            "purchase_country": "SE",
            "purchase_currency": "SEK",
            "order_amount": 90_000,
            "order_lines": [
                {"name": "Lamp", "quantity": 1, "unit_price": 90_000, "total_amount": 90_000}
            ],
        },
    ).json()
    assert "x-frame-options" not in client.get(f"/checkout/{session['client_token']}").headers


def test_tracking_links_are_only_web_addresses(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    order_id = buy(client, database, merchant, "track@example.se", capture=False)
    captured = client.post(
        f"/ordermanagement/v1/orders/{order_id}/captures",
        headers=merchant["headers"],
        json={
            "captured_amount": 90_000,
            "shipping_info": [
                {
                    "shipping_company": "Bring",
                    "tracking_number": "B1",
                    "tracking_uri": "javascript:alert(document.cookie)",
                },
                {
                    "shipping_company": "DHL",
                    "tracking_number": "D2",
                    "tracking_uri": "https://dhl.example/D2",
                },
            ],
        },
    )
    assert captured.status_code == 201
    log_in(client, database, "track@example.se")
    page = client.get(f"/my/purchases/{order_id}").text
    assert "javascript:" not in page
    assert 'href="https://dhl.example/D2"' in page and "Bring B1" in page


def test_dev_inbox_shows_every_mail_and_whom_to_log_in_as(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    buy(client, database, merchant, "new@example.se", given_name="Nora")
    inbox = client.get("/dev/inbox")
    assert inbox.status_code == 200
    assert "<code>new@example.se</code> — Nora Lind · Purchases: 1" in inbox.text
    assert last_code(database, "new@example.se", "checkout.code") in inbox.text


def test_bank_transfers_show_in_the_payment_history_of_their_consumer_only(
    client: TestClient, database: Database, merchant: dict[str, Any], clock: FixedClock
) -> None:
    from sqlalchemy import select

    from paylater.bank.references import reference_for_instalment
    from paylater.bank.statements import import_file
    from paylater.billing.models import instalments
    from tests.bank.camtfiles import Tx, camt

    order_id = buy(
        client, database, merchant, "ingrid@example.se", amount=90_000, plan="pay_in_3", clock=clock
    )
    first = database.run(
        lambda c: c.execute(
            select(instalments.c.id).where(
                instalments.c.order_id == order_id, instalments.c.seq == 1
            )
        ).scalar_one()
    )
    reference = database.run(lambda c: reference_for_instalment(c, first, clock.now()))
    document = camt([Tx(30_000, "SEK", reference=reference, payer="Ingrid", servicer_ref="T-1")])
    report = database.run(lambda c: import_file(c, document, at=clock.now()))
    assert report.applied == 1
    log_in(client, database, "ingrid@example.se")
    page = client.get("/my/payments").text
    transfers = page.split('id="transfers"')[1].split("</table>")[0]
    assert reference in transfers and _money(30_000) in transfers
    buy(client, database, merchant, "olle@example.se", amount=90_000, clock=clock)
    client.cookies.clear()
    log_in(client, database, "olle@example.se")
    assert 'id="transfers"' not in client.get("/my/payments").text


def _open_write_transactions(database: Database) -> int:
    """Write transactions open on the test's database right now, from any connection."""
    if database.is_sqlite:
        probe = sqlite3.connect(database.url.removeprefix("sqlite:///"), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")  # fails while anyone holds the write lock
            probe.execute("ROLLBACK")
            return 0
        except sqlite3.OperationalError:
            return 1
        finally:
            probe.close()
    with database.engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        )


def test_the_card_processor_answers_with_no_transaction_open(
    client: TestClient,
    database: Database,
    merchant: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A card network takes hundreds of milliseconds to answer: while it does, the portal holds
    no write transaction (on SQLite, no one else's write would get through)."""
    sandbox = SandboxProcessor()
    seen: list[tuple[str, int]] = []

    class Watching:
        name = "sandbox"

        def tokenize(self, **card: Any) -> CardToken:
            seen.append(("tokenize", _open_write_transactions(database)))
            return sandbox.tokenize(**card)

        def charge(self, *, token: str, amount: Money, idempotency_key: str) -> ChargeOutcome:
            seen.append(("charge", _open_write_transactions(database)))
            return sandbox.charge(token=token, amount=amount, idempotency_key=idempotency_key)

    monkeypatch.setattr(portal_actions, "processor_for", lambda _settings: Watching())
    order_id = buy(client, database, merchant, "slow@example.se")
    log_in(client, database, "slow@example.se")
    page = client.get(f"/my/purchases/{order_id}")
    form = {
        "csrf_token": csrf_of(page.text),
        "payment_id": "pay-once",
        "method_id": "new",
        "number": "4111111111111111",
        "expiry": "12/30",
        "cvc": "123",
        "save_autopay": "on",
    }
    paid = client.post(f"/my/purchases/{order_id}/pay", data=form, follow_redirects=False)
    assert paid.status_code == 303
    assert seen == [("tokenize", 0), ("charge", 0)]
    assert f'id="left-to-pay">{_money(60_000)}<' in client.get(f"/my/purchases/{order_id}").text
    # The same form sent again pays nothing more and asks the processor nothing.
    again = client.post(f"/my/purchases/{order_id}/pay", data=form, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == paid.headers["location"]
    assert len(seen) == 2
    cards = client.get("/my/cards").text
    assert cards.count("•••• 1111") == 1
    # The saved card pays the next instalment, again with no transaction open.
    page = client.get(f"/my/purchases/{order_id}")
    method_id = re.search(r'<option value="([^"]+)">Visa', page.text)
    assert method_id and method_id.group(1) != "new"
    client.post(
        f"/my/purchases/{order_id}/pay",
        data={"csrf_token": csrf_of(page.text), "method_id": method_id.group(1)},
    )
    assert seen[2:] == [("charge", 0)]
    assert f'id="left-to-pay">{_money(30_000)}<' in client.get(f"/my/purchases/{order_id}").text
    assert database.run(verify).ok
