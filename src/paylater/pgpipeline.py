"""PostgreSQL: a unit of work's statements sent in as few round trips as possible.

A merchant request on PostgreSQL runs a handful of statements, most of them writes whose result
nobody reads (a capture: ten inserts and updates after two reads). Sent one at a time, each
costs a round trip: a wake-up of the server process, one of the client thread, and the client's
protocol work. Here a write without a result is kept back (:func:`defer`) and goes to the
server together with the next statement that needs an answer, or with the ``COMMIT``, in one
batch of libpq's pipeline mode: one socket write, one wait. ``BEGIN`` travels with the first
batch of a transaction instead of in a round trip of its own.

What a caller sees does not change: a deferred write's row count, when asked for, sends the
batch first; any other statement on the connection (through SQLAlchemy) sends it before itself;
a failing write raises, at the latest from the commit, and the transaction rolls back. Writes
kept back after a savepoint are dropped when the transaction rolls back to it, as the server
would drop them.

Every statement is prepared once per connection under its own name; values are converted by
psycopg's own adapters, results by its loaders, so they are what psycopg's cursor would give.
"""

from __future__ import annotations

import ctypes
import itertools
import select
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, cast

from psycopg import Connection as PsycopgConnection
from psycopg import errors, pq
from psycopg.adapt import PyFormat, Transformer
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError

_OK = (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK, pq.ExecStatus.EMPTY_QUERY)
_BEGIN = b"BEGIN"
_COMMIT = b"COMMIT"
_NO_SUCH_STATEMENT = b"26000"  # invalid_sql_statement_name
# At most this many writes wait for a batch. A batch is written whole before its answers are
# read; the server stops reading when its answers fill the socket, so a batch must stay well
# within what the socket buffers hold (a few hundred bytes of answers per statement at most).
_MOST_KEPT_BACK = 256


class Answer:
    """What one statement returned: its rows (driver values) and its row count."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[tuple[Any, ...]] | None, rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount


class Deferred:
    """A statement kept back; its row count (and, for a read sent early, its rows) is known once
    it has been sent."""

    __slots__ = ("_connection", "_rowcount", "_rows", "sql", "values", "wants_rows")

    def __init__(
        self, connection: Connection, sql: str, values: Sequence[Any], *, wants_rows: bool = False
    ) -> None:
        self._connection = connection
        self.sql = sql
        self.values = values
        self.wants_rows = wants_rows
        self._rowcount: int | None = None
        self._rows: list[tuple[Any, ...]] = []

    @property
    def rowcount(self) -> int:
        if self._rowcount is None:
            flush(self._connection)
        if self._rowcount is None:
            raise RuntimeError("this statement was dropped by a rollback")
        return self._rowcount

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """A read's rows (driver values), sending it first if it has not gone yet."""
        self.rowcount  # noqa: B018 (sends the batch when needed)
        return self._rows


class _Pipe:
    """One psycopg connection's prepared statements and the writes kept back for it."""

    __slots__ = ("driver", "names", "numbers", "pending", "transformer")

    def __init__(self, driver: PsycopgConnection[Any]) -> None:
        self.driver = driver
        self.transformer = Transformer(driver)
        self.names: dict[tuple[str, tuple[int, ...]], bytes] = {}
        self.numbers = itertools.count()
        self.pending: list[Deferred] = []


def _pipe(connection: Connection) -> _Pipe:
    pooled = connection.connection
    driver: Any = pooled.driver_connection
    pipe: _Pipe | None = pooled.info.get("paylater_pipe")
    if pipe is None or pipe.driver is not driver:
        pipe = pooled.info["paylater_pipe"] = _Pipe(driver)
    return pipe


def defer(connection: Connection, sql: str, values: Sequence[Any]) -> Deferred:
    """Keep a write back until the next statement that needs an answer, or the commit."""
    return _keep_back(connection, Deferred(connection, sql, values))


def read_soon(connection: Connection, sql: str, values: Sequence[Any]) -> Deferred:
    """Keep a read back like a write: it goes with the next batch, and its ``rows`` are there
    once that batch has been answered. For a read whose inputs are known before an earlier one
    is answered, so that the two share a round trip."""
    return _keep_back(connection, Deferred(connection, sql, values, wants_rows=True))


def _keep_back(connection: Connection, deferred: Deferred) -> Deferred:
    pipe = _pipe(connection)
    if len(pipe.pending) >= _MOST_KEPT_BACK:
        _send(connection, pipe, None, commit=False)
    pipe.pending.append(deferred)
    return deferred


def run(connection: Connection, sql: str, values: Sequence[Any]) -> Answer:
    """Run one statement now, with the writes kept back before it, and return its answer."""
    answer = _send(connection, _pipe(connection), Deferred(connection, sql, values), commit=False)
    assert answer is not None
    return answer


def flush(connection: Connection) -> None:
    """Send the writes kept back (nothing when there are none)."""
    pipe = _pipe(connection)
    if pipe.pending:
        _send(connection, pipe, None, commit=False)


def _commit(connection: Connection) -> None:
    """Send the writes kept back and ``COMMIT`` in one batch."""
    pipe = _pipe(connection)
    if pipe.pending or pipe.driver.pgconn.transaction_status != pq.TransactionStatus.IDLE:
        _send(connection, pipe, None, commit=True)


def _discard(connection: Connection) -> None:
    if connection.invalidated:  # its DBAPI connection is gone, and the writes with it
        return
    pipe: _Pipe | None = connection.connection.info.get("paylater_pipe")
    if pipe is not None:
        pipe.pending.clear()


def keep_back_writes(engine: Engine) -> None:
    """Hook the pipeline into ``engine``'s transactions: a commit sends the writes kept back
    with its ``COMMIT``; a statement run through SQLAlchemy sends them before itself; a
    rollback, to the transaction's start or to a savepoint, drops them (a savepoint is a
    statement, so what came before it has been sent)."""

    @event.listens_for(engine, "connect")
    def _opened(dbapi_connection: Any, _record: Any) -> None:
        # psycopg's own cursor prepares statements too, and deallocates every prepared
        # statement of the connection, ours included, after any ROLLBACK (to a savepoint too).
        # Statements run through SQLAlchemy are few and off the hot paths: not prepared.
        dbapi_connection.prepare_threshold = None

    @event.listens_for(engine, "commit")
    def _committing(connection: Connection) -> None:
        _commit(connection)

    @event.listens_for(engine, "rollback")
    def _rolling_back(connection: Connection) -> None:
        _discard(connection)

    @event.listens_for(engine, "rollback_savepoint")
    def _rolling_back_to(connection: Connection, _name: str, _context: Any) -> None:
        _discard(connection)

    @event.listens_for(engine, "before_cursor_execute")
    def _before(connection: Connection, *_args: Any) -> None:
        flush(connection)

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        pipe: _Pipe | None = record.info.get("paylater_pipe")
        if pipe is not None:
            pipe.pending.clear()


def _send(
    connection: Connection, pipe: _Pipe, last: Deferred | None, *, commit: bool
) -> Answer | None:
    """One batch: BEGIN if no transaction is open yet, the writes kept back, then ``last``
    and/or COMMIT. Returns ``last``'s answer."""
    driver = pipe.driver
    pgconn = driver.pgconn
    statements = pipe.pending
    pipe.pending = []
    if last is not None:
        statements.append(last)
    idle = pgconn.transaction_status == pq.TransactionStatus.IDLE
    begin = idle and not driver.autocommit and bool(statements)
    tx = pipe.transformer
    sent: list[str] = []  # each query of the batch, for error messages
    executed: list[int] = []  # where each statement's own result is
    pgconn.enter_pipeline_mode()
    try:
        if begin:
            pgconn.send_query_params(_BEGIN, None)
            sent.append("BEGIN")
        for statement in statements:
            values = statement.values
            dumped = tx.dump_sequence(values, [PyFormat.AUTO] * len(values))
            key = (statement.sql, tuple(tx.types or ()))
            name = pipe.names.get(key)
            if name is None:
                name = f"_paylater_{next(pipe.numbers)}".encode()
                pgconn.send_prepare(name, statement.sql.encode(), param_types=tx.types)
                sent.append(statement.sql)
                pipe.names[key] = name
            pgconn.send_query_prepared(name, dumped, param_formats=tx.formats)
            executed.append(len(sent))
            sent.append(statement.sql)
        if commit:
            pgconn.send_query_params(_COMMIT, None)
            sent.append("COMMIT")
        if _PIPELINE_SYNC is None:
            pgconn.pipeline_sync()
        elif _PIPELINE_SYNC(cast(Any, pgconn).pgconn_ptr) != 1:
            raise errors.OperationalError(f"sending the batch failed: {pgconn.get_error_message()}")
        _flush_socket(pgconn)
        results = _read(pgconn, len(sent))
    except BaseException as error:
        with suppress(Exception):
            pgconn.exit_pipeline_mode()
        if pgconn.status != pq.ConnStatus.OK:
            # The server is gone (a restart, the network): the pool must not lend this
            # connection again, as it would if the error had come through SQLAlchemy.
            connection.invalidate()
            if isinstance(error, errors.Error):
                raise DBAPIError.instance(
                    sent[-1] if sent else "", None, error, errors.Error, connection_invalidated=True
                ) from error
        raise
    pgconn.exit_pipeline_mode()
    for index, result in enumerate(results):
        if result.status not in _OK:
            if result.error_field(pq.DiagnosticField.SQLSTATE) == _NO_SUCH_STATEMENT:
                pipe.names.clear()  # deallocated by someone: prepared again when next used
            _forget_prepares_from(pipe, sent[index:])
            failure = errors.error_from_result(result, encoding=driver.info.encoding)
            raise DBAPIError.instance(sent[index], None, failure, errors.Error) from failure
    for statement, index in zip(statements, executed, strict=True):
        statement._rowcount = results[index].command_tuples or 0
        if statement.wants_rows and statement is not last:
            statement._rows = _rows_of(tx, results[index])
    if last is None:
        return None
    result = results[executed[-1]]
    rows = _rows_of(tx, result) if result.status == pq.ExecStatus.TUPLES_OK else None
    return Answer(rows, last._rowcount or 0)


def _rows_of(tx: Any, result: Any) -> list[tuple[Any, ...]]:
    tx.set_pgresult(result)
    rows: list[tuple[Any, ...]] = tx.load_rows(0, result.ntuples, tuple)
    return rows


def _forget_prepares_from(pipe: _Pipe, skipped: list[str]) -> None:
    """A failed batch's queries from the failure on were skipped by the server, prepares
    included (those before it stay: a rollback does not undo a prepare). The names of every
    statement among them are forgotten, to be prepared again under new names when next used."""
    gone = set(skipped)
    for key in [key for key in pipe.names if key[0] in gone]:
        del pipe.names[key]


def _pipeline_sync_without_the_lock() -> Callable[[int], int] | None:
    """libpq's ``PQpipelineSync``, called through ctypes, which lets go of the interpreter lock
    for the call; None where the library psycopg uses cannot be found.

    The call sends the batch. On a loopback connection the kernel delivers it inside that
    send and wakes the server process, which may take the sending thread's core at once; the
    thread, holding the interpreter lock, then keeps every other thread of the process (the
    event loop included) waiting until it runs again. psycopg's own wrapper keeps the lock.
    """
    if pq.__impl__ != "binary":
        return None
    import psycopg_binary  # the wheel that bundles libpq next to its modules

    bundled = Path(psycopg_binary.__file__).parent.parent / "psycopg_binary.libs"
    found = sorted(bundled.glob("libpq-*.so*"))
    if len(found) != 1:
        return None
    # The library is loaded already (psycopg_binary links it): this returns the same one.
    function = ctypes.CDLL(str(found[0])).PQpipelineSync
    function.argtypes = [ctypes.c_void_p]
    function.restype = ctypes.c_int
    return cast(Callable[[int], int], function)


_PIPELINE_SYNC = _pipeline_sync_without_the_lock()


def _flush_socket(pgconn: Any) -> None:
    while pgconn.flush() == 1:
        select.select([], [pgconn.socket], [])


def _read(pgconn: Any, count: int) -> list[Any]:
    """The first result of each of ``count`` queries (an error, or a query skipped after one,
    included), then the pipeline's sync."""
    firsts: list[Any] = []
    while len(firsts) < count:
        firsts.append(_next_result(pgconn))
        while _next_result(pgconn) is not None:  # each query's results end with None
            pass
    while (sync := _next_result(pgconn)) is None or sync.status != pq.ExecStatus.PIPELINE_SYNC:
        pass
    return firsts


def _next_result(pgconn: Any) -> Any:
    while pgconn.is_busy():
        select.select([pgconn.socket], [], [])  # lets go of the interpreter lock meanwhile
        pgconn.consume_input()
    return pgconn.get_result()
