"""fastsql: a small batch of inserts on PostgreSQL goes as one multi-row statement, with the
same rows, triggers and row count as one insert per row; statements go to PostgreSQL with numbered
placeholders."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, func, literal_column, select

from paylater.db import Database, insert_ignoring_duplicates
from paylater.fastsql import _multi_row_insert, _numbered, _repeated_row, execute
from paylater.ledger.models import ledger_accounts


def test_a_one_row_insert_is_repeated_and_anything_else_left_alone() -> None:
    insert = "INSERT INTO t (a, b) VALUES (%s::VARCHAR, %s::NUMERIC(12, 2)) RETURNING t.id"
    assert _repeated_row(insert, 2) == (
        "INSERT INTO t (a, b) VALUES (%s::VARCHAR, %s::NUMERIC(12, 2)), "
        "(%s::VARCHAR, %s::NUMERIC(12, 2))"
    )
    ignoring = "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING"
    assert _repeated_row(ignoring, 3) == (
        "INSERT INTO t (a) VALUES (%s), (%s), (%s) ON CONFLICT DO NOTHING"
    )
    assert (
        _repeated_row("INSERT INTO t (a) VALUES (%s) ON CONFLICT (a) DO UPDATE SET a = 1", 2)
        is None
    )
    assert _repeated_row("INSERT INTO t (a, b) VALUES (%s, 'a (b')", 2) is None
    assert _repeated_row("UPDATE t SET a = %s", 2) is None


def test_placeholders_are_numbered_and_escaped_percent_signs_unescaped() -> None:
    assert _numbered("SELECT a FROM t WHERE b = %s AND c LIKE 'x%%s%%' AND d = %s") == (
        "SELECT a FROM t WHERE b = $1 AND c LIKE 'x%s%' AND d = $2"
    )
    assert _multi_row_insert("INSERT INTO t (a, b) VALUES (%s, %s) RETURNING t.a", 3) == (
        "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)"
    )


def test_a_percent_sign_in_a_statement_reaches_the_database_as_one(database: Database) -> None:
    statement = (
        select(func.count())
        .select_from(ledger_accounts)
        .where(
            ledger_accounts.c.key.like(literal_column("'consumer%'"))  # written into the SQL
        )
    )
    rows = [_account(number) for number in range(2)]

    def count(connection: Connection) -> int:
        execute(connection, insert_ignoring_duplicates(connection, ledger_accounts), rows)
        return int(execute(connection, statement, {}).scalar())

    assert database.run(count) == 2


def _account(number: int) -> dict[str, object]:
    return {
        "key": f"consumer_receivable/c{number}/SEK",
        "kind": "consumer_receivable",
        "owner": f"c{number}",
        "currency": "SEK",
        "balance": 0,
    }


@pytest.mark.parametrize("count", [1, 3, 32, 40])
def test_a_batch_writes_every_row_and_counts_them(database: Database, count: int) -> None:
    rows = [_account(number) for number in range(count)]

    def write(connection: Connection) -> int:
        statement = insert_ignoring_duplicates(connection, ledger_accounts)
        first = execute(connection, statement, rows).rowcount
        again = execute(connection, statement, [*rows[:2], _account(1000)]).rowcount
        return int(first) * 10_000 + int(again)

    assert database.run(write) == count * 10_000 + 1  # the repeats are ignored, the new one not
    stored = database.run(
        lambda c: c.execute(select(func.count()).select_from(ledger_accounts)).scalar_one()
    )
    assert stored == count + 1
