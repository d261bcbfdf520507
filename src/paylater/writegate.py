"""The write gate: turns at SQLite's single write lock between merchant requests and bulk work.

A file lock beside the database orders writers across processes; a marker file tells bulk work
that a request waits, and :class:`GiveWay` makes a bulk transaction step aside mid-statement.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection

# How long a merchant request waits for another process's write transaction before giving up
# (a marker older than that is left by a process that died waiting).
WRITE_WAIT_SECONDS = 10.0
# How often a bulk job looks whether the request it lets through has got the gate yet.
_WAITER_POLL_SECONDS = 0.0002
# How often a bulk transaction looks for a waiting request: SQLite calls back every so many
# virtual-machine steps (tens to hundreds of microseconds of a statement), and the marker file
# is looked at no more often than every 0.2 ms.
_GIVE_WAY_STEPS = 500
_GIVE_WAY_LOOK_SECONDS = 0.0002


class _Held:
    """One holding of the write gate: an open file with an exclusive ``flock`` on it."""

    def __init__(self, descriptor: int | None) -> None:
        self._descriptor = descriptor

    def leave(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing releases the lock
            self._descriptor = None


class WriteGate:
    """Turns at SQLite's write lock between the API and bulk background work, in arrival order.

    SQLite makes a waiting writer poll (its busy handler sleeps up to 100 ms between tries), so
    a bulk job that commits chunk after chunk could keep a merchant request waiting for many
    chunks. Both sides therefore queue on an ``flock`` of a file beside the database before
    ``BEGIN IMMEDIATE``: the kernel wakes a waiter as soon as the holder lets go. A request that
    finds the gate taken also leaves a marker file while it waits, and the bulk job, before its
    next transaction, lets it through (:meth:`yield_to_waiters`) instead of racing it for the
    lock, so a request waits for one chunk at most. Every use opens the file anew, so threads of
    one process exclude each other too. Other writers (the worker's jobs, the CLI) keep to
    SQLite's own locking.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.waiting = Path(f"{path}-waiting") if path is not None else None

    def _open(self) -> int:
        assert self.path is not None
        return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    def enter(self) -> _Held:
        if self.path is None:
            return _Held(None)
        descriptor = self._open()
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        return _Held(descriptor)

    async def enter_async(self) -> _Held:
        """Take the gate without blocking the event loop (at once when it is free)."""
        if self.path is None:
            return _Held(None)
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            assert self.waiting is not None
            self.waiting.touch()
            try:
                await asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX)
            except BaseException:
                os.close(descriptor)
                raise
            finally:
                self.waiting.unlink(missing_ok=True)
        return _Held(descriptor)

    def yield_to_waiters(self, longest: float = 0.05) -> None:
        """Between a bulk job's transactions: while a request waits for the gate (up to
        ``longest`` seconds), stay out of its way so that it gets the gate first."""
        if self.waiting is None:
            return
        deadline = time.monotonic() + longest
        while self.someone_waits() and time.monotonic() < deadline:
            time.sleep(_WAITER_POLL_SECONDS)

    def someone_waits(self) -> bool:
        """Whether a request is waiting for the gate (its marker is there and fresh)."""
        if self.waiting is None:
            return False
        try:
            marked = self.waiting.stat().st_mtime
        except FileNotFoundError:
            return False
        # A marker older than any wait (its process died waiting) is ignored.
        return time.time() - marked < WRITE_WAIT_SECONDS


class GiveWay:
    """Watches one bulk transaction on SQLite for merchant requests waiting for the write gate.

    SQLite calls a progress handler every few thousand virtual-machine steps of a statement; this
    one stops the statement (``SQLITE_INTERRUPT``) when a request has left its marker, and notes
    that it did so the caller can tell a retreat from a real error. The handler is removed before
    the commit, so a transaction that reached its end always commits.
    """

    def __init__(self, gate: WriteGate) -> None:
        self.gate = gate
        self.gave_way = False
        self.retreats = 0
        self._next_look = 0.0

    def _check(self) -> int:
        now = time.monotonic()
        if now < self._next_look:
            return 0
        self._next_look = now + _GIVE_WAY_LOOK_SECONDS
        if self.gate.someone_waits():
            self.gave_way = True
            self.retreats += 1
            return 1
        return 0

    @contextmanager
    def watching(self, connection: Connection) -> Iterator[None]:
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.set_progress_handler(self._check, _GIVE_WAY_STEPS)
        try:
            yield
        finally:
            driver.set_progress_handler(None, 0)
