"""E-mails to consumers, written in their language from registered templates.

A module that e-mails consumers registers its templates once, by kind and language::

    register_templates("reminder.upcoming", {"en": ("Subject {amount}", "Body …"), "sv": …})

and calls :func:`email_consumer` in the transaction of the change that causes the e-mail. Values
that are :class:`Money` or :class:`date` are formatted for the consumer's locale; English is the
fallback for a language without a template.

The languages beyond those a module registers with its kinds (Norwegian, Danish, Finnish, Dutch,
Spanish, Italian) live in :mod:`paylater.notifications.languages`, one module per language, and are
added with :func:`add_translations`. That package imports every module that registers templates,
so it is loaded on first use (by :func:`render` or :func:`registered_templates`) rather than when
this module is imported, which keeps the imports free of cycles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from string import Formatter

from babel.dates import format_date
from sqlalchemy import Connection, bindparam, select

from paylater.consumers.models import consumers
from paylater.fastsql import execute
from paylater.kit.money import Money
from paylater.notifications.email import queue_email

FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Template:
    subject: str
    text: str


_TEMPLATES: dict[str, dict[str, Template]] = {}
_translations_loaded = False


def register_templates(kind: str, by_language: Mapping[str, tuple[str, str]]) -> None:
    """Register ``(subject, text)`` per language for ``kind``; English is required."""
    if FALLBACK_LANGUAGE not in by_language:
        raise ValueError(f"templates for {kind!r} need an English version")
    _TEMPLATES[kind] = {
        language: Template(subject, text) for language, (subject, text) in by_language.items()
    }


def placeholders(template: str) -> frozenset[str]:
    """The names of the ``{placeholders}`` in ``template``."""
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name)


def add_translations(kind: str, by_language: Mapping[str, tuple[str, str]]) -> None:
    """Add ``(subject, text)`` in more languages to the registered ``kind``.

    A translation may only use placeholders the English version has (it is filled in with the
    same values).
    """
    templates = _TEMPLATES.get(kind)
    if templates is None:
        raise KeyError(f"no e-mail template registered for {kind!r}")
    english = templates[FALLBACK_LANGUAGE]
    for language, (subject, text) in by_language.items():
        unknown = (placeholders(subject) - placeholders(english.subject)) | (
            placeholders(text) - placeholders(english.text)
        )
        if unknown:
            raise ValueError(
                f"{kind!r} in {language!r} uses unknown placeholders {sorted(unknown)}"
            )
        templates[language] = Template(subject, text)


def _templates() -> dict[str, dict[str, Template]]:
    global _translations_loaded
    if not _translations_loaded:
        # Imports the modules that register templates, then adds the other languages.
        import paylater.notifications.languages  # noqa: F401

        _translations_loaded = True
    return _TEMPLATES


def registered_templates() -> Mapping[str, Mapping[str, Template]]:
    """Every registered kind with its templates by language, all languages included."""
    return _templates()


def language_of(locale: str) -> str:
    return locale.replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=65_536)
def _money_text(minor: int, currency: str, locale: str) -> str:
    return Money(minor, currency).format(locale)


@lru_cache(maxsize=8_192)
def _date_text(day: date, locale: str) -> str:
    return str(format_date(day, format="long", locale=locale.replace("-", "_")))


def _display(value: object, locale: str) -> str:
    # Formatting through babel costs tens of microseconds; a day's reminders repeat the same
    # dates and many amounts, so both are cached.
    if isinstance(value, Money):
        return _money_text(value.minor, value.currency, locale)
    if isinstance(value, date) and not isinstance(value, datetime):
        return _date_text(value, locale)
    if isinstance(value, list):  # a schedule: one line per (date, amount)
        return "\n".join(
            f"  {_display(day, locale)}: {_display(amount, locale)}" for day, amount in value
        )
    return str(value)


def render(kind: str, locale: str, values: Mapping[str, object]) -> Template:
    """The e-mail ``kind`` in ``locale``'s language, with ``values`` filled in."""
    by_language = _templates().get(kind)
    if by_language is None:
        raise KeyError(f"no e-mail template registered for {kind!r}")
    template = by_language.get(language_of(locale)) or by_language[FALLBACK_LANGUAGE]
    shown = {name: _display(value, locale) for name, value in values.items()}
    return Template(template.subject.format(**shown), template.text.format(**shown))


_CONSUMER = select(consumers.c.email, consumers.c.locale, consumers.c.given_name).where(
    consumers.c.id == bindparam("b_id")
)


@dataclass(frozen=True, slots=True)
class Contact:
    """Where and how to write to a consumer."""

    email: str
    locale: str
    given_name: str


def email_consumer(
    connection: Connection,
    *,
    consumer_id: str,
    kind: str,
    values: Mapping[str, object],
    at: datetime,
    dedupe_key: str | None = None,
    contact: Contact | None = None,
) -> str | None:
    """Queue e-mail ``kind`` to the consumer, in their language; returns the message id.

    With a ``dedupe_key`` the same e-mail is queued at most once (``None`` the second time).
    ``contact``: the consumer's details when the caller has read them already.
    """
    person = contact or execute(connection, _CONSUMER, {"b_id": consumer_id}).one()
    rendered = render(kind, person.locale, {"name": person.given_name, **values})
    return queue_email(
        connection,
        to=person.email,
        subject=rendered.subject,
        text=rendered.text,
        consumer_id=consumer_id,
        kind=kind,
        locale=person.locale,
        at=at,
        dedupe_key=f"{kind}:{dedupe_key}" if dedupe_key else None,
    )
