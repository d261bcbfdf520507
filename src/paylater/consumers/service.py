"""Consumers: found by e-mail, created on first purchase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from paylater.consumers.models import consumers
from paylater.fastsql import execute, execute_soon
from paylater.kit.errors import BadValue
from paylater.kit.ids import new_ordered_id


@dataclass(frozen=True, slots=True)
class ConsumerDetails:
    email: str
    given_name: str = ""
    family_name: str = ""
    date_of_birth: date | None = None
    country: str = ""
    locale: str = ""
    phone: str = ""
    monthly_income: int | None = None
    monthly_expenses: int | None = None


@dataclass(frozen=True, slots=True)
class Consumer:
    id: str
    email: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    country: str
    locale: str
    monthly_income: int | None
    monthly_expenses: int | None
    created_at: datetime


def normalize_email(email: str) -> str:
    cleaned = email.strip().lower()
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or " " in cleaned:
        raise BadValue("customer.email is not a valid e-mail address")
    return cleaned


def _from_row(row: object) -> Consumer:
    mapping = row._mapping  # type: ignore[attr-defined]
    return Consumer(**{name: mapping[name] for name in Consumer.__slots__})


_BY_EMAIL = select(consumers).where(consumers.c.email == bindparam("email"))
_BY_ID = select(consumers).where(consumers.c.id == bindparam("id"))
_INSERT = consumers.insert()


def find_by_email(connection: Connection, email: str) -> Consumer | None:
    row = execute(connection, _BY_EMAIL, {"email": normalize_email(email)}).first()
    return _from_row(row) if row is not None else None


def find_by_email_soon(connection: Connection, email: str) -> Callable[[], Consumer | None]:
    """:func:`find_by_email`, sent with the transaction's next batch on PostgreSQL: call the
    returned function for the consumer."""
    result = execute_soon(connection, _BY_EMAIL, {"email": normalize_email(email)})

    def found() -> Consumer | None:
        row = result().first()
        return _from_row(row) if row is not None else None

    return found


def get(connection: Connection, consumer_id: str) -> Consumer:
    row = execute(connection, _BY_ID, {"id": consumer_id}).one()
    return _from_row(row)


def find_or_create(
    connection: Connection,
    details: ConsumerDetails,
    *,
    default_country: str,
    default_locale: str,
    at: datetime,
    looked_up: Callable[[], Consumer | None] | None = None,
) -> tuple[Consumer, bool]:
    """The consumer with this e-mail (details they state now fill gaps), or a new one.

    ``looked_up``: the e-mail's lookup started earlier (:func:`find_by_email_soon`)."""
    email = normalize_email(details.email)
    existing = looked_up() if looked_up is not None else find_by_email(connection, email)
    if existing is not None:
        updates: dict[str, object] = {}
        if existing.date_of_birth is None and details.date_of_birth is not None:
            updates["date_of_birth"] = details.date_of_birth
        if details.monthly_income is not None:
            updates["monthly_income"] = details.monthly_income
        if details.monthly_expenses is not None:
            updates["monthly_expenses"] = details.monthly_expenses
        if updates:
            connection.execute(
                consumers.update().where(consumers.c.id == existing.id).values(**updates)
            )
            existing = get(connection, existing.id)
        return existing, False
    consumer_id = new_ordered_id("con")
    values: dict[str, Any] = {
        "id": consumer_id,
        "email": email,
        "given_name": details.given_name.strip(),
        "family_name": details.family_name.strip(),
        "date_of_birth": details.date_of_birth,
        "country": (details.country or default_country).upper(),
        "locale": details.locale or default_locale,
        "phone": details.phone,
        "monthly_income": details.monthly_income,
        "monthly_expenses": details.monthly_expenses,
        "created_at": at,
    }
    execute(connection, _INSERT, values)
    return Consumer(
        id=consumer_id,
        email=email,
        given_name=values["given_name"],
        family_name=values["family_name"],
        date_of_birth=details.date_of_birth,
        country=values["country"],
        locale=values["locale"],
        monthly_income=details.monthly_income,
        monthly_expenses=details.monthly_expenses,
        created_at=at,
    ), True
