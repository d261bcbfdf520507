"""The consumer's e-mails about disputes (en, sv, fr, de).

The other languages are in :mod:`paylater.notifications.languages`.
"""

from __future__ import annotations

from paylater.notifications.consumer_mail import register_templates

OPENED = "dispute.opened"
WON = "dispute.won"  # decided for the consumer: refunded
LOST = "dispute.lost"  # decided for the merchant: the plan resumes

register_templates(
    OPENED,
    {
        "en": (
            "We have opened your dispute about purchase {order_ref}",
            "Hello {name},\n\nWe have opened your dispute about purchase {order_ref} ({amount})."
            " Your payments are paused meanwhile. The store has until {deadline} to answer; we"
            " will write to you when it is decided.\n",
        ),
        "sv": (
            "Vi har öppnat ditt ärende om köpet {order_ref}",
            "Hej {name},\n\nVi har öppnat ditt ärende om köpet {order_ref} ({amount}). Dina"
            " betalningar är pausade under tiden. Butiken har till {deadline} på sig att svara;"
            " vi hör av oss när ärendet är avgjort.\n",
        ),
        "fr": (
            "Nous avons ouvert votre litige sur l'achat {order_ref}",
            "Bonjour {name},\n\nNous avons ouvert votre litige sur l'achat {order_ref}"
            " ({amount}). Vos paiements sont suspendus entre-temps. Le magasin a jusqu'au"
            " {deadline} pour répondre ; nous vous écrirons dès qu'il sera tranché.\n",
        ),
        "de": (
            "Wir haben Ihren Einspruch zum Einkauf {order_ref} eröffnet",
            "Hallo {name},\n\nwir haben Ihren Einspruch zum Einkauf {order_ref} ({amount})"
            " eröffnet. Ihre Zahlungen sind so lange pausiert. Der Händler kann bis {deadline}"
            " antworten; wir schreiben Ihnen, sobald entschieden ist.\n",
        ),
    },
)
register_templates(
    WON,
    {
        "en": (
            "Your dispute about purchase {order_ref} was decided in your favour",
            "Hello {name},\n\nYour dispute about purchase {order_ref} was decided in your"
            " favour: {amount} is refunded.\n",
        ),
        "sv": (
            "Ditt ärende om köpet {order_ref} har avgjorts till din fördel",
            "Hej {name},\n\nDitt ärende om köpet {order_ref} har avgjorts till din fördel:"
            " {amount} återbetalas.\n",
        ),
        "fr": (
            "Votre litige sur l'achat {order_ref} a été tranché en votre faveur",
            "Bonjour {name},\n\nVotre litige sur l'achat {order_ref} a été tranché en votre"
            " faveur : {amount} vous est remboursé.\n",
        ),
        "de": (
            "Ihr Einspruch zum Einkauf {order_ref} wurde zu Ihren Gunsten entschieden",
            "Hallo {name},\n\nIhr Einspruch zum Einkauf {order_ref} wurde zu Ihren Gunsten"
            " entschieden: {amount} wird erstattet.\n",
        ),
    },
)
register_templates(
    LOST,
    {
        "en": (
            "Your dispute about purchase {order_ref} was decided for the store",
            "Hello {name},\n\nAfter reviewing the store's answer, your dispute about purchase"
            " {order_ref} was decided for the store. Your payment plan continues.\n",
        ),
        "sv": (
            "Ditt ärende om köpet {order_ref} har avgjorts till butikens fördel",
            "Hej {name},\n\nEfter att ha granskat butikens svar har ditt ärende om köpet"
            " {order_ref} avgjorts till butikens fördel. Din betalplan fortsätter.\n",
        ),
        "fr": (
            "Votre litige sur l'achat {order_ref} a été tranché en faveur du magasin",
            "Bonjour {name},\n\nAprès examen de la réponse du magasin, votre litige sur l'achat"
            " {order_ref} a été tranché en faveur du magasin. Votre échéancier reprend.\n",
        ),
        "de": (
            "Ihr Einspruch zum Einkauf {order_ref} wurde für den Händler entschieden",
            "Hallo {name},\n\nnach Prüfung der Antwort des Händlers wurde Ihr Einspruch zum"
            " Einkauf {order_ref} für den Händler entschieden. Ihr Zahlungsplan läuft weiter.\n",
        ),
    },
)
