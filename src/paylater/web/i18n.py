"""The consumer-facing languages: a per-language catalog keyed by the English text.

Pages call ``_("Total owed")`` or ``_("Hello {name}", name=...)``; a text missing from a catalog
falls back to English (a test checks that every text used by a page or template is translated).
Amounts are formatted by :meth:`Money.format` and dates by babel, both in the page's locale.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from babel.dates import format_date

from paylater.kit.money import Money
from paylater.web.translations import CATALOGS

LANGUAGES = {"en": "English", "fr": "Français", "sv": "Svenska", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
# The locale used for numbers, amounts and dates of each language.
LOCALES = {"en": "en_GB", "fr": "fr_FR", "sv": "sv_SE", "de": "de_DE"}

Translate = Callable[..., str]


def language_of(value: str | None) -> str | None:
    """The supported language a locale or ``Accept-Language`` entry names, if any."""
    if not value:
        return None
    code = value.strip().replace("_", "-").split("-")[0].split(";")[0].lower()
    return code if code in LANGUAGES else None


def from_accept_language(header: str) -> str | None:
    for part in header.split(","):
        language = language_of(part)
        if language:
            return language
    return None


def translator(language: str) -> Translate:
    catalog = CATALOGS.get(language, {})

    def translate(text: str, **values: object) -> str:
        translated = catalog.get(text, text) if language != DEFAULT_LANGUAGE else text
        return translated.format(**values) if values else translated

    return translate


class Formats:
    """Amounts and dates for one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = LOCALES.get(language, LOCALES[DEFAULT_LANGUAGE])

    def money(self, minor: int, currency: str) -> str:
        return Money(minor, currency).format(self.locale)

    def date(self, day: date | str | None, style: str = "medium") -> str:
        if day is None:
            return ""
        if isinstance(day, str):
            day = date.fromisoformat(day[:10])
        return str(format_date(day, format=style, locale=self.locale))
