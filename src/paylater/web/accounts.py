"""Signing in by e-mail: one-time codes and browser sessions.

A code is six random digits, valid for 10 minutes, stored as an HMAC of the e-mail and the code
under the service's secret. Five wrong guesses kill a code; at most five codes are sent to one
address per hour, so an address can be guessed at no more than 25 times an hour. A session is a
random token in an HttpOnly cookie; the database keeps only its SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, select

from paylater.consumers.service import Consumer, find_by_email, normalize_email
from paylater.kit.errors import BadValue
from paylater.kit.ids import new_uuid
from paylater.notifications.email import queue_email
from paylater.web.models import web_login_codes, web_sessions

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5
PORTAL_SESSION_LIFETIME = timedelta(days=7)
CHECKOUT_SESSION_LIFETIME = timedelta(hours=2)
LOGIN_CODE_KIND = "login.code"
CHECKOUT_CODE_KIND = "checkout.code"

_CODE_MAIL = {
    "en": (
        "Your paylater code: {code}",
        "Your one-time code is {code}. It is valid for 10 minutes.\n\n"
        "If you did not ask for it, you can ignore this e-mail.\n",
    ),
    "fr": (
        "Votre code paylater : {code}",
        "Votre code à usage unique est {code}. Il est valable 10 minutes.\n\n"
        "Si vous ne l'avez pas demandé, ignorez cet e-mail.\n",
    ),
    "sv": (
        "Din paylater-kod: {code}",
        "Din engångskod är {code}. Den gäller i 10 minuter.\n\n"
        "Om du inte har bett om den kan du bortse från det här mejlet.\n",
    ),
    "de": (
        "Ihr paylater-Code: {code}",
        "Ihr Einmalcode lautet {code}. Er ist 10 Minuten gültig.\n\n"
        "Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail.\n",
    ),
    "nb": (
        "Din paylater-kode: {code}",
        "Engangskoden din er {code}. Den er gyldig i 10 minutter.\n\n"
        "Hvis du ikke har bedt om den, kan du se bort fra denne e-posten.\n",
    ),
    "da": (
        "Din paylater-kode: {code}",
        "Din engangskode er {code}. Den er gyldig i 10 minutter.\n\n"
        "Hvis du ikke har bedt om den, kan du se bort fra denne e-mail.\n",
    ),
    "fi": (
        "paylater-koodisi: {code}",
        "Kertakäyttöinen koodisi on {code}. Se on voimassa 10 minuuttia.\n\n"
        "Jos et pyytänyt koodia, voit jättää tämän viestin huomiotta.\n",
    ),
    "nl": (
        "Uw paylater-code: {code}",
        "Uw eenmalige code is {code}. Deze is 10 minuten geldig.\n\n"
        "Heeft u hier niet om gevraagd? Dan kunt u deze e-mail negeren.\n",
    ),
    "es": (
        "Tu código de paylater: {code}",
        "Tu código de un solo uso es {code}. Es válido durante 10 minutos.\n\n"
        "Si no lo has solicitado, puedes ignorar este correo.\n",
    ),
    "it": (
        "Il tuo codice paylater: {code}",
        "Il tuo codice monouso è {code}. È valido per 10 minuti.\n\n"
        "Se non l'hai richiesto, puoi ignorare questa e-mail.\n",
    ),
}


class Purpose(StrEnum):
    portal = "portal"
    checkout = "checkout"


class CodeOutcome(StrEnum):
    ok = "ok"
    wrong = "wrong"
    expired = "expired"  # no live code: expired, used, or too many wrong guesses


class TooManyCodes(BadValue):
    code = "TOO_MANY_CODES"


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    kind: str
    consumer_id: str | None
    email: str
    payment_session_id: str | None
    data: dict[str, Any]


def _hash_code(key: bytes, email: str, code: str) -> str:
    return hmac.new(key, f"{email}|{code}".encode(), hashlib.sha256).hexdigest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_code(
    connection: Connection,
    *,
    email: str,
    purpose: Purpose,
    language: str,
    key: bytes,
    now: datetime,
    only_consumers: bool,
) -> Consumer | None:
    """E-mail a new one-time code to ``email``; returns the consumer with that address, if any.

    With ``only_consumers`` (the portal) nothing is sent to an unknown address, and the caller
    answers the same either way so that the page does not tell who has an account.
    """
    address = normalize_email(email)
    consumer = find_by_email(connection, address)
    if consumer is None and only_consumers:
        return None
    recent = connection.execute(
        select(func.count())
        .select_from(web_login_codes)
        .where(web_login_codes.c.email == address)
        .where(web_login_codes.c.created_at > now - timedelta(hours=1))
    ).scalar_one()
    if recent >= MAX_CODES_PER_HOUR:
        raise TooManyCodes("too many codes were asked for this address; try again in an hour")
    code = f"{secrets.randbelow(10**6):06d}"
    connection.execute(
        web_login_codes.insert().values(
            id=new_uuid(),
            email=address,
            purpose=purpose.value,
            code_hash=_hash_code(key, address, code),
            attempts=0,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
            used_at=None,
        )
    )
    mail_language = language if consumer is None else consumer.locale.split("-")[0]
    subject, text = _CODE_MAIL.get(mail_language, _CODE_MAIL["en"])
    queue_email(
        connection,
        to=address,
        subject=subject.format(code=code),
        text=text.format(code=code),
        consumer_id=consumer.id if consumer else None,
        kind=LOGIN_CODE_KIND if purpose is Purpose.portal else CHECKOUT_CODE_KIND,
        locale=consumer.locale if consumer else language,
        at=now,
    )
    return consumer


def check_code(
    connection: Connection, *, email: str, code: str, purpose: Purpose, key: bytes, now: datetime
) -> CodeOutcome:
    """Check a code against the newest live code for the address; a success uses it up."""
    address = normalize_email(email)
    row = connection.execute(
        select(web_login_codes)
        .where(web_login_codes.c.email == address)
        .where(web_login_codes.c.purpose == purpose.value)
        .where(web_login_codes.c.used_at.is_(None))
        .where(web_login_codes.c.expires_at > now)
        .where(web_login_codes.c.attempts < MAX_ATTEMPTS)
        .order_by(web_login_codes.c.created_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return CodeOutcome.expired
    cleaned = "".join(character for character in code if character.isdigit())
    if hmac.compare_digest(row.code_hash, _hash_code(key, address, cleaned)):
        connection.execute(
            web_login_codes.update().where(web_login_codes.c.id == row.id).values(used_at=now)
        )
        return CodeOutcome.ok
    connection.execute(
        web_login_codes.update()
        .where(web_login_codes.c.id == row.id)
        .values(attempts=web_login_codes.c.attempts + 1)
    )
    return CodeOutcome.wrong if row.attempts + 1 < MAX_ATTEMPTS else CodeOutcome.expired


def open_session(
    connection: Connection,
    *,
    kind: Purpose,
    email: str,
    consumer_id: str | None,
    now: datetime,
    payment_session_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> str:
    """Start a browser session; returns the token for its cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    lifetime = PORTAL_SESSION_LIFETIME if kind is Purpose.portal else CHECKOUT_SESSION_LIFETIME
    connection.execute(
        web_sessions.insert().values(
            id=hash_token(token),
            kind=kind.value,
            consumer_id=consumer_id,
            email=normalize_email(email),
            payment_session_id=payment_session_id,
            data=data or {},
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def load_session(
    connection: Connection, token: str | None, kind: Purpose, now: datetime
) -> Session | None:
    if not token or len(token) > 100:
        return None
    row = connection.execute(
        select(web_sessions).where(web_sessions.c.id == hash_token(token))
    ).first()
    if row is None or row.kind != kind.value or row.expires_at <= now:
        return None
    return Session(
        row.id, row.kind, row.consumer_id, row.email, row.payment_session_id, dict(row.data)
    )


def update_session(connection: Connection, session_id: str, **values: Any) -> None:
    connection.execute(
        web_sessions.update().where(web_sessions.c.id == session_id).values(**values)
    )


def close_session(connection: Connection, token: str | None) -> None:
    if token:
        connection.execute(web_sessions.delete().where(web_sessions.c.id == hash_token(token)))
