"""Dutch (nl) versions of the consumer e-mails, by kind.

Addressed with "u"; an instalment is a "termijn", a direct debit an "automatische incasso",
the payment reference the "betalingskenmerk".
"""

from __future__ import annotations

from paylater.bank import messages as bank_mail
from paylater.billing import messages as billing_mail
from paylater.collections import messages as collections_mail
from paylater.disputes import messages as disputes_mail
from paylater.payments import messages as payments_mail
from paylater.servicing import messages as servicing_mail

TEMPLATES: dict[str, tuple[str, str]] = {
    bank_mail.DIRECT_DEBIT_RETURNED: (
        "Uw automatische incasso van {amount} is niet gelukt",
        "Beste {name},\n\nUw bank heeft de automatische incasso van {amount} voor de termijn met"
        " vervaldatum {due_date} teruggeboekt ({reason_text}, code {reason}). De termijn staat"
        " weer open: betaal"
        " deze per bankoverschrijving met het betalingskenmerk, of controleer uw rekening zodat de"
        " volgende incasso wel lukt.\n",
    ),
    billing_mail.PURCHASE_CONFIRMED: (
        "Uw aankoop bij {store}: {total}",
        "Beste {name},\n\nBedankt voor uw aankoop {order_ref} bij {store}. Uw betalingen:\n"
        "{schedule}\n\nWe sturen u voor elke betaling een herinnering.\n",
    ),
    billing_mail.PAYMENT_RECEIVED: (
        "Betaling ontvangen: {amount}",
        "Beste {name},\n\nWe hebben uw betaling van {amount} voor uw aankoop {order_ref}"
        " ontvangen. Dank u wel.\n\nNog te betalen voor deze aankoop: {outstanding}.\n",
    ),
    collections_mail.CASE_OPENED: (
        "Uw aankoop {order_ref} is ter incasso uit handen gegeven",
        "Beste {name},\n\nUw betaling voor aankoop {order_ref} is {days} dagen te laat. Daarom is"
        " de schuld van {amount} ter incasso uit handen gegeven. Zolang deze niet volledig is"
        " betaald, kunt u geen nieuwe aankopen doen met paylater.\n\nBetaal het volledige bedrag"
        " zo snel mogelijk om het dossier te sluiten. Heeft u al betaald? Stuur dan een antwoord"
        " met uw betaalbewijs.\n",
    ),
    collections_mail.CASE_CLOSED: (
        "Uw aankoop {order_ref} is betaald: het incassodossier is gesloten",
        "Beste {name},\n\nDank u wel: aankoop {order_ref} is nu volledig betaald en het"
        " incassodossier is gesloten. U kunt weer winkelen met paylater.\n",
    ),
    disputes_mail.OPENED: (
        "We hebben uw geschil over aankoop {order_ref} in behandeling genomen",
        "Beste {name},\n\nWe hebben uw geschil over aankoop {order_ref} ({amount}) in behandeling"
        " genomen. Uw betalingen zijn intussen gepauzeerd. De winkel heeft tot {deadline} om te"
        " reageren; we laten u weten wanneer er een beslissing is.\n",
    ),
    disputes_mail.WON: (
        "Uw geschil over aankoop {order_ref} is in uw voordeel beslist",
        "Beste {name},\n\nUw geschil over aankoop {order_ref} is in uw voordeel beslist: {amount}"
        " wordt terugbetaald.\n",
    ),
    disputes_mail.LOST: (
        "Uw geschil over aankoop {order_ref} is in het voordeel van de winkel beslist",
        "Beste {name},\n\nNa beoordeling van het antwoord van de winkel is uw geschil over aankoop"
        " {order_ref} in het voordeel van de winkel beslist. Uw betaalplan loopt door.\n",
    ),
    payments_mail.AUTOPAY_FAILED: (
        "Uw automatische betaling van {amount} is niet gelukt",
        "Beste {name},\n\nWe hebben geprobeerd {amount} voor uw aankoop {order_ref} af te"
        " schrijven van uw kaart {card}, maar de betaling is niet gelukt: {reason}.\n\nWe proberen"
        " het opnieuw op {next_day}. U kunt ook nu betalen, of uw kaart wijzigen, in uw account.\n",
    ),
    payments_mail.AUTOPAY_GAVE_UP: (
        "Wilt u {amount} betalen? Uw automatische betaling is niet gelukt",
        "Beste {name},\n\nWe hebben meerdere keren geprobeerd {amount} voor uw aankoop {order_ref}"
        " af te schrijven van uw kaart {card}, zonder succes: {reason}.\n\nWe proberen het niet"
        " meer automatisch. Wilt u betalen in uw account, met uw kaart of per"
        " bankoverschrijving?\n",
    ),
    servicing_mail.UPCOMING: (
        "Betaling van {amount} vervalt op {due_date}",
        "Beste {name},\n\nEen betaling van {amount} voor uw aankoop {order_ref} vervalt op"
        " {due_date}. Betaalt u automatisch, dan hoeft u niets te doen.\n",
    ),
    servicing_mail.DUE_TODAY: (
        "Uw betaling van {amount} vervalt vandaag",
        "Beste {name},\n\nUw betaling van {amount} voor uw aankoop {order_ref} vervalt vandaag"
        " ({due_date}).\n",
    ),
    servicing_mail.OVERDUE: (
        "Herinnering: {amount} verviel op {due_date}",
        "Beste {name},\n\nWe hebben uw betaling van {amount} voor uw aankoop {order_ref}, die"
        " verviel op {due_date}, nog niet ontvangen. Wilt u zo snel mogelijk betalen? Heeft u al"
        " betaald of is er een probleem met de aankoop, meld het dan in uw account, dan pauzeren"
        " we de factuur.\n",
    ),
    servicing_mail.OVERDUE_WITH_FEE: (
        "Herinnering: {amount} verviel op {due_date}",
        "Beste {name},\n\nWe hebben uw betaling voor uw aankoop {order_ref}, die verviel op"
        " {due_date}, niet ontvangen. Volgens de voorwaarden zijn er kosten van {fee} bijgekomen:"
        " u bent nu {amount} verschuldigd. Wilt u zo snel mogelijk betalen?\n",
    ),
    servicing_mail.PAUSED: (
        "Uw factuur is gepauzeerd tot {ends_on}",
        "Beste {name},\n\nBedankt voor uw melding. Uw aankoop {order_ref} is gepauzeerd tot"
        " {ends_on}: in die tijd geen herinneringen en geen kosten. Uw volgende betaling vervalt"
        " nu op {next_due}.\n",
    ),
    servicing_mail.PAUSE_EXTENDED: (
        "Uw factuur blijft gepauzeerd tot {ends_on}",
        "Beste {name},\n\nDe pauze voor uw aankoop {order_ref} duurt nu tot {ends_on}. Uw volgende"
        " betaling vervalt nu op {next_due}.\n",
    ),
    servicing_mail.RESUMED: (
        "Uw factuur is weer actief",
        "Beste {name},\n\nDe pauze voor uw aankoop {order_ref} is afgelopen. Nog te betalen:"
        " {outstanding}; uw volgende betaling vervalt op {next_due}.\n",
    ),
    servicing_mail.REFUNDED: (
        "De winkel heeft {amount} terugbetaald",
        "Beste {name},\n\nDe winkel heeft {amount} terugbetaald op uw aankoop {order_ref}. Nog te"
        " betalen: {outstanding}. Wat u daarboven al had betaald ({payback}), ontvangt u binnen 14"
        " dagen.\n",
    ),
}
