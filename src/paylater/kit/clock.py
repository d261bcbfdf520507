"""Injected time. Domain code asks a `Clock`; it never calls `datetime.now()` itself.

The sandbox clock runs at real speed from an offset that can be advanced, so the demo and the
tests can live through months of a plan in seconds. The offset is shared between processes through
a loader (the database in the running service), re-read at most once per `refresh_seconds`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


class SandboxClock:
    """Wall-clock time shifted by an offset that only moves forward."""

    def __init__(
        self,
        offset: timedelta = timedelta(0),
        *,
        load_offset: Callable[[], timedelta] | None = None,
        refresh_seconds: float = 1.0,
    ) -> None:
        self._offset = offset
        self._load_offset = load_offset
        self._refresh_seconds = refresh_seconds
        self._loaded_at = 0.0

    @property
    def offset(self) -> timedelta:
        if self._load_offset is not None:
            moment = time.monotonic()
            if moment - self._loaded_at >= self._refresh_seconds:
                self._offset = self._load_offset()
                self._loaded_at = moment
        return self._offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def today(self) -> date:
        return self.now().date()

    def advance(self, delta: timedelta) -> timedelta:
        if delta < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        self._offset = self.offset + delta
        self._loaded_at = time.monotonic()
        return self._offset

    def forget_cache(self) -> None:
        self._loaded_at = 0.0


class FixedClock:
    """A clock standing still at a given moment until moved; for tests and batch replays."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        self._moment = moment

    def now(self) -> datetime:
        return self._moment

    def today(self) -> date:
        return self._moment.date()

    def advance(self, delta: timedelta) -> None:
        self._moment += delta

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        self._moment = moment
