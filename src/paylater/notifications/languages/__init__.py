"""Consumer e-mails in Norwegian, Danish, Finnish, Dutch, Spanish and Italian.

Each module holds one language's ``(subject, text)`` for every kind; importing this package adds
them to the kinds registered in English, Swedish, French and German.
:mod:`paylater.notifications.consumer_mail` imports it on first use. A translation has the
English version's placeholders.
"""

from __future__ import annotations

from collections.abc import Mapping

from paylater.notifications.consumer_mail import add_translations
from paylater.notifications.languages import da, es, fi, it, nb, nl

TRANSLATIONS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "nb": nb.TEMPLATES,
    "da": da.TEMPLATES,
    "fi": fi.TEMPLATES,
    "nl": nl.TEMPLATES,
    "es": es.TEMPLATES,
    "it": it.TEMPLATES,
}

for _language, _templates in TRANSLATIONS.items():
    for _kind, _template in _templates.items():
        add_translations(_kind, {_language: _template})
