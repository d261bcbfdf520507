"""Norwegian Bokmål (nb) versions of the consumer e-mails, by kind.

Addressed with "du"; the reminder fee is the "purregebyr", a direct debit an automatic "trekk"
from the account.
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
        "Det automatiske trekket på {amount} gikk ikke gjennom",
        "Hei {name},\n\nBanken din avviste det automatiske trekket på {amount} for avdraget"
        " med forfall {due_date} ({reason_text}, kode {reason}). Avdraget er åpent igjen: betal"
        " det med"
        " bankoverføring og betalingsreferansen, eller sjekk kontoen din før neste trekk.\n",
    ),
    billing_mail.PURCHASE_CONFIRMED: (
        "Kjøpet ditt hos {store}: {total}",
        "Hei {name},\n\nTakk for kjøpet {order_ref} hos {store}. Betalingene dine:\n{schedule}\n\n"
        "Vi sender deg en påminnelse før hver betaling.\n",
    ),
    billing_mail.PAYMENT_RECEIVED: (
        "Betaling mottatt: {amount}",
        "Hei {name},\n\nVi har mottatt betalingen din på {amount} for kjøpet {order_ref}."
        " Takk!\n\nIgjen å betale for kjøpet: {outstanding}.\n",
    ),
    collections_mail.CASE_OPENED: (
        "Kjøpet ditt {order_ref} er sendt til inkasso",
        "Hei {name},\n\nBetalingen for kjøpet {order_ref} er {days} dager forsinket, så gjelden på"
        " {amount} er sendt til inkasso. Til den er betalt i sin helhet, kan du ikke gjøre nye"
        " kjøp med paylater.\n\nBetal hele beløpet så snart som mulig for å avslutte saken. Hvis"
        " du allerede har betalt, svar med kvitteringen for betalingen.\n",
    ),
    collections_mail.CASE_CLOSED: (
        "Kjøpet ditt {order_ref} er betalt: inkassosaken er avsluttet",
        "Hei {name},\n\nTakk! Kjøpet {order_ref} er nå betalt i sin helhet, og inkassosaken er"
        " avsluttet. Du kan handle med paylater igjen.\n",
    ),
    disputes_mail.OPENED: (
        "Vi har åpnet saken din om kjøpet {order_ref}",
        "Hei {name},\n\nVi har åpnet saken din om kjøpet {order_ref} ({amount}). Betalingene dine"
        " er satt på pause så lenge. Butikken har frist til {deadline} med å svare; vi gir deg"
        " beskjed når saken er avgjort.\n",
    ),
    disputes_mail.WON: (
        "Saken din om kjøpet {order_ref} er avgjort i din favør",
        "Hei {name},\n\nSaken din om kjøpet {order_ref} er avgjort i din favør: {amount} blir"
        " tilbakebetalt.\n",
    ),
    disputes_mail.LOST: (
        "Saken din om kjøpet {order_ref} er avgjort i butikkens favør",
        "Hei {name},\n\nEtter å ha gått gjennom butikkens svar er saken din om kjøpet {order_ref}"
        " avgjort i butikkens favør. Betalingsplanen din fortsetter.\n",
    ),
    payments_mail.AUTOPAY_FAILED: (
        "Den automatiske betalingen din på {amount} gikk ikke gjennom",
        "Hei {name},\n\nVi forsøkte å trekke {amount} for kjøpet {order_ref} fra kortet ditt"
        " {card}, men betalingen gikk ikke gjennom: {reason}.\n\nVi prøver igjen {next_day}. Du"
        " kan også betale nå, eller bytte kort, på kontoen din.\n",
    ),
    payments_mail.AUTOPAY_GAVE_UP: (
        "Betal {amount}: den automatiske betalingen din gikk ikke gjennom",
        "Hei {name},\n\nVi har forsøkt flere ganger å trekke {amount} for kjøpet {order_ref} fra"
        " kortet ditt {card}, uten å lykkes: {reason}.\n\nVi prøver ikke igjen automatisk. Betal"
        " på kontoen din, med kort eller bankoverføring.\n",
    ),
    servicing_mail.UPCOMING: (
        "Betaling på {amount} forfaller {due_date}",
        "Hei {name},\n\nEn betaling på {amount} for kjøpet {order_ref} forfaller {due_date}."
        " Betaler du automatisk, trenger du ikke gjøre noe.\n",
    ),
    servicing_mail.DUE_TODAY: (
        "Betalingen din på {amount} forfaller i dag",
        "Hei {name},\n\nBetalingen din på {amount} for kjøpet {order_ref} forfaller i dag"
        " ({due_date}).\n",
    ),
    servicing_mail.OVERDUE: (
        "Påminnelse: {amount} forfalt {due_date}",
        "Hei {name},\n\nVi har ikke mottatt betalingen din på {amount} for kjøpet {order_ref}, som"
        " forfalt {due_date}. Betal så snart du kan. Har du allerede betalt, eller er det et"
        " problem med kjøpet, gi beskjed på kontoen din, så setter vi fakturaen på pause.\n",
    ),
    servicing_mail.OVERDUE_WITH_FEE: (
        "Påminnelse: {amount} forfalt {due_date}",
        "Hei {name},\n\nVi har ikke mottatt betalingen din for kjøpet {order_ref}, som forfalt"
        " {due_date}. Et purregebyr på {fee} er lagt til i tråd med vilkårene: du skylder nå"
        " {amount}. Betal så snart du kan.\n",
    ),
    servicing_mail.PAUSED: (
        "Fakturaen din er satt på pause til {ends_on}",
        "Hei {name},\n\nTakk for at du ga oss beskjed. Kjøpet {order_ref} er satt på pause til"
        " {ends_on}: ingen påminnelser og ingen gebyrer så lenge. Neste betaling forfaller nå"
        " {next_due}.\n",
    ),
    servicing_mail.PAUSE_EXTENDED: (
        "Fakturaen din er fortsatt på pause til {ends_on}",
        "Hei {name},\n\nPausen for kjøpet {order_ref} varer nå til {ends_on}. Neste betaling"
        " forfaller nå {next_due}.\n",
    ),
    servicing_mail.RESUMED: (
        "Fakturaen din er aktiv igjen",
        "Hei {name},\n\nPausen for kjøpet {order_ref} er over. Igjen å betale: {outstanding};"
        " neste betaling forfaller {next_due}.\n",
    ),
    servicing_mail.REFUNDED: (
        "Butikken har refundert {amount}",
        "Hei {name},\n\nButikken har refundert {amount} for kjøpet {order_ref}. Igjen å betale:"
        " {outstanding}. Det du allerede har betalt utover dette ({payback}), får du tilbake innen"
        " 14 dager.\n",
    ),
}
