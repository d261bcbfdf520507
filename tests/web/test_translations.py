"""Every text a consumer can see exists in French, Swedish and German, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from paylater.checkout.service import PLAN_NAMES
from paylater.web import checkout_pages, portal, portal_actions, portal_disputes
from paylater.web.i18n import LANGUAGES
from paylater.web.translations import CATALOGS

WEB = Path(portal.__file__).parent
CALL = re.compile(r"""_\(\s*(['"])(.*?)\1""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Texts that code hands to the templates by key.
KEYED = {
    "This form has expired. Please try again.",
    "Page not found.",
    "Please check the form: some details are missing or invalid.",
    "Too many codes were asked for this address. Please try again in an hour.",
    "Please enter a valid e-mail address.",
    "That code is not right. Please try again.",
    "This code has expired or was tried too many times. Ask for a new one.",
}


def _texts() -> set[str]:
    found = set(KEYED)
    for path in [*WEB.glob("templates/**/*.html"), WEB / "receipts.py"]:
        found.update(match.group(2) for match in CALL.finditer(path.read_text()))
    found.update(PLAN_NAMES.values())
    found.update(checkout_pages.REASONS.values())
    found.update(portal.REASON_LABELS.values())
    found.update(portal.REPORT_STATUSES.values())
    found.update(portal_actions.DECLINES.values())
    found.update(portal.DISPUTE_REASONS.values())
    found.update(portal.DISPUTE_STATUSES.values())
    found.update(portal_disputes.FILE_ERRORS.values())
    found.update(portal_disputes.DISPUTE_ERRORS.values())
    return found


def test_the_texts_are_found() -> None:
    assert len(_texts()) > 150


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_every_text_is_translated(language: str) -> None:
    catalog = CATALOGS[language]
    missing = sorted(text for text in _texts() if text not in catalog)
    assert missing == []
    for english, translated in catalog.items():
        assert translated.strip(), english
        assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(translated)), english
