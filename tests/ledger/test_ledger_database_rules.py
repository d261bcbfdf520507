"""The database itself refuses what would break the ledger, whatever code talks to it.

Raw SQL through ``database.engine``, on SQLite and PostgreSQL alike (PRODUCT.md §10).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError

from paylater.db import Database, UTCDateTime
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Posting, account, balance, post, verify

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BANK = account(AccountKind.BANK_CLEARING, "SEK")
SUSPENSE = account(AccountKind.SUSPENSE, "SEK")
INSERT_POSTING = text(
    "INSERT INTO postings (entry_id, account_key, amount, currency) "
    "VALUES (:entry, :key, :amount, :currency)"
)
INSERT_ENTRY = text(
    "INSERT INTO journal_entries (id, kind, reference, reverses, memo, created_at) "
    "VALUES (:id, 'manual', '', NULL, '', :at)"
).bindparams(bindparam("at", type_=UTCDateTime()))


@pytest.fixture
def sealed(database: Database) -> str:
    """One legitimate entry, so both accounts exist with balances 500 / −500."""
    return database.run(
        lambda c: post(
            c,
            kind="seed",
            reference="",
            at=AT,
            entry_postings=[
                Posting(BANK, Money(500, "SEK")),
                Posting(SUSPENSE, Money(-500, "SEK")),
            ],
        )
    )


def _raw(database: Database, *statements: tuple[Any, dict[str, Any]]) -> None:
    with database.engine.connect() as connection, connection.begin():
        for statement, params in statements:
            connection.execute(statement, params)


def _state(database: Database) -> tuple[int, int, int, int]:
    def work(connection: Any) -> tuple[int, int, int, int]:
        return (
            int(connection.execute(text("SELECT COUNT(*) FROM journal_entries")).scalar_one()),
            int(connection.execute(text("SELECT COUNT(*) FROM postings")).scalar_one()),
            balance(connection, BANK),
            balance(connection, SUSPENSE),
        )

    return database.run(work, readonly=True)


def _posting(entry: str, key: str, amount: int, currency: str = "SEK") -> tuple[Any, dict]:
    return INSERT_POSTING, {"entry": entry, "key": key, "amount": amount, "currency": currency}


def _header(entry: str) -> tuple[Any, dict[str, Any]]:
    return INSERT_ENTRY, {"id": entry, "at": AT}


def test_the_database_refuses_an_unbalanced_entry(database: Database, sealed: str) -> None:
    before = _state(database)
    with pytest.raises(DBAPIError, match="does not balance"):
        _raw(
            database,
            _posting("raw-1", BANK, 100),
            _posting("raw-1", SUSPENSE, -99),
            _header("raw-1"),
        )
    assert _state(database) == before == (1, 2, 500, -500)
    assert database.run(verify).ok


def test_the_database_refuses_a_one_posting_entry(database: Database, sealed: str) -> None:
    before = _state(database)
    with pytest.raises(DBAPIError, match="at least two postings"):
        _raw(database, _posting("raw-2", BANK, 0), _header("raw-2"))
    with pytest.raises(DBAPIError, match="at least two postings"):
        _raw(database, _header("raw-3"))
    assert _state(database) == before


def test_the_database_accepts_a_balanced_raw_entry(database: Database, sealed: str) -> None:
    _raw(database, _posting("raw-4", BANK, 70), _posting("raw-4", SUSPENSE, -70), _header("raw-4"))
    assert _state(database) == (2, 4, 570, -570)
    assert database.run(verify).ok


def test_the_database_refuses_a_posting_into_a_sealed_entry(
    database: Database, sealed: str
) -> None:
    before = _state(database)
    with pytest.raises(DBAPIError, match="already sealed"):
        _raw(database, _posting(sealed, BANK, 1), _posting(sealed, SUSPENSE, -1))
    assert _state(database) == before


def test_the_database_refuses_a_posting_without_its_header(database: Database, sealed: str) -> None:
    """The postings' foreign key to the header is deferred: it fails at commit."""
    before = _state(database)
    with pytest.raises(DBAPIError):
        _raw(database, _posting("raw-5", BANK, 10), _posting("raw-5", SUSPENSE, -10))
    assert _state(database) == before


def test_the_database_refuses_a_posting_in_another_currency(
    database: Database, sealed: str
) -> None:
    before = _state(database)
    with pytest.raises(DBAPIError, match="currency"):
        _raw(
            database,
            _posting("raw-6", BANK, 10, "EUR"),
            _posting("raw-6", SUSPENSE, -10, "EUR"),
            _header("raw-6"),
        )
    assert _state(database) == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE postings SET amount = amount + 1",
        "UPDATE postings SET account_key = account_key",
        "DELETE FROM postings",
        "UPDATE journal_entries SET memo = 'edited'",
        "DELETE FROM journal_entries",
    ],
)
def test_postings_and_entries_are_immutable(
    database: Database, sealed: str, statement: str
) -> None:
    before = _state(database)
    with pytest.raises(DBAPIError, match="immutable"):
        _raw(database, (text(statement), {}))
    assert _state(database) == before


def test_a_tampered_stored_balance_is_allowed_but_detected(database: Database, sealed: str) -> None:
    _raw(database, (text("UPDATE ledger_accounts SET balance = balance + 1"), {}))
    report = database.run(verify)
    assert not report.ok
    assert sorted(report.drift) == [(BANK, 501, 500), (SUSPENSE, -499, -500)]
