"""Staff accounts: merchant users and the lender's operators, passwords, invitations, sessions.

Passwords are hashed with scrypt (a random salt per password, parameters stored with the hash).
A merchant user is invited by e-mail: the link carries a random token whose SHA-256 is stored; the
user chooses a password on that page. A session is a random token in an HttpOnly cookie; only its
SHA-256 is kept, with the kind of account it belongs to, so a merchant user's session can never
open an operator's page (nor the other way round), and consumers' sessions live elsewhere.
After ten wrong passwords in a row an account is locked until an owner or admin resets it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from paylater.backoffice.models import (
    MERCHANT_ROLES,
    OPERATOR_ROLES,
    merchant_users,
    operators,
    staff_sessions,
)
from paylater.consumers.service import normalize_email
from paylater.kit.errors import BadValue, Conflict, NotFound
from paylater.kit.ids import new_id
from paylater.notifications.email import queue_email

SESSION_LIFETIME = timedelta(hours=12)
INVITATION_LIFETIME = timedelta(days=7)
MIN_PASSWORD = 10
MAX_FAILED_LOGINS = 10
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MERCHANT, OPERATOR = "merchant", "operator"


@dataclass(frozen=True, slots=True)
class StaffUser:
    """A signed-in merchant user or operator."""

    id: str
    kind: str  # MERCHANT or OPERATOR
    email: str
    role: str
    merchant_id: str | None  # only for merchant users

    @property
    def can_act(self) -> bool:
        return self.role != "read_only"

    @property
    def can_administer(self) -> bool:
        return self.role in ("owner", "admin")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    encoded = [base64.b64encode(part).decode() for part in (salt, digest)]
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${encoded[0]}${encoded[1]}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        # Spend the same time as a real check so unknown accounts cannot be told apart.
        hashlib.scrypt(password.encode(), salt=b"0" * 16, dklen=32, **_SCRYPT)
        return False
    _, n, r, p, salt, digest = stored.split("$")
    computed = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r), p=int(p)
    )
    return hmac.compare_digest(computed, base64.b64decode(digest))


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD or len(password) > 200:
        raise BadValue(f"the password must be {MIN_PASSWORD} to 200 characters")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- operators ----------------------------------------------------------------------------------


def create_operator(
    connection: Connection, email: str, *, role: str, password: str, at: datetime
) -> str:
    """Add an operator (from the CLI); returns its id."""
    if role not in OPERATOR_ROLES:
        raise BadValue(f"role must be one of {', '.join(OPERATOR_ROLES)}")
    _check_new_password(password)
    address = normalize_email(email)
    if connection.execute(select(operators.c.id).where(operators.c.email == address)).first():
        raise Conflict(f"an operator {address} exists already")
    operator_id = new_id("opr")
    connection.execute(
        operators.insert().values(
            id=operator_id,
            email=address,
            role=role,
            password_hash=hash_password(password),
            failed_logins=0,
            created_at=at,
            disabled_at=None,
        )
    )
    return operator_id


# --- merchant users -----------------------------------------------------------------------------


def invite_user(
    connection: Connection,
    merchant_id: str,
    email: str,
    *,
    role: str,
    base_url: str,
    at: datetime,
) -> tuple[str, str]:
    """Invite someone to the merchant's portal: a user row and an e-mail with a one-time link.

    Returns the user id and the link. An address already invited or active anywhere is refused.
    """
    if role not in MERCHANT_ROLES:
        raise BadValue(f"role must be one of {', '.join(MERCHANT_ROLES)}")
    address = normalize_email(email)
    exists = connection.execute(
        select(merchant_users.c.id).where(merchant_users.c.email == address)
    ).first()
    if exists is not None:
        raise Conflict(f"{address} already has a merchant portal account")
    token = secrets.token_urlsafe(32)
    user_id = new_id("mus")
    connection.execute(
        merchant_users.insert().values(
            id=user_id,
            merchant_id=merchant_id,
            email=address,
            role=role,
            password_hash=None,
            invite_hash=_digest(token),
            invite_expires_at=at + INVITATION_LIFETIME,
            failed_logins=0,
            created_at=at,
            disabled_at=None,
        )
    )
    link = f"{base_url.rstrip('/')}/merchant/invitation/{token}"
    queue_email(
        connection,
        to=address,
        subject="Your invitation to the paylater merchant portal",
        text=(
            "You have been invited to the paylater merchant portal.\n\n"
            f"Choose your password here (the link is valid for 7 days):\n{link}\n"
        ),
        kind="merchant.invitation",
        locale="en-GB",
        at=at,
    )
    return user_id, link


def invitation(connection: Connection, token: str, *, now: datetime) -> dict[str, Any]:
    row = connection.execute(
        select(merchant_users).where(merchant_users.c.invite_hash == _digest(token))
    ).first()
    if row is None or row.disabled_at is not None or row.invite_expires_at <= now:
        raise NotFound("this invitation link is unknown or has expired")
    return dict(row._mapping)


def accept_invitation(connection: Connection, token: str, password: str, *, now: datetime) -> str:
    """Set the invited user's password; the link stops working. Returns the user id."""
    user = invitation(connection, token, now=now)
    _check_new_password(password)
    connection.execute(
        merchant_users.update()
        .where(merchant_users.c.id == user["id"])
        .values(
            password_hash=hash_password(password),
            invite_hash=None,
            invite_expires_at=None,
            failed_logins=0,
        )
    )
    return str(user["id"])


def list_users(connection: Connection, merchant_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(
            merchant_users.c.id,
            merchant_users.c.email,
            merchant_users.c.role,
            merchant_users.c.password_hash.is_not(None).label("active"),
            merchant_users.c.created_at,
            merchant_users.c.disabled_at,
        )
        .where(merchant_users.c.merchant_id == merchant_id)
        .order_by(merchant_users.c.created_at, merchant_users.c.email)
    ).all()
    return [dict(row._mapping) for row in rows]


def _own_user(connection: Connection, merchant_id: str, user_id: str) -> Any:
    row = connection.execute(
        select(merchant_users)
        .where(merchant_users.c.id == user_id)
        .where(merchant_users.c.merchant_id == merchant_id)
    ).first()
    if row is None:
        raise NotFound(f"no user {user_id}")
    return row


def set_role(connection: Connection, merchant_id: str, user_id: str, role: str) -> None:
    if role not in MERCHANT_ROLES:
        raise BadValue(f"role must be one of {', '.join(MERCHANT_ROLES)}")
    _own_user(connection, merchant_id, user_id)
    connection.execute(
        merchant_users.update().where(merchant_users.c.id == user_id).values(role=role)
    )


def disable_user(connection: Connection, merchant_id: str, user_id: str, *, at: datetime) -> None:
    _own_user(connection, merchant_id, user_id)
    connection.execute(
        merchant_users.update().where(merchant_users.c.id == user_id).values(disabled_at=at)
    )
    end_sessions(connection, MERCHANT, user_id)


# --- signing in ---------------------------------------------------------------------------------


def _account_table(kind: str) -> Any:
    return merchant_users if kind == MERCHANT else operators


def _user_of(kind: str, row: Any) -> StaffUser:
    merchant_id = row.merchant_id if kind == MERCHANT else None
    return StaffUser(row.id, kind, row.email, row.role, merchant_id)


def log_in(
    connection: Connection, kind: str, email: str, password: str, *, now: datetime
) -> tuple[StaffUser, str] | None:
    """Check the password; on success start a session and return the user and its cookie token."""
    table = _account_table(kind)
    row = connection.execute(select(table).where(table.c.email == normalize_email(email))).first()
    usable = row is not None and row.disabled_at is None and row.failed_logins < MAX_FAILED_LOGINS
    valid = check_password(password, row.password_hash if row is not None else None)
    if row is None:
        return None
    if not (usable and valid):
        connection.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(failed_logins=table.c.failed_logins + (0 if valid else 1))
        )
        return None
    if row.failed_logins:
        connection.execute(table.update().where(table.c.id == row.id).values(failed_logins=0))
    token = secrets.token_urlsafe(32)
    connection.execute(
        staff_sessions.insert().values(
            id=_digest(token),
            kind=kind,
            user_id=row.id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return _user_of(kind, row), token


def session_user(
    connection: Connection, kind: str, token: str | None, *, now: datetime
) -> StaffUser | None:
    """The user behind a cookie token, only if the session is of ``kind`` and still valid."""
    if not token or len(token) > 100:
        return None
    session = connection.execute(
        select(staff_sessions.c.user_id, staff_sessions.c.expires_at)
        .where(staff_sessions.c.id == _digest(token))
        .where(staff_sessions.c.kind == kind)
    ).first()
    if session is None or session.expires_at <= now:
        return None
    table = _account_table(kind)
    row = connection.execute(select(table).where(table.c.id == session.user_id)).first()
    if row is None or row.disabled_at is not None:
        return None
    return _user_of(kind, row)


def log_out(connection: Connection, token: str | None) -> None:
    if token:
        connection.execute(staff_sessions.delete().where(staff_sessions.c.id == _digest(token)))


def end_sessions(connection: Connection, kind: str, user_id: str) -> None:
    connection.execute(
        staff_sessions.delete()
        .where(staff_sessions.c.kind == kind)
        .where(staff_sessions.c.user_id == user_id)
    )
