"""Every consumer e-mail exists in all ten languages, with the English version's placeholders; a
consumer in Norway gets them in Norwegian."""

from __future__ import annotations

from collections.abc import Callable
from string import Formatter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from paylater.bank.messages import (
    DIRECT_DEBIT_RETURNED,
    RETURN_REASON_CODES,
    return_reason_text,
)
from paylater.billing.service import record_payment
from paylater.config import Settings
from paylater.db import Database
from paylater.jobs import Worker
from paylater.kit.clock import FixedClock
from paylater.kit.money import Money
from paylater.notifications.consumer_mail import add_translations, registered_templates, render
from paylater.notifications.languages import TRANSLATIONS
from paylater.payments.messages import reason_text
from tests.api.flows import capture, consumer, order_consumer, session_body
from tests.notifications.conftest import SmtpServer

LANGUAGES = {"en", "sv", "fr", "de", "nb", "da", "fi", "nl", "es", "it"}
LOCALES = {"nb": "nb-NO", "da": "da-DK", "fi": "fi-FI", "nl": "nl-NL", "es": "es-ES", "it": "it-IT"}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


def test_every_kind_has_every_language() -> None:
    templates = registered_templates()
    assert len(templates) >= 18
    missing = {
        kind: sorted(LANGUAGES - set(by_language))
        for kind, by_language in templates.items()
        if LANGUAGES - set(by_language)
    }
    assert missing == {}
    assert set(TRANSLATIONS) == LANGUAGES - {"en", "sv", "fr", "de"}
    for language, by_kind in TRANSLATIONS.items():
        assert set(by_kind) == set(templates), language


@pytest.mark.parametrize("language", sorted(LANGUAGES - {"en"}))
def test_a_translation_has_the_english_placeholders(language: str) -> None:
    for kind, by_language in registered_templates().items():
        english, translated = by_language["en"], by_language[language]
        assert _placeholders(translated.subject) == _placeholders(english.subject), kind
        assert _placeholders(translated.text) == _placeholders(english.text), kind


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_every_kind_renders_in_the_language(language: str) -> None:
    for kind, by_language in registered_templates().items():
        english = by_language["en"]
        values = {
            name: f"<{name}>"
            for name in _placeholders(english.subject) | _placeholders(english.text)
        }
        rendered = render(kind, LOCALES[language], values)
        assert rendered.subject == by_language[language].subject.format(**values)
        assert rendered.subject != english.subject.format(**values), kind
        assert "{" not in rendered.text and "}" not in rendered.text


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_card_decline_reasons_are_translated(language: str) -> None:
    for reason in ("card_declined", "insufficient_funds", "expired_card"):
        assert reason_text(reason, LOCALES[language]) != reason_text(reason, "en-GB")


def test_a_translation_needs_a_registered_kind_and_known_placeholders() -> None:
    with pytest.raises(KeyError):
        add_translations("no.such_kind", {"nb": ("Emne", "Tekst")})
    with pytest.raises(ValueError, match="unknown placeholders"):
        add_translations(DIRECT_DEBIT_RETURNED, {"nb": ("{amount} {iban}", "Hei {name}")})
    assert "{iban}" not in registered_templates()[DIRECT_DEBIT_RETURNED]["nb"].subject


def _norwegian_order(client: TestClient, headers: dict[str, str], amount: int) -> str:
    body = session_body(amount, "NO", locale="nb-NO")
    session = client.post("/payments/v1/sessions", json=body, headers=headers).json()
    authorized = client.post(
        f"/sandbox/v1/sessions/{session['session_id']}/authorize",
        json={"payment_method_category": "pay_in_3", "consumer": consumer("ingrid@example.no")},
        headers=headers,
    ).json()
    order = client.post(
        f"/payments/v1/authorizations/{authorized['authorization_token']}/order",
        json=body,
        headers=headers,
    )
    assert order.status_code == 200, order.text
    return str(order.json()["order_id"])


def test_a_consumer_in_norway_gets_norwegian_emails(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
    smtp_server: Callable[..., SmtpServer],
    smtp_settings: Callable[[int], Settings],
) -> None:
    server = smtp_server()
    worker = Worker(database, clock=clock, settings=smtp_settings(server.port), worker_id="mail")
    order_id = _norwegian_order(client, merchant["headers"], 90_000)
    assert capture(client, merchant["headers"], order_id, 90_000).status_code == 201
    consumer_id = order_consumer(database, order_id)
    database.run(
        lambda c: record_payment(
            c,
            order_id=order_id,
            consumer_id=consumer_id,
            payment=Money(30_000, "NOK"),
            at=clock.now(),
            channel="card",
        )
    )
    worker.drain()

    received = [item.message for item in server.collector.received]
    assert sorted(str(message["Subject"]) for message in received) == [
        "Betaling mottatt: 300,00\xa0kr",
        "Kjøpet ditt hos Nordic Goods AB: 900,00\xa0kr",
    ]
    assert {message["Content-Language"] for message in received} == {"nb-NO"}
    receipt = next(m for m in received if str(m["Subject"]).startswith("Betaling mottatt"))
    assert "Igjen å betale for kjøpet: 600,00\xa0kr." in receipt.get_content()


@pytest.mark.parametrize("language", sorted(LANGUAGES - {"en"}))
def test_direct_debit_return_reasons_are_translated(language: str) -> None:
    locale = LOCALES.get(language, f"{language}-XX")
    for code in [*sorted(RETURN_REASON_CODES), "XX99"]:
        assert return_reason_text(code, locale) != return_reason_text(code, "en-GB"), code
    assert return_reason_text("AM04", "en-GB") == "insufficient funds"
    assert return_reason_text("XX99", "en-GB") == "returned by the bank"
