"""E-mails about bank payments, in the consumer's language."""

from __future__ import annotations

from paylater.notifications.consumer_mail import register_templates

DIRECT_DEBIT_RETURNED = "bank.direct_debit_returned"
# ``reason_text`` is the bank's return reason in English (see paylater.bank.directdebit.REASONS):
# the other languages give only the reason code.

register_templates(
    DIRECT_DEBIT_RETURNED,
    {
        "en": (
            "Your direct debit of {amount} did not go through",
            "Hello {name},\n\nYour bank returned the direct debit of {amount} for the instalment"
            " due {due_date} ({reason_text}, code {reason}). The instalment is open again: please"
            " pay it by bank transfer with its payment reference, or check your account so that"
            " the next collection succeeds.\n",
        ),
        "sv": (
            "Autogirodragningen på {amount} gick inte igenom",
            "Hej {name},\n\nDin bank returnerade dragningen på {amount} för delbetalningen med"
            " förfallodag {due_date} (kod {reason}). Delbetalningen är öppen igen: betala den med"
            " bankgiro och betalningsreferensen, eller kontrollera ditt konto inför nästa"
            " dragning.\n",
        ),
        "fr": (
            "Votre prélèvement de {amount} n'a pas abouti",
            "Bonjour {name},\n\nVotre banque a rejeté le prélèvement de {amount} pour l'échéance"
            " du {due_date} (code {reason}). L'échéance est de nouveau ouverte : merci de la"
            " régler par virement avec sa référence de paiement, ou de vérifier votre compte pour"
            " le prochain prélèvement.\n",
        ),
        "de": (
            "Ihre Lastschrift über {amount} wurde nicht eingelöst",
            "Hallo {name},\n\nIhre Bank hat die Lastschrift über {amount} für die Rate mit"
            " Fälligkeit {due_date} zurückgegeben (Code {reason}). Die Rate ist wieder offen:"
            " bitte überweisen Sie sie mit ihrer Zahlungsreferenz oder prüfen Sie Ihr Konto für"
            " den nächsten Einzug.\n",
        ),
    },
)
