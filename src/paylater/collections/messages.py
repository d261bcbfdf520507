"""E-mails about debt sent to collections, in the consumer's language."""

from __future__ import annotations

from paylater.notifications.consumer_mail import register_templates

CASE_OPENED = "collections.case_opened"
CASE_CLOSED = "collections.case_closed"

register_templates(
    CASE_OPENED,
    {
        "en": (
            "Your purchase {order_ref} has been sent to collections",
            "Hello {name},\n\nYour payment for purchase {order_ref} is {days} days overdue,"
            " so the debt of {amount} has been sent to collections. Until it is paid in full"
            " you cannot make new purchases with paylater.\n\nPay the full amount as soon as"
            " possible to close the case. If you have already paid, reply with your proof of"
            " payment.\n",
        ),
        "sv": (
            "Ditt köp {order_ref} har lämnats till inkasso",
            "Hej {name},\n\nDin betalning för köpet {order_ref} är {days} dagar försenad,"
            " så skulden på {amount} har lämnats till inkasso. Tills den är helt betald kan du"
            " inte göra nya köp med paylater.\n\nBetala hela beloppet så snart som möjligt för"
            " att avsluta ärendet. Om du redan har betalat, svara med ditt betalningsbevis.\n",
        ),
        "fr": (
            "Votre achat {order_ref} a été transmis au recouvrement",
            "Bonjour {name},\n\nLe paiement de votre achat {order_ref} est en retard de {days}"
            " jours : la dette de {amount} a donc été transmise au recouvrement. Tant qu'elle"
            " n'est pas entièrement réglée, vous ne pouvez pas faire de nouveaux achats avec"
            " paylater.\n\nRéglez la totalité du montant dès que possible pour clore le dossier."
            " Si vous avez déjà payé, répondez avec votre preuve de paiement.\n",
        ),
        "de": (
            "Ihr Einkauf {order_ref} wurde an das Inkasso übergeben",
            "Hallo {name},\n\nIhre Zahlung für den Einkauf {order_ref} ist seit {days} Tagen"
            " überfällig, daher wurde die Forderung von {amount} an das Inkasso übergeben."
            " Solange sie nicht vollständig bezahlt ist, können Sie keine neuen Einkäufe mit"
            " paylater tätigen.\n\nBitte zahlen Sie den gesamten Betrag so bald wie möglich, um"
            " den Fall abzuschließen. Falls Sie bereits bezahlt haben, antworten Sie bitte mit"
            " Ihrem Zahlungsnachweis.\n",
        ),
    },
)

register_templates(
    CASE_CLOSED,
    {
        "en": (
            "Your purchase {order_ref} is paid: the collections case is closed",
            "Hello {name},\n\nThank you: purchase {order_ref} is now paid in full and its"
            " collections case is closed. You can shop with paylater again.\n",
        ),
        "sv": (
            "Ditt köp {order_ref} är betalt: inkassoärendet är avslutat",
            "Hej {name},\n\nTack! Köpet {order_ref} är nu helt betalt och inkassoärendet är"
            " avslutat. Du kan handla med paylater igen.\n",
        ),
        "fr": (
            "Votre achat {order_ref} est réglé : le dossier de recouvrement est clos",
            "Bonjour {name},\n\nMerci : l'achat {order_ref} est désormais entièrement réglé et"
            " son dossier de recouvrement est clos. Vous pouvez de nouveau acheter avec"
            " paylater.\n",
        ),
        "de": (
            "Ihr Einkauf {order_ref} ist bezahlt: der Inkassofall ist abgeschlossen",
            "Hallo {name},\n\nvielen Dank: Der Einkauf {order_ref} ist jetzt vollständig"
            " bezahlt und sein Inkassofall abgeschlossen. Sie können wieder mit paylater"
            " einkaufen.\n",
        ),
    },
)
