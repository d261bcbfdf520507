"""E-mails about bank payments, in the consumer's language."""

from __future__ import annotations

from paylater.notifications.consumer_mail import FALLBACK_LANGUAGE, language_of, register_templates

DIRECT_DEBIT_RETURNED = "bank.direct_debit_returned"

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
            " förfallodag {due_date} ({reason_text}, kod {reason}). Delbetalningen är öppen igen:"
            " betala den med"
            " bankgiro och betalningsreferensen, eller kontrollera ditt konto inför nästa"
            " dragning.\n",
        ),
        "fr": (
            "Votre prélèvement de {amount} n'a pas abouti",
            "Bonjour {name},\n\nVotre banque a rejeté le prélèvement de {amount} pour l'échéance"
            " du {due_date} ({reason_text}, code {reason}). L'échéance est de nouveau ouverte :"
            " merci de la"
            " régler par virement avec sa référence de paiement, ou de vérifier votre compte pour"
            " le prochain prélèvement.\n",
        ),
        "de": (
            "Ihre Lastschrift über {amount} wurde nicht eingelöst",
            "Hallo {name},\n\nIhre Bank hat die Lastschrift über {amount} für die Rate mit"
            " Fälligkeit {due_date} zurückgegeben ({reason_text}, Code {reason}). Die Rate ist"
            " wieder offen:"
            " bitte überweisen Sie sie mit ihrer Zahlungsreferenz oder prüfen Sie Ihr Konto für"
            " den nächsten Einzug.\n",
        ),
    },
)

# SEPA return and reject reasons (ISO 20022 codes) as the consumer reads them; "" is any other.
_RETURN_REASONS: dict[str, dict[str, str]] = {
    "en": {
        "AC01": "incorrect account number",
        "AC04": "account closed",
        "AC06": "account blocked",
        "AG01": "transaction forbidden on this account",
        "AM04": "insufficient funds",
        "MD01": "no valid mandate",
        "MD06": "refund requested by the account holder",
        "MS02": "refused by the account holder",
        "MS03": "reason not given",
        "SL01": "specific service of the bank",
        "": "returned by the bank",
    },
    "sv": {
        "AC01": "felaktigt kontonummer",
        "AC04": "kontot är avslutat",
        "AC06": "kontot är spärrat",
        "AG01": "dragningen är inte tillåten på kontot",
        "AM04": "otillräckligt saldo",
        "MD01": "inget giltigt medgivande",
        "MD06": "kontohavaren har begärt återbetalning",
        "MS02": "kontohavaren har nekat dragningen",
        "MS03": "orsak ej angiven",
        "SL01": "en särskild tjänst hos banken",
        "": "returnerad av banken",
    },
    "fr": {
        "AC01": "numéro de compte incorrect",
        "AC04": "compte clôturé",
        "AC06": "compte bloqué",
        "AG01": "opération interdite sur ce compte",
        "AM04": "provision insuffisante",
        "MD01": "pas de mandat valide",
        "MD06": "remboursement demandé par le titulaire du compte",
        "MS02": "refusé par le titulaire du compte",
        "MS03": "motif non communiqué",
        "SL01": "service spécifique de la banque",
        "": "rejeté par la banque",
    },
    "de": {
        "AC01": "falsche Kontonummer",
        "AC04": "Konto aufgelöst",
        "AC06": "Konto gesperrt",
        "AG01": "Lastschrift auf diesem Konto nicht zulässig",
        "AM04": "keine ausreichende Deckung",
        "MD01": "kein gültiges Mandat",
        "MD06": "Erstattung vom Kontoinhaber verlangt",
        "MS02": "vom Kontoinhaber abgelehnt",
        "MS03": "ohne Angabe von Gründen",
        "SL01": "besonderer Dienst der Bank",
        "": "von der Bank zurückgegeben",
    },
    "nb": {
        "AC01": "feil kontonummer",
        "AC04": "kontoen er avsluttet",
        "AC06": "kontoen er sperret",
        "AG01": "trekket er ikke tillatt på kontoen",
        "AM04": "ikke dekning på kontoen",
        "MD01": "ingen gyldig fullmakt",
        "MD06": "kontoinnehaveren har bedt om tilbakebetaling",
        "MS02": "avvist av kontoinnehaveren",
        "MS03": "årsak ikke oppgitt",
        "SL01": "en særskilt tjeneste i banken",
        "": "returnert av banken",
    },
    "da": {
        "AC01": "forkert kontonummer",
        "AC04": "kontoen er lukket",
        "AC06": "kontoen er spærret",
        "AG01": "trækket er ikke tilladt på kontoen",
        "AM04": "manglende dækning på kontoen",
        "MD01": "intet gyldigt mandat",
        "MD06": "kontohaveren har bedt om tilbagebetaling",
        "MS02": "afvist af kontohaveren",
        "MS03": "årsag ikke oplyst",
        "SL01": "en særlig service i banken",
        "": "returneret af banken",
    },
    "fi": {
        "AC01": "virheellinen tilinumero",
        "AC04": "tili on lopetettu",
        "AC06": "tili on estetty",
        "AG01": "veloitus ei ole sallittu tältä tililtä",
        "AM04": "tilillä ei ollut riittävästi katetta",
        "MD01": "voimassa olevaa valtuutusta ei ole",
        "MD06": "tilinhaltija on pyytänyt palautusta",
        "MS02": "tilinhaltija on hylännyt veloituksen",
        "MS03": "syytä ei ilmoitettu",
        "SL01": "pankin erityispalvelu",
        "": "pankki palautti veloituksen",
    },
    "nl": {
        "AC01": "onjuist rekeningnummer",
        "AC04": "rekening opgeheven",
        "AC06": "rekening geblokkeerd",
        "AG01": "incasso niet toegestaan op deze rekening",
        "AM04": "onvoldoende saldo",
        "MD01": "geen geldige machtiging",
        "MD06": "terugboeking gevraagd door de rekeninghouder",
        "MS02": "geweigerd door de rekeninghouder",
        "MS03": "geen reden opgegeven",
        "SL01": "specifieke dienst van de bank",
        "": "teruggeboekt door de bank",
    },
    "es": {
        "AC01": "número de cuenta incorrecto",
        "AC04": "cuenta cancelada",
        "AC06": "cuenta bloqueada",
        "AG01": "operación no permitida en esta cuenta",
        "AM04": "saldo insuficiente",
        "MD01": "sin mandato válido",
        "MD06": "devolución solicitada por el titular de la cuenta",
        "MS02": "rechazado por el titular de la cuenta",
        "MS03": "motivo no indicado",
        "SL01": "servicio específico del banco",
        "": "devuelto por el banco",
    },
    "it": {
        "AC01": "numero di conto errato",
        "AC04": "conto chiuso",
        "AC06": "conto bloccato",
        "AG01": "addebito non consentito su questo conto",
        "AM04": "fondi insufficienti",
        "MD01": "nessun mandato valido",
        "MD06": "rimborso richiesto dal titolare del conto",
        "MS02": "rifiutato dal titolare del conto",
        "MS03": "motivo non indicato",
        "SL01": "servizio specifico della banca",
        "": "restituito dalla banca",
    },
}
RETURN_REASON_CODES = frozenset(code for code in _RETURN_REASONS[FALLBACK_LANGUAGE] if code)


def return_reason_text(code: str, locale: str) -> str:
    """A direct debit's return reason in the language of ``locale`` (English when there is no
    translation; a general wording for a code without its own)."""
    texts = _RETURN_REASONS.get(language_of(locale)) or _RETURN_REASONS[FALLBACK_LANGUAGE]
    return texts.get(code) or texts[""]
