"""The consumer's e-mails about due dates, reminders, fees and pauses (en, sv, fr, de).

The other languages are in :mod:`paylater.notifications.languages`.
"""

from __future__ import annotations

from paylater.notifications.consumer_mail import register_templates

UPCOMING = "reminder.upcoming"
DUE_TODAY = "reminder.due"
OVERDUE = "reminder.overdue"
OVERDUE_WITH_FEE = "reminder.overdue_fee"
PAUSED = "invoice.paused"
PAUSE_EXTENDED = "invoice.pause_extended"
RESUMED = "invoice.resumed"
REFUNDED = "refund.processed"

register_templates(
    UPCOMING,
    {
        "en": (
            "Payment of {amount} due on {due_date}",
            "Hello {name},\n\nA payment of {amount} for your purchase {order_ref} is due on"
            " {due_date}. Nothing to do if you pay automatically.\n",
        ),
        "sv": (
            "Betalning på {amount} förfaller {due_date}",
            "Hej {name},\n\nEn betalning på {amount} för ditt köp {order_ref} förfaller"
            " {due_date}. Betalar du automatiskt behöver du inte göra något.\n",
        ),
        "fr": (
            "Paiement de {amount} à régler le {due_date}",
            "Bonjour {name},\n\nUn paiement de {amount} pour votre achat {order_ref} est à"
            " régler le {due_date}. Rien à faire si vous payez automatiquement.\n",
        ),
        "de": (
            "Zahlung von {amount} fällig am {due_date}",
            "Hallo {name},\n\neine Zahlung von {amount} für Ihren Einkauf {order_ref} ist am"
            " {due_date} fällig. Bei automatischer Zahlung müssen Sie nichts tun.\n",
        ),
    },
)
register_templates(
    DUE_TODAY,
    {
        "en": (
            "Your payment of {amount} is due today",
            "Hello {name},\n\nYour payment of {amount} for your purchase {order_ref} is due"
            " today ({due_date}).\n",
        ),
        "sv": (
            "Din betalning på {amount} förfaller i dag",
            "Hej {name},\n\nDin betalning på {amount} för ditt köp {order_ref} förfaller i dag"
            " ({due_date}).\n",
        ),
        "fr": (
            "Votre paiement de {amount} est à régler aujourd'hui",
            "Bonjour {name},\n\nVotre paiement de {amount} pour votre achat {order_ref} est à"
            " régler aujourd'hui ({due_date}).\n",
        ),
        "de": (
            "Ihre Zahlung von {amount} ist heute fällig",
            "Hallo {name},\n\nIhre Zahlung von {amount} für Ihren Einkauf {order_ref} ist heute"
            " ({due_date}) fällig.\n",
        ),
    },
)
register_templates(
    OVERDUE,
    {
        "en": (
            "Reminder: {amount} was due on {due_date}",
            "Hello {name},\n\nWe have not received your payment of {amount} for your purchase"
            " {order_ref}, due on {due_date}. Please pay as soon as you can. If you have already"
            " paid, or there is a problem with the purchase, report it in your account and we"
            " will pause the invoice.\n",
        ),
        "sv": (
            "Påminnelse: {amount} förföll {due_date}",
            "Hej {name},\n\nVi har inte fått din betalning på {amount} för ditt köp {order_ref}"
            " som förföll {due_date}. Betala så snart du kan. Har du redan betalat, eller är"
            " det problem med köpet, anmäl det i ditt konto så pausar vi fakturan.\n",
        ),
        "fr": (
            "Rappel : {amount} était à régler le {due_date}",
            "Bonjour {name},\n\nNous n'avons pas reçu votre paiement de {amount} pour votre"
            " achat {order_ref}, à régler le {due_date}. Merci de payer dès que possible. Si"
            " vous avez déjà payé ou si l'achat pose problème, signalez-le dans votre espace et"
            " nous mettrons la facture en pause.\n",
        ),
        "de": (
            "Erinnerung: {amount} war am {due_date} fällig",
            "Hallo {name},\n\nwir haben Ihre Zahlung von {amount} für Ihren Einkauf"
            " {order_ref}, fällig am {due_date}, noch nicht erhalten. Bitte zahlen Sie so bald"
            " wie möglich. Wenn Sie bereits gezahlt haben oder es ein Problem mit dem Einkauf"
            " gibt, melden Sie es in Ihrem Konto, und wir pausieren die Rechnung.\n",
        ),
    },
)
register_templates(
    OVERDUE_WITH_FEE,
    {
        "en": (
            "Reminder: {amount} was due on {due_date}",
            "Hello {name},\n\nWe have not received your payment for your purchase {order_ref},"
            " due on {due_date}. A fee of {fee} has been added as agreed in the terms: you now"
            " owe {amount}. Please pay as soon as you can.\n",
        ),
        "sv": (
            "Påminnelse: {amount} förföll {due_date}",
            "Hej {name},\n\nVi har inte fått din betalning för ditt köp {order_ref} som förföll"
            " {due_date}. En påminnelseavgift på {fee} har lagts till enligt villkoren: att"
            " betala nu är {amount}. Betala så snart du kan.\n",
        ),
        "fr": (
            "Rappel : {amount} était à régler le {due_date}",
            "Bonjour {name},\n\nNous n'avons pas reçu votre paiement pour votre achat"
            " {order_ref}, à régler le {due_date}. Des frais de {fee} ont été ajoutés comme"
            " prévu aux conditions : vous devez maintenant {amount}.\n",
        ),
        "de": (
            "Erinnerung: {amount} war am {due_date} fällig",
            "Hallo {name},\n\nwir haben Ihre Zahlung für Ihren Einkauf {order_ref}, fällig am"
            " {due_date}, nicht erhalten. Gemäß den Bedingungen wurde eine Gebühr von {fee}"
            " hinzugefügt: offen sind jetzt {amount}.\n",
        ),
    },
)
register_templates(
    PAUSED,
    {
        "en": (
            "Your invoice is paused until {ends_on}",
            "Hello {name},\n\nThanks for telling us. Your purchase {order_ref} is paused until"
            " {ends_on}: no reminders and no fees meanwhile. Your next payment is now due on"
            " {next_due}.\n",
        ),
        "sv": (
            "Din faktura är pausad till {ends_on}",
            "Hej {name},\n\nTack för att du hörde av dig. Ditt köp {order_ref} är pausat till"
            " {ends_on}: inga påminnelser och inga avgifter under tiden. Nästa betalning"
            " förfaller nu {next_due}.\n",
        ),
        "fr": (
            "Votre facture est en pause jusqu'au {ends_on}",
            "Bonjour {name},\n\nMerci de nous avoir prévenus. Votre achat {order_ref} est en"
            " pause jusqu'au {ends_on} : ni rappel ni frais d'ici là. Votre prochain paiement"
            " est désormais dû le {next_due}.\n",
        ),
        "de": (
            "Ihre Rechnung ist bis {ends_on} pausiert",
            "Hallo {name},\n\ndanke für Ihre Nachricht. Ihr Einkauf {order_ref} ist bis"
            " {ends_on} pausiert: keine Erinnerungen und keine Gebühren. Ihre nächste Zahlung"
            " ist jetzt am {next_due} fällig.\n",
        ),
    },
)
register_templates(
    PAUSE_EXTENDED,
    {
        "en": (
            "Your invoice stays paused until {ends_on}",
            "Hello {name},\n\nThe pause on your purchase {order_ref} now lasts until {ends_on}."
            " Your next payment is now due on {next_due}.\n",
        ),
        "sv": (
            "Din faktura är pausad till {ends_on}",
            "Hej {name},\n\nPausen för ditt köp {order_ref} gäller nu till {ends_on}. Nästa"
            " betalning förfaller nu {next_due}.\n",
        ),
        "fr": (
            "Votre facture reste en pause jusqu'au {ends_on}",
            "Bonjour {name},\n\nLa pause de votre achat {order_ref} dure maintenant jusqu'au"
            " {ends_on}. Votre prochain paiement est dû le {next_due}.\n",
        ),
        "de": (
            "Ihre Rechnung bleibt bis {ends_on} pausiert",
            "Hallo {name},\n\ndie Pause für Ihren Einkauf {order_ref} dauert jetzt bis"
            " {ends_on}. Ihre nächste Zahlung ist am {next_due} fällig.\n",
        ),
    },
)
register_templates(
    RESUMED,
    {
        "en": (
            "Your invoice is active again",
            "Hello {name},\n\nThe pause on your purchase {order_ref} has ended. Still to pay:"
            " {outstanding}; your next payment is due on {next_due}.\n",
        ),
        "sv": (
            "Din faktura är aktiv igen",
            "Hej {name},\n\nPausen för ditt köp {order_ref} har upphört. Kvar att betala:"
            " {outstanding}; nästa betalning förfaller {next_due}.\n",
        ),
        "fr": (
            "Votre facture est de nouveau active",
            "Bonjour {name},\n\nLa pause de votre achat {order_ref} est terminée. Reste à payer"
            " : {outstanding} ; prochain paiement le {next_due}.\n",
        ),
        "de": (
            "Ihre Rechnung ist wieder aktiv",
            "Hallo {name},\n\ndie Pause für Ihren Einkauf {order_ref} ist beendet. Noch offen:"
            " {outstanding}; Ihre nächste Zahlung ist am {next_due} fällig.\n",
        ),
    },
)
register_templates(
    REFUNDED,
    {
        "en": (
            "The store refunded {amount}",
            "Hello {name},\n\nThe store has refunded {amount} on your purchase {order_ref}."
            " Still to pay: {outstanding}. Money you had already paid beyond that ({payback})"
            " reaches you within 14 days.\n",
        ),
        "sv": (
            "Butiken har återbetalat {amount}",
            "Hej {name},\n\nButiken har återbetalat {amount} för ditt köp {order_ref}. Kvar att"
            " betala: {outstanding}. Det du redan betalat utöver det ({payback}) får du inom"
            " 14 dagar.\n",
        ),
        "fr": (
            "Le magasin a remboursé {amount}",
            "Bonjour {name},\n\nLe magasin a remboursé {amount} sur votre achat {order_ref}."
            " Reste à payer : {outstanding}. Ce que vous aviez déjà payé au-delà ({payback})"
            " vous parvient sous 14 jours.\n",
        ),
        "de": (
            "Der Shop hat {amount} erstattet",
            "Hallo {name},\n\nder Shop hat {amount} für Ihren Einkauf {order_ref} erstattet."
            " Noch offen: {outstanding}. Was Sie darüber hinaus bereits gezahlt haben"
            " ({payback}), erhalten Sie innerhalb von 14 Tagen.\n",
        ),
    },
)
