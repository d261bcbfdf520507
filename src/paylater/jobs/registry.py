"""Job handlers by kind, and what a handler is told about the job it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Connection

from paylater.config import Settings
from paylater.db import Database
from paylater.kit.clock import Clock

T = TypeVar("T")
Backoff = Callable[[int], timedelta]


@dataclass(frozen=True)
class JobContext:
    """What a handler may know about the run: the job, its attempt, the moment and the settings.

    ``database`` is for an external handler's ``perform`` that must record something whether or
    not the job succeeds (a delivery log): it runs with no transaction open, so it may open its
    own. An inline handler must not use it (its writes belong in the job's transaction).
    """

    job_id: str
    kind: str
    attempt: int  # 1 on the first run
    max_attempts: int
    worker_id: str
    now: datetime  # the injected clock's time when the run started
    clock: Clock
    settings: Settings
    database: Database


Handler = Callable[[Connection, Any, JobContext], None]


class PermanentFailure(Exception):
    """Raised by a handler when trying again cannot help (a refused recipient, a missing row):
    the job is marked dead at once instead of being retried."""


class ExternalHandler(Protocol[T]):
    """A job whose effect happens outside the database (an e-mail, an HTTP call).

    ``load`` reads what is needed in a read-only transaction; ``perform`` does the outside effect
    with no transaction open, so a slow SMTP or HTTP peer holds no database lock (SQLite has one
    writer); ``record`` writes the outcome in the transaction that marks the job done. A crash
    between ``perform`` and that commit runs the job again, so ``perform`` must be idempotent by a
    stable id (the job id or a row id the receiver can deduplicate on): delivery is at least once.
    ``load`` may return ``None`` to say there is nothing left to do (``perform`` is then skipped).
    """

    def load(self, connection: Connection, payload: Any, context: JobContext) -> T | None: ...

    def perform(self, loaded: T, context: JobContext) -> None: ...

    def record(self, connection: Connection, loaded: T, context: JobContext) -> None: ...


def exponential_backoff(
    attempts: int, *, base: timedelta = timedelta(seconds=30), cap: timedelta = timedelta(hours=6)
) -> timedelta:
    """Delay before the next attempt after ``attempts`` runs: 30 s, 1 min, 2 min, … up to 6 h."""
    if attempts < 1:
        return base
    exponent = min(attempts - 1, 30)  # keeps the multiplication small; the cap applies long before
    delay: timedelta = base * (2**exponent)
    return min(delay, cap)


@dataclass(frozen=True)
class Registration(Generic[T]):
    kind: str
    backoff: Backoff
    handler: Handler | None = None
    external: ExternalHandler[T] | None = None


_REGISTRY: dict[str, Registration[Any]] = {}


def _add(registration: Registration[Any]) -> None:
    existing = _REGISTRY.get(registration.kind)
    same = existing is not None and (
        existing.handler is registration.handler and existing.external is registration.external
    )
    if existing is not None and not same:
        raise ValueError(f"a handler for job kind {registration.kind!r} is already registered")
    _REGISTRY[registration.kind] = registration


def register(kind: str, *, backoff: Backoff = exponential_backoff) -> Callable[[Handler], Handler]:
    """Register ``handler(connection, payload, context)`` for ``kind``.

    The handler runs inside the job's transaction: its writes commit together with the job's
    ``done`` status or roll back together on an exception or a crash, so they never happen twice.
    """

    def decorate(handler: Handler) -> Handler:
        _add(Registration(kind=kind, backoff=backoff, handler=handler))
        return handler

    return decorate


def register_external(
    kind: str, handler: ExternalHandler[T], *, backoff: Backoff = exponential_backoff
) -> ExternalHandler[T]:
    """Register a handler whose effect is outside the database (see :class:`ExternalHandler`)."""
    _add(Registration(kind=kind, backoff=backoff, external=handler))
    return handler


def registration(kind: str) -> Registration[Any] | None:
    """The handler registered for ``kind``, if any."""
    return _REGISTRY.get(kind)


def registered_kinds() -> tuple[str, ...]:
    """Every kind this process can run, sorted."""
    return tuple(sorted(_REGISTRY))
