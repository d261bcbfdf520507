"""Finnish (fi) versions of the consumer e-mails, by kind.

Addressed with "sinä"; an instalment is an "erä", the reminder fee the "muistutusmaksu".
Amounts and dates stand where their case needs no ending ("maksu {amount}", "{ends_on} asti").
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
        "Suoraveloituksesi {amount} epäonnistui",
        "Hei {name},\n\nPankkisi palautti erän suoraveloituksen {amount} (eräpäivä {due_date},"
        " {reason_text}, koodi {reason}). Erä on taas avoinna: maksa se tilisiirrolla käyttäen sen"
        " viitenumeroa"
        " tai tarkista tilisi, jotta seuraava veloitus onnistuu.\n",
    ),
    billing_mail.PURCHASE_CONFIRMED: (
        "Ostoksesi kaupasta {store}: {total}",
        "Hei {name},\n\nKiitos ostoksestasi {order_ref} kaupasta {store}. Maksusi:\n{schedule}\n\n"
        "Muistutamme sinua ennen jokaista maksua.\n",
    ),
    billing_mail.PAYMENT_RECEIVED: (
        "Maksu vastaanotettu: {amount}",
        "Hei {name},\n\nOlemme vastaanottaneet maksusi {amount} ostoksestasi {order_ref}."
        " Kiitos!\n\nOstoksesta on vielä maksamatta: {outstanding}.\n",
    ),
    collections_mail.CASE_OPENED: (
        "Ostoksesi {order_ref} on siirretty perintään",
        "Hei {name},\n\nOstoksesi {order_ref} maksu on {days} päivää myöhässä, joten velkasi"
        " {amount} on siirretty perintään. Ennen kuin velka on maksettu kokonaan, et voi tehdä"
        " uusia ostoksia paylaterilla.\n\nMaksa koko summa mahdollisimman pian, niin asia saadaan"
        " päätökseen. Jos olet jo maksanut, vastaa tähän viestiin ja liitä mukaan maksutosite.\n",
    ),
    collections_mail.CASE_CLOSED: (
        "Ostoksesi {order_ref} on maksettu: perintäasia on suljettu",
        "Hei {name},\n\nKiitos! Ostos {order_ref} on nyt maksettu kokonaan, ja sen perintäasia on"
        " suljettu. Voit taas ostaa paylaterilla.\n",
    ),
    disputes_mail.OPENED: (
        "Olemme avanneet reklamaatiosi ostoksesta {order_ref}",
        "Hei {name},\n\nOlemme avanneet reklamaatiosi ostoksesta {order_ref} ({amount}). Maksusi"
        " on keskeytetty siksi aikaa. Kaupalla on aikaa vastata {deadline} asti; kerromme sinulle,"
        " kun asia on ratkaistu.\n",
    ),
    disputes_mail.WON: (
        "Reklamaatiosi ostoksesta {order_ref} ratkaistiin hyväksesi",
        "Hei {name},\n\nReklamaatiosi ostoksesta {order_ref} ratkaistiin hyväksesi: {amount}"
        " hyvitetään sinulle.\n",
    ),
    disputes_mail.LOST: (
        "Reklamaatiosi ostoksesta {order_ref} ratkaistiin kaupan hyväksi",
        "Hei {name},\n\nKävimme läpi kaupan vastauksen, ja reklamaatiosi ostoksesta {order_ref}"
        " ratkaistiin kaupan hyväksi. Maksusuunnitelmasi jatkuu.\n",
    ),
    payments_mail.AUTOPAY_FAILED: (
        "Automaattinen maksusi {amount} epäonnistui",
        "Hei {name},\n\nYritimme veloittaa {amount} ostoksestasi {order_ref} kortiltasi {card},"
        " mutta maksu epäonnistui: {reason}.\n\nYritämme uudelleen {next_day}. Voit myös maksaa"
        " nyt tai vaihtaa korttia paylater-tililläsi.\n",
    ),
    payments_mail.AUTOPAY_GAVE_UP: (
        "Maksathan {amount}: automaattinen maksusi epäonnistui",
        "Hei {name},\n\nYritimme useita kertoja veloittaa {amount} ostoksestasi {order_ref}"
        " kortiltasi {card}, mutta se ei onnistunut: {reason}.\n\nEmme enää yritä automaattisesti."
        " Maksathan paylater-tililläsi kortilla tai tilisiirrolla.\n",
    ),
    servicing_mail.UPCOMING: (
        "Maksu {amount} erääntyy {due_date}",
        "Hei {name},\n\nOstoksesi {order_ref} maksu {amount} erääntyy {due_date}. Jos maksat"
        " automaattisesti, sinun ei tarvitse tehdä mitään.\n",
    ),
    servicing_mail.DUE_TODAY: (
        "Maksusi {amount} erääntyy tänään",
        "Hei {name},\n\nOstoksesi {order_ref} maksu {amount} erääntyy tänään ({due_date}).\n",
    ),
    servicing_mail.OVERDUE: (
        "Muistutus: {amount} erääntyi {due_date}",
        "Hei {name},\n\nEmme ole saaneet ostoksesi {order_ref} maksua {amount}, joka erääntyi"
        " {due_date}. Maksathan sen mahdollisimman pian. Jos olet jo maksanut tai ostoksessa on"
        " ongelma, ilmoita siitä paylater-tililläsi, niin keskeytämme laskun.\n",
    ),
    servicing_mail.OVERDUE_WITH_FEE: (
        "Muistutus: {amount} erääntyi {due_date}",
        "Hei {name},\n\nEmme ole saaneet ostoksesi {order_ref} maksua, joka erääntyi {due_date}."
        " Ehtojen mukaisesti siihen on lisätty muistutusmaksu {fee}: maksettavaa on nyt {amount}."
        " Maksathan sen mahdollisimman pian.\n",
    ),
    servicing_mail.PAUSED: (
        "Laskusi on keskeytetty {ends_on} asti",
        "Hei {name},\n\nKiitos, että ilmoitit meille. Ostoksesi {order_ref} on keskeytetty"
        " {ends_on} asti: sillä välin ei muistutuksia eikä kuluja. Seuraava maksusi erääntyy nyt"
        " {next_due}.\n",
    ),
    servicing_mail.PAUSE_EXTENDED: (
        "Laskusi on edelleen keskeytetty {ends_on} asti",
        "Hei {name},\n\nOstoksesi {order_ref} keskeytys jatkuu nyt {ends_on} asti. Seuraava"
        " maksusi erääntyy nyt {next_due}.\n",
    ),
    servicing_mail.RESUMED: (
        "Laskusi on taas aktiivinen",
        "Hei {name},\n\nOstoksesi {order_ref} keskeytys on päättynyt. Maksamatta: {outstanding};"
        " seuraava maksusi erääntyy {next_due}.\n",
    ),
    servicing_mail.REFUNDED: (
        "Kauppa hyvitti {amount}",
        "Hei {name},\n\nKauppa on hyvittänyt {amount} ostoksestasi {order_ref}. Maksamatta:"
        " {outstanding}. Jo maksamasi ylimenevä summa ({payback}) maksetaan sinulle takaisin 14"
        " päivän kuluessa.\n",
    ),
}
