"""E-mails about card payments that failed, in the consumer's language."""

from __future__ import annotations

from paylater.notifications.consumer_mail import FALLBACK_LANGUAGE, language_of, register_templates

AUTOPAY_FAILED = "payments.autopay_failed"  # another attempt will follow
AUTOPAY_GAVE_UP = "payments.autopay_gave_up"  # the last automatic attempt failed

register_templates(
    AUTOPAY_FAILED,
    {
        "en": (
            "Your automatic payment of {amount} did not go through",
            "Hello {name},\n\nWe tried to charge {amount} for your purchase {order_ref} to your"
            " card {card}, but the payment did not go through: {reason}.\n\nWe will try again"
            " on {next_day}. You can also pay now, or change your card, in your account.\n",
        ),
        "sv": (
            "Din automatiska betalning på {amount} gick inte igenom",
            "Hej {name},\n\nVi försökte dra {amount} för ditt köp {order_ref} från ditt kort"
            " {card}, men betalningen gick inte igenom: {reason}.\n\nVi försöker igen den"
            " {next_day}. Du kan också betala nu, eller byta kort, på ditt konto.\n",
        ),
        "fr": (
            "Votre paiement automatique de {amount} n'a pas abouti",
            "Bonjour {name},\n\nNous avons tenté de débiter {amount} pour votre achat"
            " {order_ref} sur votre carte {card}, mais le paiement n'a pas abouti : {reason}."
            "\n\nNous réessaierons le {next_day}. Vous pouvez aussi payer dès maintenant, ou"
            " changer de carte, depuis votre compte.\n",
        ),
        "de": (
            "Ihre automatische Zahlung über {amount} ist fehlgeschlagen",
            "Hallo {name},\n\nwir haben versucht, {amount} für Ihren Einkauf {order_ref} von"
            " Ihrer Karte {card} abzubuchen, aber die Zahlung ist fehlgeschlagen: {reason}."
            "\n\nWir versuchen es am {next_day} erneut. Sie können auch jetzt in Ihrem Konto"
            " bezahlen oder Ihre Karte ändern.\n",
        ),
    },
)

register_templates(
    AUTOPAY_GAVE_UP,
    {
        "en": (
            "Please pay {amount}: your automatic payment did not go through",
            "Hello {name},\n\nWe tried several times to charge {amount} for your purchase"
            " {order_ref} to your card {card}, without success: {reason}.\n\nWe will not try"
            " again automatically. Please pay in your account, by card or bank transfer.\n",
        ),
        "sv": (
            "Betala {amount}: din automatiska betalning gick inte igenom",
            "Hej {name},\n\nVi har försökt flera gånger att dra {amount} för ditt köp"
            " {order_ref} från ditt kort {card}, utan att lyckas: {reason}.\n\nVi försöker inte"
            " igen automatiskt. Betala på ditt konto, med kort eller banköverföring.\n",
        ),
        "fr": (
            "Merci de payer {amount} : votre paiement automatique n'a pas abouti",
            "Bonjour {name},\n\nNous avons tenté plusieurs fois de débiter {amount} pour votre"
            " achat {order_ref} sur votre carte {card}, sans succès : {reason}.\n\nNous ne"
            " réessaierons plus automatiquement. Merci de payer depuis votre compte, par carte"
            " ou par virement.\n",
        ),
        "de": (
            "Bitte zahlen Sie {amount}: Ihre automatische Zahlung ist fehlgeschlagen",
            "Hallo {name},\n\nwir haben mehrmals versucht, {amount} für Ihren Einkauf"
            " {order_ref} von Ihrer Karte {card} abzubuchen, leider ohne Erfolg: {reason}.\n\n"
            "Wir versuchen es nicht mehr automatisch. Bitte zahlen Sie in Ihrem Konto, per"
            " Karte oder Überweisung.\n",
        ),
    },
)

# Why a charge failed, as the consumer reads it.
_REASONS: dict[str, dict[str, str]] = {
    "en": {
        "card_declined": "your bank declined the card",
        "insufficient_funds": "there were not enough funds on the card",
        "expired_card": "the card has expired",
    },
    "sv": {
        "card_declined": "din bank nekade kortet",
        "insufficient_funds": "det fanns inte tillräckligt med pengar på kortet",
        "expired_card": "kortet har gått ut",
    },
    "fr": {
        "card_declined": "votre banque a refusé la carte",
        "insufficient_funds": "le solde de la carte était insuffisant",
        "expired_card": "la carte a expiré",
    },
    "de": {
        "card_declined": "Ihre Bank hat die Karte abgelehnt",
        "insufficient_funds": "die Karte war nicht ausreichend gedeckt",
        "expired_card": "die Karte ist abgelaufen",
    },
    "nb": {
        "card_declined": "banken din avviste kortet",
        "insufficient_funds": "det var ikke nok penger på kortet",
        "expired_card": "kortet er utløpt",
    },
    "da": {
        "card_declined": "din bank afviste kortet",
        "insufficient_funds": "der var ikke penge nok på kortet",
        "expired_card": "kortet er udløbet",
    },
    "fi": {
        "card_declined": "pankkisi hylkäsi kortin",
        "insufficient_funds": "kortilla ei ollut riittävästi katetta",
        "expired_card": "kortti on vanhentunut",
    },
    "nl": {
        "card_declined": "uw bank heeft de kaart geweigerd",
        "insufficient_funds": "er was onvoldoende saldo op de kaart",
        "expired_card": "de kaart is verlopen",
    },
    "es": {
        "card_declined": "tu banco ha rechazado la tarjeta",
        "insufficient_funds": "la tarjeta no tenía saldo suficiente",
        "expired_card": "la tarjeta ha caducado",
    },
    "it": {
        "card_declined": "la tua banca ha rifiutato la carta",
        "insufficient_funds": "il saldo della carta non era sufficiente",
        "expired_card": "la carta è scaduta",
    },
}


def reason_text(reason: str, locale: str) -> str:
    """A decline reason in the language of ``locale`` (English when there is no translation)."""
    by_reason = _REASONS.get(language_of(locale)) or _REASONS[FALLBACK_LANGUAGE]
    return by_reason.get(reason) or _REASONS[FALLBACK_LANGUAGE].get(reason, reason)
