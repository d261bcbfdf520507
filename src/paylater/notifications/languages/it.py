"""Italian (it) versions of the consumer e-mails, by kind.

Addressed with "tu"; an instalment is a "rata", a direct debit an "addebito diretto", the
payment reference goes in the "causale" of a "bonifico". Dates follow "in data", "con scadenza"
or "fino al giorno", so that no article has to agree with the day ("l'8", "il 9").
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
        "Il tuo addebito diretto di {amount} non è andato a buon fine",
        "Ciao {name},\n\nla tua banca ha respinto l'addebito diretto di {amount} per la rata con"
        " scadenza {due_date} ({reason_text}, codice {reason}). La rata è di nuovo da pagare:"
        " saldala con un"
        " bonifico indicando nella causale il suo riferimento di pagamento, oppure controlla il"
        " tuo conto perché il prossimo addebito vada a buon fine.\n",
    ),
    billing_mail.PURCHASE_CONFIRMED: (
        "Il tuo acquisto presso {store}: {total}",
        "Ciao {name},\n\ngrazie per il tuo acquisto {order_ref} presso {store}. I tuoi"
        " pagamenti:\n{schedule}\n\nTi invieremo un promemoria prima di ognuno.\n",
    ),
    billing_mail.PAYMENT_RECEIVED: (
        "Pagamento ricevuto: {amount}",
        "Ciao {name},\n\nabbiamo ricevuto il tuo pagamento di {amount} per l'acquisto {order_ref}."
        " Grazie.\n\nAncora da pagare per questo acquisto: {outstanding}.\n",
    ),
    collections_mail.CASE_OPENED: (
        "Il tuo acquisto {order_ref} è stato affidato al recupero crediti",
        "Ciao {name},\n\nil pagamento del tuo acquisto {order_ref} è in ritardo di {days} giorni,"
        " quindi il debito di {amount} è stato affidato al recupero crediti. Finché non sarà"
        " saldato per intero, non potrai fare nuovi acquisti con paylater.\n\nPaga l'intero"
        " importo il prima possibile per chiudere la pratica. Se hai già pagato, rispondi con la"
        " ricevuta del pagamento.\n",
    ),
    collections_mail.CASE_CLOSED: (
        "Il tuo acquisto {order_ref} è saldato: la pratica di recupero crediti è chiusa",
        "Ciao {name},\n\ngrazie: l'acquisto {order_ref} è ora saldato per intero e la sua pratica"
        " di recupero crediti è chiusa. Puoi di nuovo acquistare con paylater.\n",
    ),
    disputes_mail.OPENED: (
        "Abbiamo aperto la tua contestazione sull'acquisto {order_ref}",
        "Ciao {name},\n\nabbiamo aperto la tua contestazione sull'acquisto {order_ref} ({amount})."
        " Nel frattempo i tuoi pagamenti sono sospesi. Il negozio ha tempo fino al giorno"
        " {deadline} per rispondere; ti scriveremo quando sarà presa una decisione.\n",
    ),
    disputes_mail.WON: (
        "La tua contestazione sull'acquisto {order_ref} si è conclusa a tuo favore",
        "Ciao {name},\n\nla tua contestazione sull'acquisto {order_ref} si è conclusa a tuo"
        " favore: ti verrà rimborsato l'importo di {amount}.\n",
    ),
    disputes_mail.LOST: (
        "La tua contestazione sull'acquisto {order_ref} si è conclusa a favore del negozio",
        "Ciao {name},\n\ndopo aver esaminato la risposta del negozio, la tua contestazione"
        " sull'acquisto {order_ref} si è conclusa a favore del negozio. Il tuo piano di pagamento"
        " prosegue.\n",
    ),
    payments_mail.AUTOPAY_FAILED: (
        "Il tuo pagamento automatico di {amount} non è andato a buon fine",
        "Ciao {name},\n\nabbiamo provato ad addebitare {amount} sulla tua carta {card} per"
        " l'acquisto {order_ref}, ma il pagamento non è andato a buon fine: {reason}.\n\n"
        "Riproveremo in data {next_day}. Puoi anche pagare subito, o cambiare carta, dal tuo"
        " account.\n",
    ),
    payments_mail.AUTOPAY_GAVE_UP: (
        "Ti chiediamo di pagare {amount}: il tuo pagamento automatico non è andato a buon fine",
        "Ciao {name},\n\nabbiamo provato più volte ad addebitare {amount} sulla tua carta {card}"
        " per l'acquisto {order_ref}, senza successo: {reason}.\n\nNon riproveremo più in"
        " automatico. Ti chiediamo di pagare dal tuo account, con carta o con bonifico.\n",
    ),
    servicing_mail.UPCOMING: (
        "Pagamento di {amount} con scadenza {due_date}",
        "Ciao {name},\n\nun pagamento di {amount} per il tuo acquisto {order_ref} scade in data"
        " {due_date}. Se paghi in automatico, non devi fare nulla.\n",
    ),
    servicing_mail.DUE_TODAY: (
        "Il tuo pagamento di {amount} scade oggi",
        "Ciao {name},\n\nil tuo pagamento di {amount} per l'acquisto {order_ref} scade oggi"
        " ({due_date}).\n",
    ),
    servicing_mail.OVERDUE: (
        "Promemoria: pagamento di {amount} scaduto in data {due_date}",
        "Ciao {name},\n\nnon abbiamo ricevuto il tuo pagamento di {amount} per l'acquisto"
        " {order_ref}, scaduto in data {due_date}. Ti chiediamo di pagare il prima possibile. Se"
        " hai già pagato, o se c'è un problema con l'acquisto, segnalalo dal tuo account e"
        " sospenderemo la fattura.\n",
    ),
    servicing_mail.OVERDUE_WITH_FEE: (
        "Promemoria: pagamento di {amount} scaduto in data {due_date}",
        "Ciao {name},\n\nnon abbiamo ricevuto il tuo pagamento per l'acquisto {order_ref}, scaduto"
        " in data {due_date}. Come previsto dalle condizioni, è stata aggiunta una commissione di"
        " {fee}: ora l'importo dovuto è di {amount}. Ti chiediamo di pagare il prima possibile.\n",
    ),
    servicing_mail.PAUSED: (
        "La tua fattura è sospesa fino al giorno {ends_on}",
        "Ciao {name},\n\ngrazie per avercelo segnalato. Il tuo acquisto {order_ref} è sospeso fino"
        " al giorno {ends_on}: nel frattempo nessun promemoria e nessuna commissione. Il tuo"
        " prossimo pagamento ora scade in data {next_due}.\n",
    ),
    servicing_mail.PAUSE_EXTENDED: (
        "La tua fattura resta sospesa fino al giorno {ends_on}",
        "Ciao {name},\n\nla sospensione del tuo acquisto {order_ref} ora dura fino al giorno"
        " {ends_on}. Il tuo prossimo pagamento ora scade in data {next_due}.\n",
    ),
    servicing_mail.RESUMED: (
        "La tua fattura è di nuovo attiva",
        "Ciao {name},\n\nla sospensione del tuo acquisto {order_ref} è terminata. Ancora da"
        " pagare: {outstanding}; il tuo prossimo pagamento scade in data {next_due}.\n",
    ),
    servicing_mail.REFUNDED: (
        "Il negozio ha rimborsato {amount}",
        "Ciao {name},\n\nil negozio ha rimborsato {amount} sul tuo acquisto {order_ref}. Ancora da"
        " pagare: {outstanding}. Quanto avevi già pagato in più ({payback}) ti arriverà entro 14"
        " giorni.\n",
    ),
}
