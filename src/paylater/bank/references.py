"""Structured payment references and the lender's bank account.

Every instalment gets one reference, created the first time anything asks for it (an e-mail, the
portal, a direct-debit export): an ISO 11649 RF creditor reference by default, or a Swedish OCR
number (Luhn check digit after a length digit) in the countries configured for OCR. The
reference is what consumers type into their bank transfer; imported bank entries are matched on it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, select
from stdnum import luhn
from stdnum.iso7064 import mod_97_10

from paylater.bank.models import payment_references
from paylater.billing.models import instalments
from paylater.db import insert_ignoring_duplicates
from paylater.kit.errors import NotFound

RF_BODY_LENGTH = 15
OCR_BODY_LENGTH = 12
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SEPARATORS = re.compile(r"[\s\-./]")


class BankSettings(BaseSettings):
    """``PAYLATER_BANK_*`` settings: the lender's collection account and reference schemes."""

    model_config = SettingsConfigDict(env_prefix="PAYLATER_BANK_", extra="ignore")

    account_name: str = "paylater Lending AB"
    iban: str = "DE89370400440532013000"
    bic: str = "COBADEFFXXX"
    # Per-country account, e.g. PAYLATER_BANK_ACCOUNTS='{"SE": ["SE4550000000058398257466",
    # "ESSESESS"]}'.
    accounts: dict[str, tuple[str, str]] = {}
    ocr_countries: frozenset[str] = frozenset({"SE"})
    ocr_length_digit: bool = True
    creditor_id: str = "DE98ZZZ09999999999"  # SEPA creditor identifier for direct debits
    max_upload_bytes: int = 64 * 1024 * 1024  # bank files uploaded through the admin API


@dataclass(frozen=True, slots=True)
class BankDetails:
    iban: str
    bic: str
    name: str


def settings() -> BankSettings:
    return BankSettings()


def bank_details(country: str, config: BankSettings | None = None) -> tuple[str, str, str]:
    """The lender's account that consumers in ``country`` pay to: ``(iban, bic, name)``."""
    config = config or settings()
    iban, bic = config.accounts.get(country.upper(), (config.iban, config.bic))
    return iban, bic, config.account_name


def normalize(reference: str) -> str:
    """Upper case without spaces, dashes, dots or slashes, as references are compared."""
    if reference.isalnum():  # no separator to remove
        return reference.upper()
    return _SEPARATORS.sub("", reference).upper()


def rf_reference(body: str) -> str:
    """The RF creditor reference for ``body`` (1–21 letters or digits)."""
    body = normalize(body)
    if not 1 <= len(body) <= 21 or not body.isalnum():
        raise ValueError("an RF reference body is 1 to 21 letters or digits")
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


def ocr_reference(body: str, *, length_digit: bool = True) -> str:
    """A Swedish OCR number: ``body`` digits, optionally a length digit, then a Luhn digit."""
    if not body.isdigit():
        raise ValueError("an OCR body is digits only")
    if length_digit:
        body += str((len(body) + 2) % 10)
    return body + luhn.calc_check_digit(body)


def is_valid(reference: str) -> bool:
    """True for a well-formed RF reference or OCR number (check digits included).

    The same answer as ``stdnum.iso11649.is_valid`` / ``stdnum.luhn.is_valid`` (the tests hold
    them to it), computed directly: bank files carry a reference per entry, by the million.
    """
    value = normalize(reference)
    if value.startswith("RF"):
        return _rf_valid(value)
    if value.isascii() and value.isdigit() and 2 <= len(value) <= 25:
        return bool(luhn.is_valid(value))
    return False


# Every letter and digit mapped (digits to themselves): translating never misses a key.
_LETTER_VALUES = {ord(c): str(i) for i, c in enumerate(_ALPHABET)}


def _rf_valid(value: str) -> bool:
    # ISO 11649: 2 check digits and 1-21 letters or digits; moving "RFnn" to the end and
    # reading letters as 10..35 gives a number that is 1 modulo 97.
    if not (5 <= len(value) <= 25 and value.isascii() and value.isalnum()):
        return False
    body = value[4:]
    if not value[2:4].isdigit():
        return False
    return int((body + value[:4]).translate(_LETTER_VALUES)) % 97 == 1


def looks_like_reference(value: str) -> bool:
    """A string that could be a typed reference (RF form or a long run of digits)."""
    value = normalize(value)
    return (value.startswith("RF") and 5 <= len(value) <= 25 and value.isalnum()) or (
        value.isdigit() and 6 <= len(value) <= 25
    )


_ISSUED_RF_LENGTH = len("RF00") + RF_BODY_LENGTH
_TOKEN = re.compile(r"\bRF\s?\d\d(?:\s?[0-9A-Z]){1,21}\b|\b\d(?:[\s]?\d){5,24}\b", re.IGNORECASE)


def find_in_text(text: str) -> str:
    """The first reference-like token in free text (remittance information), or ``""``.

    Spaced groups are joined as long as the result is a valid reference; without a valid one,
    trailing groups without a digit (ordinary words) are dropped.
    """
    for found in _TOKEN.finditer(text):
        groups = found.group(0).split()
        joined = (normalize("".join(groups[:end])) for end in range(len(groups), 0, -1))
        valid = [token for token in joined if is_valid(token)]
        if valid:
            # A reference followed by a word passes the check too, one time in 97: the length
            # the lender issues tells which was meant.
            return next((token for token in valid if len(token) == _ISSUED_RF_LENGTH), valid[0])
        while groups and not any(c.isdigit() for c in groups[-1]):
            groups.pop()
        token = normalize("".join(groups))
        if looks_like_reference(token):
            return token
    return ""


def one_edit_apart(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one substitution, insertion, deletion or swap of
    two neighbouring characters (the typing errors people make copying a reference)."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def _body(instalment_id: str, attempt: int, *, digits: bool) -> str:
    digest = hashlib.sha256(f"{instalment_id}:{attempt}".encode()).digest()
    number = int.from_bytes(digest[:16], "big")
    base = 10 if digits else 36
    length = OCR_BODY_LENGTH if digits else RF_BODY_LENGTH
    out = []
    for _ in range(length):
        number, rest = divmod(number, base)
        out.append(_ALPHABET[rest])
    if digits and out[-1] == "0":
        out[-1] = "1"  # no leading zero: some banks drop it
    return "".join(reversed(out))


def new_reference(
    instalment_id: str, country: str, attempt: int = 0, config: BankSettings | None = None
) -> tuple[str, str]:
    """``(reference, scheme)`` for an instalment, derived from its id (``attempt`` on clash)."""
    config = config or settings()
    if country.upper() in config.ocr_countries:
        body = _body(instalment_id, attempt, digits=True)
        return ocr_reference(body, length_digit=config.ocr_length_digit), "ocr"
    return rf_reference(_body(instalment_id, attempt, digits=False)), "rf"


def reference_for_instalment(
    connection: Connection,
    instalment_id: str,
    at: datetime | None = None,
    config: BankSettings | None = None,
) -> str:
    """The instalment's payment reference, created on the first call (idempotent)."""
    existing = connection.execute(
        select(payment_references.c.reference).where(
            payment_references.c.instalment_id == instalment_id
        )
    ).scalar()
    if existing is not None:
        return str(existing)
    row = connection.execute(
        select(
            instalments.c.order_id,
            instalments.c.consumer_id,
            instalments.c.country,
        ).where(instalments.c.id == instalment_id)
    ).first()
    if row is None:
        raise NotFound(f"no instalment {instalment_id}")
    if at is None:
        from paylater.kit.clock import SystemClock

        at = SystemClock().now()
    insert = insert_ignoring_duplicates(connection, payment_references)
    for attempt in range(8):
        reference, scheme = new_reference(instalment_id, row.country, attempt, config)
        connection.execute(
            insert,
            {
                "reference": reference,
                "instalment_id": instalment_id,
                "order_id": row.order_id,
                "consumer_id": row.consumer_id,
                "scheme": scheme,
                "created_at": at,
            },
        )
        stored = connection.execute(
            select(payment_references.c.reference).where(
                payment_references.c.instalment_id == instalment_id
            )
        ).scalar()
        if stored is not None:
            return str(stored)
    raise RuntimeError("could not allocate a unique payment reference")  # pragma: no cover


def references_for_order(connection: Connection, order_id: str) -> dict[str, str]:
    """Existing references of an order's instalments: ``{reference: instalment_id}``."""
    rows = connection.execute(
        select(payment_references.c.reference, payment_references.c.instalment_id).where(
            payment_references.c.order_id == order_id
        )
    )
    return {str(r.reference): str(r.instalment_id) for r in rows}


def instalment_of(connection: Connection, reference: str) -> str | None:
    """The instalment that ``reference`` (in any spacing or case) belongs to, if any."""
    value = connection.execute(
        select(payment_references.c.instalment_id).where(
            payment_references.c.reference == normalize(reference)
        )
    ).scalar()
    return None if value is None else str(value)
