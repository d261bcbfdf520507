"""Danish (da) versions of the consumer e-mails, by kind.

Addressed with "du"; the reminder fee is the "rykkergebyr", a direct debit an automatic "træk"
from the account. Amounts end in "kr.", so no sentence ends with an amount.
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
        "Det automatiske træk på {amount} gik ikke igennem",
        "Hej {name},\n\nDin bank afviste det automatiske træk på {amount} for raten med"
        " forfaldsdato {due_date} ({reason_text}, kode {reason}). Raten er åben igen: betal den med"
        " bankoverførsel og betalingsreferencen, eller tjek din konto inden næste træk.\n",
    ),
    billing_mail.PURCHASE_CONFIRMED: (
        "Dit køb hos {store}: {total}",
        "Hej {name},\n\nTak for dit køb {order_ref} hos {store}. Dine betalinger:\n{schedule}\n\n"
        "Vi minder dig om hver betaling, inden den forfalder.\n",
    ),
    billing_mail.PAYMENT_RECEIVED: (
        "Betaling modtaget: {amount}",
        "Hej {name},\n\nVi har modtaget din betaling på {amount} for dit køb {order_ref}. Tak!\n\n"
        "Der er {outstanding} tilbage at betale for købet.\n",
    ),
    collections_mail.CASE_OPENED: (
        "Dit køb {order_ref} er sendt til inkasso",
        "Hej {name},\n\nDin betaling for købet {order_ref} er {days} dage forsinket, så gælden på"
        " {amount} er sendt til inkasso. Indtil den er betalt fuldt ud, kan du ikke foretage nye"
        " køb med paylater.\n\nBetal hele beløbet så hurtigt som muligt for at lukke sagen. Hvis"
        " du allerede har betalt, så svar med din kvittering for betalingen.\n",
    ),
    collections_mail.CASE_CLOSED: (
        "Dit køb {order_ref} er betalt: inkassosagen er lukket",
        "Hej {name},\n\nTak! Købet {order_ref} er nu betalt fuldt ud, og inkassosagen er lukket."
        " Du kan handle med paylater igen.\n",
    ),
    disputes_mail.OPENED: (
        "Vi har oprettet din indsigelse om købet {order_ref}",
        "Hej {name},\n\nVi har oprettet din indsigelse om købet {order_ref} ({amount}). Dine"
        " betalinger er sat på pause imens. Butikken har frist til {deadline} til at svare; vi"
        " skriver til dig, når der er truffet en afgørelse.\n",
    ),
    disputes_mail.WON: (
        "Din indsigelse om købet {order_ref} er afgjort til din fordel",
        "Hej {name},\n\nDin indsigelse om købet {order_ref} er afgjort til din fordel: {amount}"
        " bliver tilbagebetalt.\n",
    ),
    disputes_mail.LOST: (
        "Din indsigelse om købet {order_ref} er afgjort til butikkens fordel",
        "Hej {name},\n\nEfter at have gennemgået butikkens svar er din indsigelse om købet"
        " {order_ref} afgjort til butikkens fordel. Din betalingsplan fortsætter.\n",
    ),
    payments_mail.AUTOPAY_FAILED: (
        "Din automatiske betaling på {amount} gik ikke igennem",
        "Hej {name},\n\nVi forsøgte at trække {amount} for dit køb {order_ref} på dit kort {card},"
        " men betalingen gik ikke igennem: {reason}.\n\nVi prøver igen den {next_day}. Du kan også"
        " betale nu eller skifte kort på din konto.\n",
    ),
    payments_mail.AUTOPAY_GAVE_UP: (
        "Betal {amount}: din automatiske betaling gik ikke igennem",
        "Hej {name},\n\nVi har flere gange forsøgt at trække {amount} for dit køb {order_ref} på"
        " dit kort {card}, uden held: {reason}.\n\nVi prøver ikke igen automatisk. Betal på din"
        " konto med kort eller bankoverførsel.\n",
    ),
    servicing_mail.UPCOMING: (
        "Betaling på {amount} forfalder {due_date}",
        "Hej {name},\n\nEn betaling på {amount} for dit køb {order_ref} forfalder {due_date}."
        " Betaler du automatisk, skal du ikke gøre noget.\n",
    ),
    servicing_mail.DUE_TODAY: (
        "Din betaling på {amount} forfalder i dag",
        "Hej {name},\n\nDin betaling på {amount} for dit køb {order_ref} forfalder i dag"
        " ({due_date}).\n",
    ),
    servicing_mail.OVERDUE: (
        "Påmindelse: {amount} forfaldt {due_date}",
        "Hej {name},\n\nVi har ikke modtaget din betaling på {amount} for dit køb {order_ref}, som"
        " forfaldt {due_date}. Betal venligst så hurtigt som muligt. Har du allerede betalt, eller"
        " er der et problem med købet, så giv besked på din konto, så sætter vi fakturaen på"
        " pause.\n",
    ),
    servicing_mail.OVERDUE_WITH_FEE: (
        "Påmindelse: {amount} forfaldt {due_date}",
        "Hej {name},\n\nVi har ikke modtaget din betaling for dit køb {order_ref}, som forfaldt"
        " {due_date}. Der er lagt et rykkergebyr på {fee} til i henhold til betingelserne: du"
        " skylder nu {amount} i alt. Betal venligst så hurtigt som muligt.\n",
    ),
    servicing_mail.PAUSED: (
        "Din faktura er sat på pause til {ends_on}",
        "Hej {name},\n\nTak, fordi du gav besked. Dit køb {order_ref} er sat på pause til"
        " {ends_on}: ingen påmindelser og ingen gebyrer imens. Din næste betaling forfalder nu"
        " {next_due}.\n",
    ),
    servicing_mail.PAUSE_EXTENDED: (
        "Din faktura er fortsat på pause til {ends_on}",
        "Hej {name},\n\nPausen for dit køb {order_ref} varer nu til {ends_on}. Din næste betaling"
        " forfalder nu {next_due}.\n",
    ),
    servicing_mail.RESUMED: (
        "Din faktura er aktiv igen",
        "Hej {name},\n\nPausen for dit køb {order_ref} er slut. Tilbage at betale: {outstanding};"
        " din næste betaling forfalder {next_due}.\n",
    ),
    servicing_mail.REFUNDED: (
        "Butikken har refunderet {amount}",
        "Hej {name},\n\nButikken har refunderet {amount} for dit køb {order_ref}. Der er"
        " {outstanding} tilbage at betale. Det, du allerede har betalt ud over det ({payback}),"
        " får du inden for 14 dage.\n",
    ),
}
