"""Translations of the consumer-facing pages, keyed by the English text.

One row per text: English, French, Swedish, German. Placeholders in braces stay as they are.
"""

from __future__ import annotations

from paylater.web.translations_portal import PORTAL_ROWS

_ROWS: tuple[tuple[str, str, str, str], ...] = (
    # layout
    ("Main", "Principal", "Huvudmeny", "Hauptmenü"),
    ("Skip to content", "Aller au contenu", "Hoppa till innehållet", "Zum Inhalt springen"),
    ("Language", "Langue", "Språk", "Sprache"),
    ("Change", "Changer", "Byt", "Ändern"),
    (
        "Sandbox: no real money moves.",
        "Bac à sable : aucun argent réel ne circule.",
        "Sandlåda: inga riktiga pengar flyttas.",
        "Sandbox: Es fließt kein echtes Geld.",
    ),
    ("Dev inbox", "Boîte de réception de test", "Testinkorg", "Test-Posteingang"),
    ("Demo shop", "Boutique de démonstration", "Demobutik", "Demo-Shop"),
    ("My paylater", "Mon paylater", "Mitt paylater", "Mein paylater"),
    ("Sorry", "Désolé", "Tyvärr", "Entschuldigung"),
    ("Back", "Retour", "Tillbaka", "Zurück"),
    (
        "This form has expired. Please try again.",
        "Ce formulaire a expiré. Veuillez réessayer.",
        "Formuläret har gått ut. Försök igen.",
        "Dieses Formular ist abgelaufen. Bitte erneut versuchen.",
    ),
    ("Page not found.", "Page introuvable.", "Sidan hittades inte.", "Seite nicht gefunden."),
    # plans and offers
    ("Pay now", "Payer maintenant", "Betala nu", "Jetzt bezahlen"),
    ("Pay in 30 days", "Payer dans 30 jours", "Betala om 30 dagar", "In 30 Tagen bezahlen"),
    (
        "Pay in 3 interest-free instalments",
        "Payer en 3 fois sans frais",
        "Dela upp i 3 räntefria delbetalningar",
        "In 3 zinsfreien Raten bezahlen",
    ),
    (
        "Pay in 4 interest-free instalments",
        "Payer en 4 fois sans frais",
        "Dela upp i 4 räntefria delbetalningar",
        "In 4 zinsfreien Raten bezahlen",
    ),
    ("Financing", "Financement", "Finansiering", "Finanzierung"),
    ("Payment schedule", "Échéancier", "Betalningsplan", "Zahlungsplan"),
    ("Due date", "Échéance", "Förfallodag", "Fälligkeitsdatum"),
    ("Amount", "Montant", "Belopp", "Betrag"),
    ("Total to pay", "Total à payer", "Totalt att betala", "Gesamtbetrag"),
    ("Cost of credit", "Coût du crédit", "Kreditkostnad", "Kreditkosten"),
    ("Setup fee", "Frais de dossier", "Uppläggningsavgift", "Bearbeitungsgebühr"),
    ("Nominal rate", "Taux nominal", "Nominell ränta", "Sollzins"),
    ("APR", "TAEG", "Effektiv ränta", "Effektiver Jahreszins"),
    (
        "Choose how to pay",
        "Choisissez comment payer",
        "Välj hur du vill betala",
        "Wählen Sie, wie Sie bezahlen",
    ),
    ("{months} months", "{months} mois", "{months} månader", "{months} Monate"),
    (
        "{count} × from {amount}",
        "{count} × à partir de {amount}",
        "{count} × från {amount}",
        "{count} × ab {amount}",
    ),
    # checkout
    ("Pay with paylater", "Payer avec paylater", "Betala med paylater", "Mit paylater bezahlen"),
    (
        "Your purchase at {merchant}",
        "Votre achat chez {merchant}",
        "Ditt köp hos {merchant}",
        "Ihr Einkauf bei {merchant}",
    ),
    (
        "No payment plan is available for this purchase.",
        "Aucun plan de paiement n'est disponible pour cet achat.",
        "Ingen betalningsplan finns för det här köpet.",
        "Für diesen Einkauf ist kein Zahlungsplan verfügbar.",
    ),
    ("E-mail address", "Adresse e-mail", "E-postadress", "E-Mail-Adresse"),
    (
        "We send you a one-time code to confirm it is you.",
        "Nous vous envoyons un code à usage unique pour confirmer votre identité.",
        "Vi skickar en engångskod för att bekräfta att det är du.",
        "Wir senden Ihnen einen Einmalcode, um zu bestätigen, dass Sie es sind.",
    ),
    ("Continue", "Continuer", "Fortsätt", "Weiter"),
    (
        "We sent a code to {email}.",
        "Nous avons envoyé un code à {email}.",
        "Vi har skickat en kod till {email}.",
        "Wir haben einen Code an {email} gesendet.",
    ),
    (
        "That code is not right. Please try again.",
        "Ce code est incorrect. Veuillez réessayer.",
        "Koden stämmer inte. Försök igen.",
        "Dieser Code ist falsch. Bitte erneut versuchen.",
    ),
    (
        "This code has expired or was tried too many times. Ask for a new one.",
        "Ce code a expiré ou a été essayé trop de fois. Demandez-en un nouveau.",
        "Koden har gått ut eller prövats för många gånger. Be om en ny.",
        "Dieser Code ist abgelaufen oder wurde zu oft versucht. Fordern Sie einen neuen an.",
    ),
    ("One-time code", "Code à usage unique", "Engångskod", "Einmalcode"),
    ("Verify", "Vérifier", "Bekräfta", "Bestätigen"),
    (
        "Cancel and return to the store",
        "Annuler et retourner à la boutique",
        "Avbryt och gå tillbaka till butiken",
        "Abbrechen und zum Shop zurückkehren",
    ),
    ("Confirm your purchase", "Confirmez votre achat", "Bekräfta ditt köp", "Einkauf bestätigen"),
    (
        "Welcome back, {name}!",
        "Bon retour, {name} !",
        "Välkommen tillbaka, {name}!",
        "Willkommen zurück, {name}!",
    ),
    (
        "New to paylater? Tell us who you are.",
        "Nouveau sur paylater ? Dites-nous qui vous êtes.",
        "Ny på paylater? Berätta vem du är.",
        "Neu bei paylater? Sagen Sie uns, wer Sie sind.",
    ),
    ("First name", "Prénom", "Förnamn", "Vorname"),
    ("Last name", "Nom", "Efternamn", "Nachname"),
    ("Date of birth", "Date de naissance", "Födelsedatum", "Geburtsdatum"),
    ("Street address", "Adresse", "Gatuadress", "Straße und Hausnummer"),
    ("Postal code", "Code postal", "Postnummer", "Postleitzahl"),
    ("City", "Ville", "Ort", "Ort"),
    (
        "For financing: your monthly income and costs",
        "Pour un financement : vos revenus et charges mensuels",
        "För finansiering: dina månatliga inkomster och kostnader",
        "Für eine Finanzierung: Ihr monatliches Einkommen und Ihre Ausgaben",
    ),
    (
        "Monthly income after tax",
        "Revenu mensuel net",
        "Månadsinkomst efter skatt",
        "Monatliches Nettoeinkommen",
    ),
    (
        "Monthly fixed costs",
        "Charges fixes mensuelles",
        "Fasta månadskostnader",
        "Monatliche Fixkosten",
    ),
    (
        "By confirming you agree to pay the amounts above on their due dates.",
        "En confirmant, vous acceptez de payer les montants ci-dessus à leurs échéances.",
        "Genom att bekräfta godkänner du att betala beloppen ovan på förfallodagarna.",
        "Mit der Bestätigung verpflichten Sie sich, die obigen Beträge zu den Fälligkeitsterminen"
        " zu zahlen.",
    ),
    ("Confirm and pay", "Confirmer et payer", "Bekräfta och betala", "Bestätigen und bezahlen"),
    (
        "Please check the form: some details are missing or invalid.",
        "Veuillez vérifier le formulaire : des informations manquent ou sont invalides.",
        "Kontrollera formuläret: vissa uppgifter saknas eller är felaktiga.",
        "Bitte prüfen Sie das Formular: Angaben fehlen oder sind ungültig.",
    ),
    ("Your purchase", "Votre achat", "Ditt köp", "Ihr Einkauf"),
    ("Approved", "Approuvé", "Godkänt", "Genehmigt"),
    (
        "We need to check a few details; the store will tell you when your order is confirmed.",
        "Nous devons vérifier quelques informations ; la boutique vous dira quand votre commande"
        " sera confirmée.",
        "Vi behöver kontrollera några uppgifter; butiken meddelar dig när ordern är bekräftad.",
        "Wir müssen einige Angaben prüfen; der Shop informiert Sie, sobald Ihre Bestellung"
        " bestätigt ist.",
    ),
    (
        "Your purchase is approved. You will find it in My paylater.",
        "Votre achat est approuvé. Vous le retrouverez dans Mon paylater.",
        "Ditt köp är godkänt. Du hittar det i Mitt paylater.",
        "Ihr Einkauf ist genehmigt. Sie finden ihn in Mein paylater.",
    ),
    ("Authorization", "Autorisation", "Auktorisering", "Autorisierung"),
    ("Declined", "Refusé", "Nekat", "Abgelehnt"),
    (
        "We could not approve this purchase with paylater this time.",
        "Nous n'avons pas pu approuver cet achat avec paylater cette fois-ci.",
        "Vi kunde inte godkänna det här köpet med paylater den här gången.",
        "Wir konnten diesen Einkauf mit paylater diesmal nicht genehmigen.",
    ),
    (
        "What you can do: choose another payment method in the store, pay what you owe in My"
        " paylater, or ask us for a human review of this decision.",
        "Ce que vous pouvez faire : choisir un autre moyen de paiement dans la boutique, régler ce"
        " que vous devez dans Mon paylater, ou demander qu'une personne réexamine cette décision.",
        "Det här kan du göra: välja ett annat betalsätt i butiken, betala det du är skyldig i Mitt"
        " paylater eller be om att en handläggare granskar beslutet.",
        "Was Sie tun können: eine andere Zahlungsart im Shop wählen, offene Beträge in Mein"
        " paylater bezahlen oder eine Prüfung dieser Entscheidung durch einen Menschen verlangen.",
    ),
    ("Back to the store", "Retour à la boutique", "Tillbaka till butiken", "Zurück zum Shop"),
    ("Payment cancelled", "Paiement annulé", "Betalningen avbröts", "Zahlung abgebrochen"),
    (
        "Nothing was charged. You can close this window.",
        "Rien n'a été débité. Vous pouvez fermer cette fenêtre.",
        "Inget har debiterats. Du kan stänga fönstret.",
        "Es wurde nichts belastet. Sie können dieses Fenster schließen.",
    ),
    ("Already paid", "Déjà payé", "Redan betalt", "Bereits bezahlt"),
    (
        "This purchase has already been authorized.",
        "Cet achat a déjà été autorisé.",
        "Det här köpet är redan godkänt.",
        "Dieser Einkauf wurde bereits autorisiert.",
    ),
    (
        "This checkout has expired",
        "Ce paiement a expiré",
        "Kassan har gått ut",
        "Dieser Bezahlvorgang ist abgelaufen",
    ),
    (
        "Please go back to the store and start again.",
        "Veuillez retourner à la boutique et recommencer.",
        "Gå tillbaka till butiken och börja om.",
        "Bitte kehren Sie zum Shop zurück und beginnen Sie erneut.",
    ),
    # decline reasons
    (
        "You must be at least 18 years old.",
        "Vous devez avoir au moins 18 ans.",
        "Du måste vara minst 18 år.",
        "Sie müssen mindestens 18 Jahre alt sein.",
    ),
    (
        "We need your date of birth.",
        "Nous avons besoin de votre date de naissance.",
        "Vi behöver ditt födelsedatum.",
        "Wir benötigen Ihr Geburtsdatum.",
    ),
    (
        "You have a payment that is overdue.",
        "Vous avez un paiement en retard.",
        "Du har en betalning som är försenad.",
        "Sie haben eine überfällige Zahlung.",
    ),
    (
        "You have a debt with our collections team.",
        "Vous avez une dette auprès de notre service de recouvrement.",
        "Du har en skuld hos vår inkassoavdelning.",
        "Sie haben eine Schuld bei unserem Inkasso.",
    ),
    (
        "This purchase is above your current spending limit.",
        "Cet achat dépasse votre plafond de dépenses actuel.",
        "Köpet överstiger din nuvarande köpgräns.",
        "Dieser Einkauf übersteigt Ihr aktuelles Ausgabenlimit.",
    ),
    (
        "Too many purchases in a short time.",
        "Trop d'achats en peu de temps.",
        "För många köp på kort tid.",
        "Zu viele Einkäufe in kurzer Zeit.",
    ),
    (
        "Financing needs your monthly income.",
        "Un financement nécessite votre revenu mensuel.",
        "Finansiering kräver din månadsinkomst.",
        "Eine Finanzierung erfordert Ihr Monatseinkommen.",
    ),
    (
        "The monthly cost is too high for the income you stated.",
        "La mensualité est trop élevée pour le revenu indiqué.",
        "Månadskostnaden är för hög för den inkomst du angav.",
        "Die Monatsrate ist für Ihr angegebenes Einkommen zu hoch.",
    ),
    (
        "The amount is outside what this plan allows.",
        "Le montant est hors des limites de ce plan.",
        "Beloppet ligger utanför vad planen tillåter.",
        "Der Betrag liegt außerhalb dessen, was dieser Plan erlaubt.",
    ),
    (
        "This currency is not available.",
        "Cette devise n'est pas disponible.",
        "Valutan är inte tillgänglig.",
        "Diese Währung ist nicht verfügbar.",
    ),
    # dev inbox
    (
        "Every e-mail paylater sends, newest first. One-time codes appear here.",
        "Chaque e-mail envoyé par paylater, du plus récent au plus ancien. Les codes à usage unique"
        " apparaissent ici.",
        "Alla mejl som paylater skickar, nyaste först. Engångskoder visas här.",
        "Jede E-Mail, die paylater sendet, die neueste zuerst. Einmalcodes erscheinen hier.",
    ),
    ("Sandbox clock", "Horloge du bac à sable", "Sandlådans klocka", "Sandbox-Uhr"),
    ("Days", "Jours", "Dagar", "Tage"),
    ("Advance the clock", "Avancer l'horloge", "Flytta fram klockan", "Uhr vorstellen"),
    ("To", "À", "Till", "An"),
    ("Consumers", "Consommateurs", "Konsumenter", "Kunden"),
    (
        "Log in to My paylater with one of these addresses; the code arrives here.",
        "Connectez-vous à Mon paylater avec l'une de ces adresses ; le code arrive ici.",
        "Logga in på Mitt paylater med en av adresserna; koden kommer hit.",
        "Melden Sie sich mit einer dieser Adressen bei Mein paylater an; der Code erscheint hier.",
    ),
    ("No e-mails yet.", "Aucun e-mail pour l'instant.", "Inga mejl än.", "Noch keine E-Mails."),
    # demo shop
    ("Demo Marketplace", "Marché de démonstration", "Demomarknadsplats", "Demo-Marktplatz"),
    ("Products", "Produits", "Produkter", "Produkte"),
    ("Cart", "Panier", "Varukorg", "Warenkorb"),
    (
        "The payment was not approved. Please choose another way to pay.",
        "Le paiement n'a pas été approuvé. Choisissez un autre moyen de paiement.",
        "Betalningen godkändes inte. Välj ett annat sätt att betala.",
        "Die Zahlung wurde nicht genehmigt. Bitte wählen Sie eine andere Zahlungsart.",
    ),
    ("Product", "Produit", "Produkt", "Produkt"),
    ("Seller", "Vendeur", "Säljare", "Verkäufer"),
    ("Quantity", "Quantité", "Antal", "Menge"),
    ("Total", "Total", "Totalt", "Gesamt"),
    ("Go to checkout", "Passer à la caisse", "Till kassan", "Zur Kasse"),
    (
        "Your cart is empty.",
        "Votre panier est vide.",
        "Din varukorg är tom.",
        "Ihr Warenkorb ist leer.",
    ),
    ("Checkout", "Paiement", "Kassa", "Kasse"),
    ("Payment", "Paiement", "Betalning", "Zahlung"),
    ("Buy now", "Acheter", "Köp nu", "Jetzt kaufen"),
    (
        "Or pay on the paylater page",
        "Ou payer sur la page paylater",
        "Eller betala på paylaters sida",
        "Oder auf der paylater-Seite bezahlen",
    ),
    (
        "Independent sellers, one checkout. Pay later with paylater.",
        "Des vendeurs indépendants, une seule caisse. Payez plus tard avec paylater.",
        "Oberoende säljare, en kassa. Betala senare med paylater.",
        "Unabhängige Verkäufer, eine Kasse. Später bezahlen mit paylater.",
    ),
    ("Sold by {seller}", "Vendu par {seller}", "Säljs av {seller}", "Verkauft von {seller}"),
    ("Add to cart", "Ajouter au panier", "Lägg i varukorgen", "In den Warenkorb"),
    (
        "Thank you for your order!",
        "Merci pour votre commande !",
        "Tack för din beställning!",
        "Vielen Dank für Ihre Bestellung!",
    ),
    ("Order number", "Numéro de commande", "Ordernummer", "Bestellnummer"),
    (
        "Follow your payments in My paylater.",
        "Suivez vos paiements dans Mon paylater.",
        "Följ dina betalningar i Mitt paylater.",
        "Verfolgen Sie Ihre Zahlungen in Mein paylater.",
    ),
    (
        "The shop cannot take payments right now",
        "La boutique ne peut pas encaisser de paiements pour le moment",
        "Butiken kan inte ta emot betalningar just nu",
        "Der Shop kann derzeit keine Zahlungen annehmen",
    ),
    (
        "The demo shop sells as the demo merchant: start paylater with “paylater demo”"
        " to create it.",
        "La boutique de démonstration vend en tant que marchand de démonstration : lancez paylater"
        " avec « paylater demo » pour le créer.",
        "Demobutiken säljer som demohandlaren: starta paylater med ”paylater demo” för att skapa"
        " den.",
        "Der Demo-Shop verkauft als Demo-Händler: Starten Sie paylater mit „paylater demo“, um ihn"
        " anzulegen.",
    ),
    ("Back to the cart", "Retour au panier", "Tillbaka till varukorgen", "Zurück zum Warenkorb"),
)

_ALL = _ROWS + PORTAL_ROWS
CATALOGS: dict[str, dict[str, str]] = {
    "fr": {row[0]: row[1] for row in _ALL},
    "sv": {row[0]: row[2] for row in _ALL},
    "de": {row[0]: row[3] for row in _ALL},
}
