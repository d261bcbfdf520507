"""E-mails about payments, in the consumer's language."""

from __future__ import annotations

from paylater.notifications.consumer_mail import register_templates

PAYMENT_RECEIVED = "payment.received"
PURCHASE_CONFIRMED = "purchase.confirmed"

register_templates(
    PURCHASE_CONFIRMED,
    {
        "en": (
            "Your purchase at {store}: {total}",
            "Hello {name},\n\nThank you for your purchase {order_ref} at {store}. Your"
            " payments:\n{schedule}\n\nWe will remind you before each one.\n",
        ),
        "sv": (
            "Ditt köp hos {store}: {total}",
            "Hej {name},\n\nTack för ditt köp {order_ref} hos {store}. Dina betalningar:"
            "\n{schedule}\n\nVi påminner dig före varje betalning.\n",
        ),
        "fr": (
            "Votre achat chez {store} : {total}",
            "Bonjour {name},\n\nMerci pour votre achat {order_ref} chez {store}. Vos"
            " paiements :\n{schedule}\n\nNous vous les rappellerons à l'avance.\n",
        ),
        "de": (
            "Ihr Einkauf bei {store}: {total}",
            "Hallo {name},\n\nvielen Dank für Ihren Einkauf {order_ref} bei {store}. Ihre"
            " Zahlungen:\n{schedule}\n\nWir erinnern Sie vor jeder Zahlung.\n",
        ),
    },
)

register_templates(
    PAYMENT_RECEIVED,
    {
        "en": (
            "Payment received: {amount}",
            "Hello {name},\n\nWe have received your payment of {amount} for your purchase"
            " {order_ref}. Thank you.\n\nStill to pay on this purchase: {outstanding}.\n",
        ),
        "sv": (
            "Betalning mottagen: {amount}",
            "Hej {name},\n\nVi har tagit emot din betalning på {amount} för ditt köp"
            " {order_ref}. Tack!\n\nKvar att betala för köpet: {outstanding}.\n",
        ),
        "fr": (
            "Paiement reçu : {amount}",
            "Bonjour {name},\n\nNous avons bien reçu votre paiement de {amount} pour votre"
            " achat {order_ref}. Merci.\n\nReste à payer pour cet achat : {outstanding}.\n",
        ),
        "de": (
            "Zahlung erhalten: {amount}",
            "Hallo {name},\n\nwir haben Ihre Zahlung von {amount} für Ihren Einkauf"
            " {order_ref} erhalten. Vielen Dank.\n\nNoch offen für diesen Einkauf:"
            " {outstanding}.\n",
        ),
    },
)
