"""PostgreSQL: writes kept back and sent in batches behave as if each had been sent at once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, bindparam, func, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from paylater import pgpipeline
from paylater.db import Database
from paylater.fastsql import execute, execute_soon
from paylater.sandbox.models import sandbox_state

_ADD = insert(sandbox_state)
_SET = (
    sandbox_state.update()
    .where(sandbox_state.c.value >= bindparam("at_least"))
    .values(value=bindparam("new_value"))
)
_COUNT = select(func.count()).select_from(sandbox_state)
_VALUE = select(sandbox_state.c.value).where(sandbox_state.c.name == bindparam("name"))


@pytest.fixture
def postgresql(database: Database) -> Database:
    if database.is_sqlite:
        pytest.skip("SQLite sends nothing over a network")
    return database


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many statements each batch sent to the server carried (BEGIN and COMMIT included)."""
    sizes: list[int] = []
    original = pgpipeline._send

    def counted(connection: Any, pipe: Any, last: Any, *, commit: bool) -> Any:
        begin = pipe.driver.pgconn.transaction_status == 0  # idle: the batch opens one
        sizes.append(len(pipe.pending) + (last is not None) + commit + begin)
        return original(connection, pipe, last, commit=commit)

    monkeypatch.setattr(pgpipeline, "_send", counted)
    return sizes


def _stored(database: Database) -> dict[str, int]:
    rows = database.run(lambda c: c.execute(select(sandbox_state)).all())
    return {row.name: row.value for row in rows}


def test_writes_go_with_the_next_read_and_with_the_commit(
    postgresql: Database, batches: list[int]
) -> None:
    def work(connection: Connection) -> int:
        for number in range(3):
            execute(connection, _ADD, {"name": f"n{number}", "value": number})
        seen = int(execute(connection, _COUNT, {}).scalar())
        execute(connection, _ADD, {"name": "last", "value": 9})
        execute(connection, _ADD, [{"name": "a", "value": 1}, {"name": "b", "value": 2}])
        return seen

    assert postgresql.run(work) == 3
    # BEGIN + three inserts + the read; then two writes + COMMIT.
    assert batches == [5, 3]
    assert _stored(postgresql) == {"n0": 0, "n1": 1, "n2": 2, "last": 9, "a": 1, "b": 2}


def test_a_read_sent_soon_shares_the_next_batch(postgresql: Database, batches: list[int]) -> None:
    postgresql.run(lambda c: execute(c, _ADD, {"name": "early", "value": 3}))
    batches.clear()

    def work(connection: Connection) -> tuple[Any, ...]:
        early = execute_soon(connection, _VALUE, {"name": "early"})
        missing = execute_soon(connection, _VALUE, {"name": "nobody"})
        execute(connection, _ADD, {"name": "late", "value": 4})
        count = int(execute(connection, _COUNT, {}).scalar())
        # Asked for after the batch: nothing more is sent.
        return early().scalar(), missing().first(), count, len(batches)

    assert postgresql.run(work) == (3, None, 2, 1)
    # BEGIN + the two reads + the insert + the count; then the COMMIT.
    assert batches == [5, 1]


def test_a_read_sent_soon_goes_when_its_answer_is_wanted(
    postgresql: Database, batches: list[int]
) -> None:
    postgresql.run(lambda c: execute(c, _ADD, {"name": "x", "value": 8}))
    batches.clear()

    def work(connection: Connection) -> int:
        value = execute_soon(connection, _VALUE, {"name": "x"})
        return int(value().scalar())

    assert postgresql.run(work) == 8
    assert batches == [2, 1]


def test_a_read_sent_soon_is_dropped_by_a_rollback(postgresql: Database) -> None:
    def work(connection: Connection) -> None:
        savepoint = connection.begin_nested()
        read = pgpipeline.read_soon(connection, "SELECT 1", ())
        savepoint.rollback()
        with pytest.raises(RuntimeError, match="dropped by a rollback"):
            read.rows  # noqa: B018

    postgresql.run(work)


def test_a_row_count_asked_for_sends_the_write_and_counts_it(postgresql: Database) -> None:
    def work(connection: Connection) -> tuple[int, int, int]:
        execute(connection, _ADD, [{"name": f"n{n}", "value": n} for n in range(4)])
        two = execute(connection, _SET, {"at_least": 2, "new_value": 7}).rowcount
        none = execute(connection, _SET, {"at_least": 100, "new_value": 8}).rowcount
        four = execute(connection, _SET, {"at_least": 0, "new_value": 5}).rowcount
        return two, none, four

    assert postgresql.run(work) == (2, 0, 4)
    assert set(_stored(postgresql).values()) == {5}


def test_a_statement_through_sqlalchemy_sees_the_writes_before_it(postgresql: Database) -> None:
    def work(connection: Connection) -> int:
        execute(connection, _ADD, {"name": "x", "value": 41})
        return int(connection.execute(_VALUE, {"name": "x"}).scalar_one())

    assert postgresql.run(work) == 41


def test_a_failing_write_fails_the_commit_and_nothing_is_stored(postgresql: Database) -> None:
    postgresql.run(lambda c: execute(c, _ADD, {"name": "taken", "value": 1}))

    def work(connection: Connection) -> None:
        execute(connection, _ADD, {"name": "fresh", "value": 2})
        execute(connection, _ADD, {"name": "taken", "value": 3})  # kept back: no error yet

    with pytest.raises(IntegrityError, match=r"pk_sandbox_state|duplicate key"):
        postgresql.run(work)
    assert _stored(postgresql) == {"taken": 1}
    # The connections are usable again, the statements prepared in the failed batch included.
    postgresql.run(lambda c: execute(c, _ADD, {"name": "fresh", "value": 2}))
    assert _stored(postgresql) == {"taken": 1, "fresh": 2}


def test_an_error_before_the_commit_drops_the_writes_kept_back(postgresql: Database) -> None:
    def work(connection: Connection) -> None:
        execute(connection, _ADD, {"name": "dropped", "value": 1})
        raise ValueError("the unit fails in Python")

    with pytest.raises(ValueError, match="fails in Python"):
        postgresql.run(work)
    assert _stored(postgresql) == {}


def test_a_rollback_to_a_savepoint_drops_only_the_writes_after_it(postgresql: Database) -> None:
    def work(connection: Connection) -> None:
        execute(connection, _ADD, {"name": "before", "value": 1})
        savepoint = connection.begin_nested()
        execute(connection, _ADD, {"name": "inside", "value": 2})
        savepoint.rollback()
        execute(connection, _ADD, {"name": "after", "value": 3})

    postgresql.run(work)
    assert _stored(postgresql) == {"before": 1, "after": 3}


def test_each_statement_is_prepared_once_per_connection(postgresql: Database) -> None:
    def work(connection: Connection, first: int) -> int:
        count = text("SELECT count(*) FROM pg_prepared_statements")
        before = int(connection.execute(count).scalar_one())
        for number in range(first, first + 5):
            execute(connection, _ADD, {"name": f"n{number}", "value": number})
            execute(connection, _VALUE, {"name": f"n{number}"})
        return int(connection.execute(count).scalar_one()) - before

    with postgresql.engine.connect() as connection:
        with connection.begin():
            assert work(connection, 0) == 2  # the insert and the read
        with connection.begin():
            assert work(connection, 10) == 0


def test_a_connection_lost_in_a_batch_is_not_lent_again(postgresql: Database) -> None:
    def lose_own_backend(connection: Connection) -> None:
        execute(connection, _ADD, {"name": "lost", "value": 1})
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with postgresql.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        execute(connection, _ADD, {"name": "never", "value": 2})
        execute(connection, _COUNT, {})  # sends the batch over the closed connection

    with pytest.raises(DBAPIError) as raised:
        postgresql.run(lose_own_backend)
    assert raised.value.connection_invalidated
    # At once, without waiting for the idle ping: the next unit gets a working connection.
    for _ in range(3):
        postgresql.run(lambda c: execute(c, _COUNT, {}).scalar())
    assert _stored(postgresql) == {}  # the transaction died with its connection


def test_many_writes_go_in_batches_of_bounded_size(
    postgresql: Database, batches: list[int]
) -> None:
    """A batch is written whole before its answers are read: a long run of writes is sent in
    several batches, so neither side's socket buffer can fill while the other waits."""

    def work(connection: Connection) -> int:
        for number in range(600):
            execute(connection, _ADD, {"name": f"n{number}", "value": number})
        many = [{"name": f"m{number}", "value": number} for number in range(1000)]
        written = execute(connection, _ADD, many).rowcount
        return int(written) + int(execute(connection, _COUNT, {}).scalar())

    assert postgresql.run(work) == 1000 + 1600
    assert max(batches) <= pgpipeline._MOST_KEPT_BACK + 2  # BEGIN, and the read or COMMIT
    assert len(_stored(postgresql)) == 1600
