"""The consumer portal's reads stay index look-ups however large the tables grow."""

from __future__ import annotations

from sqlalchemy import Connection, text

from paylater.db import Database
from paylater.web.portal_data import transfers_query


def _plan(connection: Connection, sqlite: bool) -> str:
    query = transfers_query("consumer-1")
    compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
    if sqlite:
        rows = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(str(row[-1]) for row in rows)
    # Empty tables make any plan cheap: forbid sequential scans so that only a usable index
    # can avoid one.
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN {compiled}")))


def test_a_consumers_bank_transfers_are_read_through_the_index_by_order(
    database: Database,
) -> None:
    plan = database.run(lambda c: _plan(c, database.is_sqlite), readonly=True)
    assert "ix_bank_entries_order" in plan, plan
    assert "SCAN bank_entries" not in plan and "Seq Scan on bank_entries" not in plan, plan
