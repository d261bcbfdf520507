"""A lean execution path for prebuilt statements (SQLite and PostgreSQL through psycopg).

SQLAlchemy Core costs ~15–25 µs per statement in Python around a ~1–3 µs SQLite call; on the
checkout hot path (dozens of statements per flow, one writer) that overhead is most of the
server's time. :func:`execute` compiles a prebuilt statement once per parameter shape, then runs it
on the same DBAPI connection and transaction with the types' own bind and result processors, so the
values written and read are exactly what SQLAlchemy would produce. Anything it does not handle
(other dialects, expanding IN lists, server-side defaults it would have to fill) goes through
SQLAlchemy unchanged.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, ClassVar

from sqlalchemy import (
    ARRAY,
    Connection,
    Engine,
    String,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement, ColumnElement

from paylater import pgpipeline

_MISSING = object()
_NAMED = re.compile(r"%\(([^)]+)\)s")
_FORMAT_TOKEN = re.compile(r"%[%s]")
Processor = Callable[[Any], Any] | None


class FastRow(tuple[Any, ...]):
    """A result row with attribute access and ``_mapping``, like SQLAlchemy's Row."""

    _keys: ClassVar[tuple[str, ...]] = ()
    _index: ClassVar[dict[str, int]] = {}

    def __getattr__(self, name: str) -> Any:
        try:
            return self[self._index[name]]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(zip(self._keys, self, strict=True))


class FastResult:
    def __init__(self, rows: list[FastRow] | None, rowcount: int) -> None:
        self._rows = rows or []
        self.rowcount = rowcount

    def first(self) -> FastRow | None:
        return self._rows[0] if self._rows else None

    def one(self) -> FastRow:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def all(self) -> list[FastRow]:
        return self._rows

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None


class _Plan:
    __slots__ = ("binds", "format_sql", "processors", "row_type", "sql", "statement")

    def __init__(
        self, statement: ClauseElement, connection: Connection | Engine, keys: Sequence[str]
    ):
        dialect = connection.dialect
        compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))
        self.statement = statement  # keeps id(statement) from being reused while cached
        self.sql = str(compiled)
        if "POSTCOMPILE" in self.sql or "%%(" in self.sql or compiled.escaped_bind_names:
            raise _Unsupported
        # qmark (SQLite) binds by position. psycopg's named placeholders are turned into
        # positional ones here, once: psycopg would otherwise reorder a mapping into a list at
        # every execution, and the mapping would have to be built first.
        # On PostgreSQL they are then numbered ($1, $2, …): paylater.pgpipeline prepares and
        # sends the text as it is (psycopg's cursor would parse it again at every execution
        # when it has more than 50 parameters). ``format_sql`` keeps the ``%s`` form, from
        # which multi-row inserts are built.
        self.format_sql = self.sql
        if compiled.positiontup is None:
            order = _NAMED.findall(self.sql)
            self.format_sql = _NAMED.sub("%s", self.sql)
            self.sql = _numbered(self.format_sql)
        else:
            order = list(compiled.positiontup)
        processors = compiled._bind_processors
        self.binds: list[tuple[str, Processor, Any]] = []
        for name in order:
            bind = compiled.binds[name]
            default = _MISSING if bind.required or bind.callable else bind.value
            self.binds.append((name, processors.get(name), default))
        self.row_type: type[FastRow] | None = None
        self.processors: list[Processor] = []
        if compiled._result_columns:
            keys_out = tuple(column[0] for column in compiled._result_columns)
            self.row_type = type(
                "Row",
                (FastRow,),
                {"_keys": keys_out, "_index": {k: i for i, k in enumerate(keys_out)}},
            )
            self.processors = [
                column[3]._cached_result_processor(dialect, None)
                for column in compiled._result_columns
            ]

    def rows(self, fetched: list[Any]) -> list[FastRow]:
        """Driver rows converted by the result processors (only the columns that have one)."""
        row_type = self.row_type
        assert row_type is not None
        converting = [(index, p) for index, p in enumerate(self.processors) if p is not None]
        if not converting:
            return [row_type(raw) for raw in fetched]
        rows = []
        for raw in fetched:
            values = list(raw)
            for index, processor in converting:
                values[index] = processor(values[index])
            rows.append(row_type(values))
        return rows

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        out = []
        for name, processor, default in self.binds:
            value = values.get(name, default)
            if value is _MISSING:
                raise _Unsupported
            out.append(processor(value) if processor is not None else value)
        return tuple(out)

    def parameters_many(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """:meth:`parameters` for many rows, a column at a time, converting each distinct value
        once per column (bulk rows share most of their dates and timestamps)."""
        if not self.binds:
            return [() for _ in rows]
        columns: list[list[Any]] = []
        for name, _processor, default in self.binds:
            try:  # every row has the key (bulk rows do): read in C
                column = list(map(itemgetter(name), rows))
            except KeyError:
                column = [values.get(name, default) for values in rows]
                if default is _MISSING and any(value is _MISSING for value in column):
                    raise _Unsupported from None
            columns.append(column)
        return self._assembled(columns)

    def parameters_of_columns(
        self, keys: Sequence[str], columns: Sequence[Sequence[Any]]
    ) -> list[tuple[Any, ...]]:
        """:meth:`parameters_many` for rows given column by column: ``columns[i]`` holds every
        row's value of ``keys[i]``."""
        by_key = dict(zip(keys, columns, strict=True))
        try:
            return self._assembled([list(by_key[name]) for name, _, _ in self.binds])
        except KeyError:
            raise _Unsupported from None

    def _assembled(self, columns: list[list[Any]]) -> list[tuple[Any, ...]]:
        """Rows of driver parameters from raw columns in bind order, each converted once per
        distinct value."""
        for index, (_, processor, _) in enumerate(self.binds):
            if processor is not None:
                columns[index] = _converted(columns[index], processor)
        return list(zip(*columns, strict=True))


def _converted(column: list[Any], processor: Callable[[Any], Any]) -> list[Any]:
    seen: dict[tuple[type, Any], Any] = {}
    out = []
    for value in column:
        key = (type(value), value)
        try:
            out.append(seen[key])
        except KeyError:
            out.append(seen.setdefault(key, processor(value)))
        except TypeError:  # unhashable (JSON documents)
            out.append(processor(value))
    return out


def _numbered(sql: str) -> str:
    """``sql`` with psycopg's ``%s`` placeholders as PostgreSQL's ``$1, $2, …`` and its ``%%``
    escapes as plain ``%``."""
    numbers = itertools.count(1)
    return _FORMAT_TOKEN.sub(lambda token: "%" if token[0] == "%%" else f"${next(numbers)}", sql)


class _Unsupported(Exception):
    pass


_PLANS: dict[tuple[int, str, tuple[str, ...]], _Plan | None] = {}


def _plan(
    statement: ClauseElement, connection: Connection | Engine, keys: tuple[str, ...]
) -> _Plan | None:
    """The plan for ``statement`` with these parameter names (in the caller's order: callers
    pass their parameters in the same order each time, so the key needs no sorting)."""
    # One process may use both SQLite and PostgreSQL (the tests do): a plan is per dialect.
    cache_key = (id(statement), connection.dialect.name, keys)
    try:
        return _PLANS[cache_key]
    except KeyError:
        pass
    try:
        plan: _Plan | None = _Plan(statement, connection, sorted(keys))
    except _Unsupported:
        plan = None
    _PLANS[cache_key] = plan
    return plan


def execute_rows(
    connection: Connection, statement: Any, keys: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """Execute a prebuilt statement once per row, each row a sequence of values in the order of
    ``keys`` (cheaper to build, send between processes and bind than one mapping per row).
    Returns the number of rows the statement changed."""
    if not rows:
        return 0
    plan = None
    if connection.dialect.name in ("sqlite", "postgresql"):
        plan = _plan(statement, connection, tuple(keys))
    if plan is not None:
        try:
            values = plan.parameters_of_columns(keys, list(zip(*rows, strict=True)))
        except _Unsupported:
            pass
        else:
            return _run_many(connection, plan, values)
    mappings = [dict(zip(keys, row, strict=True)) for row in rows]
    return int(connection.execute(statement, mappings).rowcount)


def _cursor(connection: Connection) -> Any:
    """A cursor on the connection's DBAPI connection (SQLite: PostgreSQL statements go through
    :mod:`paylater.pgpipeline`)."""
    return connection.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _run_many(connection: Connection, plan: _Plan, values: list[Any]) -> int:
    if connection.dialect.name == "postgresql":
        return _KeptBack(_kept_back_rows(connection, plan, values)).rowcount
    cursor = _cursor(connection)
    try:
        cursor.executemany(plan.sql, values)
        return int(cursor.rowcount)
    except connection.dialect.loaded_dbapi.Error as error:
        dbapi_error = connection.dialect.loaded_dbapi.Error
        raise DBAPIError.instance(plan.sql, None, error, dbapi_error) from error
    finally:
        cursor.close()


def execute(
    connection: Connection,
    statement: Any,
    parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> Any:
    """Execute a module-level (prebuilt) statement; the result has first/one/all/scalar."""
    if connection.dialect.name not in ("sqlite", "postgresql"):
        return connection.execute(statement, parameters)
    batch: list[Mapping[str, Any]] | None = None
    sample: Mapping[str, Any] = {}
    if isinstance(parameters, list):
        batch = parameters
        sample = batch[0] if batch else {}
    elif isinstance(parameters, Mapping):
        sample = parameters
    plan = _plan(statement, connection, tuple(sample))
    if plan is None:
        return connection.execute(statement, parameters)
    try:
        if batch is not None:
            rows_in = plan.parameters_many(batch)
        else:
            values = plan.parameters(sample)
    except _Unsupported:
        return connection.execute(statement, parameters)
    if connection.dialect.name == "postgresql":
        if batch is not None:
            return _KeptBack(_kept_back_rows(connection, plan, rows_in))
        if plan.row_type is None:
            return _KeptBack([pgpipeline.defer(connection, plan.sql, values)])
        answer = pgpipeline.run(connection, plan.sql, values)
        return FastResult(plan.rows(answer.rows or []), answer.rowcount)
    cursor = _cursor(connection)
    try:
        if batch is not None:
            cursor.executemany(plan.sql, rows_in)
            return FastResult(None, cursor.rowcount)
        cursor.execute(plan.sql, values)
        if plan.row_type is None:
            return FastResult(None, cursor.rowcount)
        return FastResult(plan.rows(cursor.fetchall()), cursor.rowcount)
    except connection.dialect.loaded_dbapi.Error as error:
        dbapi_error = connection.dialect.loaded_dbapi.Error
        raise DBAPIError.instance(plan.sql, None, error, dbapi_error) from error
    finally:
        cursor.close()


def execute_soon(
    connection: Connection, statement: Any, parameters: Mapping[str, Any]
) -> Callable[[], Any]:
    """A prebuilt read whose inputs are known early: on PostgreSQL it goes with the next batch
    (:func:`paylater.pgpipeline.read_soon`), elsewhere it runs now. Call the returned function
    for its result (first/one/all/scalar), which sends the read if it has not gone yet."""
    if connection.dialect.name == "postgresql":
        plan = _plan(statement, connection, tuple(parameters))
        if plan is not None and plan.row_type is not None:
            try:
                values = plan.parameters(parameters)
            except _Unsupported:
                pass
            else:
                read = pgpipeline.read_soon(connection, plan.sql, values)
                return lambda: FastResult(plan.rows(read.rows), read.rowcount)
    result = execute(connection, statement, parameters)
    return lambda: result


def _kept_back_rows(
    connection: Connection, plan: _Plan, rows: list[tuple[Any, ...]]
) -> list[pgpipeline.Deferred]:
    """Rows for one statement, kept back for the next batch (see :mod:`paylater.pgpipeline`):
    an ``INSERT`` as multi-row statements of up to ``_FEW_ROWS`` rows, anything else a row at
    a time."""
    kept: list[pgpipeline.Deferred] = []
    for start in range(0, len(rows), _FEW_ROWS):
        chunk = rows[start : start + _FEW_ROWS]
        multi_row = _multi_row_insert(plan.format_sql, len(chunk))
        if multi_row is None:
            kept.extend(pgpipeline.defer(connection, plan.sql, row) for row in chunk)
        else:
            flat = [value for row in chunk for value in row]
            kept.append(pgpipeline.defer(connection, multi_row, flat))
    return kept


class _KeptBack(FastResult):
    """The result of writes kept back: asking for their row count sends them."""

    def __init__(self, deferred: list[pgpipeline.Deferred]) -> None:
        self._rows = []
        self._deferred = deferred

    @property
    def rowcount(self) -> int:  # type: ignore[override]
        return sum(deferred.rowcount for deferred in self._deferred)


# PostgreSQL: the rows of one INSERT go as multi-row statements of up to this many rows: one
# statement to prepare, bind and execute instead of one per row (three 8-column rows took 48 µs
# of client CPU as one statement, 90 µs through psycopg's executemany).
_FEW_ROWS = 32
_MULTI_ROW: dict[tuple[str, int], str | None] = {}


def _multi_row_insert(sql: str, count: int) -> str | None:
    """``sql``, a one-row ``INSERT … VALUES (…)`` with ``%s`` placeholders, with its row repeated
    ``count`` times, any ``RETURNING`` dropped (a batch's results are not read) and the
    placeholders numbered; None for any other statement."""
    key = (sql, count)
    try:
        return _MULTI_ROW[key]
    except KeyError:
        pass
    built = _repeated_row(sql, count)
    _MULTI_ROW[key] = built = None if built is None else _numbered(built)
    return built


def _repeated_row(sql: str, count: int) -> str | None:
    head, found, tail = sql.partition(" VALUES (")
    if not found or not head.startswith("INSERT INTO ") or "DO UPDATE" in tail:
        return None
    end = _closing_parenthesis(tail)
    if end < 0:
        return None
    row, rest = "(" + tail[: end + 1], tail[end + 1 :]
    if "'" in row:  # a literal could hold a parenthesis: leave such statements alone
        return None
    rest = rest.partition(" RETURNING ")[0]
    return f"{head} VALUES {', '.join([row] * count)}{rest}"


def _closing_parenthesis(text: str) -> int:
    """Where the parenthesis open before ``text`` closes in it (-1: it does not)."""
    depth = 1
    for index, character in enumerate(text):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0:
            return index
    return -1


@dataclass(frozen=True)
class BoundRows:
    """Rows for a multi-row insert, already converted to what the driver takes.

    Converting values (dates, JSON, …) costs Python time; bulk work does it with
    :func:`bind_rows` before taking the write lock and runs :func:`execute_bound` under it.
    """

    statement: Any
    rows: list[Mapping[str, Any]]
    dialect: str
    plan: _Plan | None = None
    values: list[Any] | None = None

    def subset(self, keep: Sequence[bool]) -> BoundRows:
        rows = [row for row, kept in zip(self.rows, keep, strict=True) if kept]
        values = (
            [value for value, kept in zip(self.values, keep, strict=True) if kept]
            if self.values is not None
            else None
        )
        return BoundRows(self.statement, rows, self.dialect, self.plan, values)


def bind_rows(engine: Engine, statement: Any, rows: list[Mapping[str, Any]]) -> BoundRows:
    """Prepare ``rows`` for :func:`execute_bound` (no database access)."""
    name = engine.dialect.name
    if not rows or name not in ("sqlite", "postgresql"):
        return BoundRows(statement, rows, name)
    plan = _plan(statement, engine, tuple(sorted(rows[0])))
    if plan is None:
        return BoundRows(statement, rows, name)
    try:
        values = plan.parameters_many(rows)
    except _Unsupported:
        return BoundRows(statement, rows, name)
    return BoundRows(statement, rows, name, plan, values)


def execute_bound(connection: Connection, bound: BoundRows) -> None:
    """Run a multi-row insert prepared by :func:`bind_rows`."""
    if not bound.rows:
        return
    plan, values = bound.plan, bound.values
    if plan is None or values is None or connection.dialect.name != bound.dialect:
        execute(connection, bound.statement, list(bound.rows))
        return
    _run_many(connection, plan, values)


def constant(value: str) -> ColumnElement[str]:
    """A fixed word (a status) written into the SQL rather than bound.

    SQLite prepares a statement again at every execution when a bound value is compared with a
    column that a partial index's condition names (``collection_cases.status = ?`` beside an
    index ``WHERE status = 'open'``): it must know the value to tell whether that index applies.
    For the credit profile, eight sub-queries long, that re-preparation cost ~90 µs a call, ten
    times the query itself. A constant is known when the statement is prepared.
    """
    if not _WORD.fullmatch(value):
        raise ValueError(f"not a constant word: {value!r}")
    return literal_column(f"'{value}'", String)


_WORD = re.compile(r"[A-Za-z0-9_]+")


def one_of(column: Any, name: str, dialect: str) -> ColumnElement[bool]:
    """``column`` is one of the values bound as ``name`` (see :func:`bound_list`): one bound value
    whatever the number of values, so a prebuilt statement takes a list of any length (SQLite
    reads it as a JSON array)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(String)))  # type: ignore[no-any-return]
    values: Any = select(literal_column("value")).select_from(func.json_each(bindparam(name)))
    return column.in_(values)  # type: ignore[no-any-return]


def bound_list(values: Sequence[str], dialect: str) -> Any:
    """``values`` bound for :func:`one_of`."""
    return list(values) if dialect == "postgresql" else json.dumps(list(values))
