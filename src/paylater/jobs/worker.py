"""Running jobs: one transaction per job, failures retried with backoff, a loop that stops
cleanly."""

from __future__ import annotations

import importlib
import logging
import os
import secrets
import signal
import socket
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from types import FrameType
from typing import Any

from sqlalchemy import Connection

from paylater.config import Settings
from paylater.db import Database
from paylater.jobs.daily import schedule_due_days
from paylater.jobs.queue import (
    DEFAULT_LEASE,
    Job,
    claim,
    mark_done,
    mark_failed,
    release,
    renew,
)
from paylater.jobs.registry import (
    ExternalHandler,
    Handler,
    JobContext,
    PermanentFailure,
    exponential_backoff,
    registered_kinds,
    registration,
)
from paylater.kit.clock import Clock

log = logging.getLogger("paylater.jobs")

# What run_one reports.
DONE = "done"
FAILED = "failed"  # will be retried
DEAD = "dead"  # out of attempts
LOST = "lost"  # the lease ran out and the job may be another worker's now; nothing was kept

# Modules whose import registers the built-in handlers.
DEFAULT_HANDLER_MODULES = (
    "paylater.notifications.email",
    "paylater.notifications.webhooks",
    "paylater.orders.deadlines",
    "paylater.servicing.tasks",
    "paylater.payments.tasks",
    "paylater.collections.tasks",
    "paylater.bank.tasks",
    "paylater.settlement.tasks",
    "paylater.disputes.tasks",
    "paylater.web.tasks",
    "paylater.backoffice.tasks",
)


class LeaseLost(Exception):
    """The job's claim expired and was taken over; this run's effects must not be kept."""


class NoHandler(Exception):
    pass


def load_handler_modules(modules: Iterable[str] = DEFAULT_HANDLER_MODULES) -> None:
    """Import modules that register handlers (``register`` runs at import)."""
    for module in modules:
        importlib.import_module(module)


def default_worker_id() -> str:
    """``host:pid:random`` — unique per process, readable in ``paylater jobs list``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _describe(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)).strip()


@contextmanager
def _lease_kept(
    database: Database, job: Job, *, clock: Clock, lease: timedelta | None
) -> Iterator[None]:
    """While a job runs, extend its lease every third of the lease, so that a long job (a large
    country's daily run) is not claimed by another worker while its own still works on it. A
    worker that dies renews nothing, and the job is claimable once its last lease has run out."""
    if lease is None or job.locked_by is None:
        yield
        return
    stop = threading.Event()

    def keep() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                held = database.run(lambda c: renew(c, job, clock.now() + lease))
            except Exception as error:  # a busy database: try again at the next beat
                log.warning("job %s: lease not renewed: %s", job.id, error)
                continue
            if not held:
                return

    beat = threading.Thread(target=keep, name=f"lease-{job.id}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def run_one(
    database: Database,
    job: Job,
    *,
    clock: Clock,
    settings: Settings,
    lease: timedelta | None = None,
) -> str:
    """Run one claimed job and settle it; returns ``done``, ``failed``, ``dead`` or ``lost``.

    The handler's writes and the ``done`` status commit in one transaction. If the handler
    raises, that transaction rolls back and a second one records the error and the next attempt
    (or ``dead``). If the worker dies first, nothing commits and the job is claimed again when its
    lease runs out. A run whose lease was taken over by another worker keeps nothing. With
    ``lease``, the lease is renewed while the job runs.
    """
    started = clock.now()
    if job.locked_until is not None and started >= job.locked_until:
        return LOST  # waited too long in this worker's batch; it is claimable again
    found = registration(job.kind)
    backoff = found.backoff if found is not None else exponential_backoff
    context = JobContext(
        job_id=job.id,
        kind=job.kind,
        attempt=job.attempts,
        max_attempts=job.max_attempts,
        worker_id=job.locked_by or "",
        now=started,
        clock=clock,
        settings=settings,
        database=database,
    )
    try:
        if job.attempts > job.max_attempts:
            raise RuntimeError(
                f"the job's last attempt never finished (its worker stopped or died) "
                f"after {job.max_attempts} attempts"
            )
        if found is None:
            raise NoHandler(f"no handler registered for job kind {job.kind!r}")
        with _lease_kept(database, job, clock=clock, lease=lease):
            if found.handler is not None:
                _run_inline(database, found.handler, job, context, clock)
            else:
                assert found.external is not None
                _run_external(database, found.external, job, context, clock)
    except LeaseLost:
        log.warning("job %s (%s): lease lost, effects rolled back", job.id, job.kind)
        return LOST
    except Exception as error:
        description = _describe(error)
        now = clock.now()
        permanent = isinstance(error, PermanentFailure)
        status = database.run(
            lambda c: mark_failed(
                c, job, now, description, backoff(job.attempts), permanent=permanent
            )
        )
        log.warning(
            "job %s (%s) attempt %d/%d %s: %s",
            job.id,
            job.kind,
            job.attempts,
            job.max_attempts,
            status or LOST,
            f"{type(error).__name__}: {error}",
        )
        return status or LOST
    return DONE


def _run_inline(
    database: Database, handler: Handler, job: Job, context: JobContext, clock: Clock
) -> None:
    def work(connection: Connection) -> None:
        handler(connection, job.payload, context)
        if not mark_done(connection, job, clock.now()):
            raise LeaseLost(job.id)

    database.run(work)


def _run_external(
    database: Database,
    handler: ExternalHandler[Any],
    job: Job,
    context: JobContext,
    clock: Clock,
) -> None:
    loaded = database.run(lambda c: handler.load(c, job.payload, context), readonly=True)
    if loaded is not None:
        handler.perform(loaded, context)

    def finish(connection: Connection) -> None:
        if loaded is not None:
            handler.record(connection, loaded, context)
        if not mark_done(connection, job, clock.now()):
            raise LeaseLost(job.id)

    database.run(finish)


class Worker:
    """Claims due jobs and runs them, one transaction per job.

    Any number of workers may run against PostgreSQL; on SQLite they take turns at the single
    write lock. ``kinds`` limits the claim to jobs this process has handlers for (by default
    every registered kind), so a worker never burns the attempts of a job it cannot run.
    """

    DAILY_CHECK_SECONDS = 30.0

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock,
        settings: Settings,
        worker_id: str | None = None,
        batch_size: int = 10,
        lease: timedelta = DEFAULT_LEASE,
        poll_interval: float = 1.0,
        kinds: tuple[str, ...] | None = None,
        schedule_daily: bool = True,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        load_handler_modules()  # the product's handlers and daily tasks, whoever starts us
        self.database = database
        self.clock = clock
        self.settings = settings
        self.worker_id = worker_id or default_worker_id()
        self.batch_size = batch_size
        self.lease = lease
        self.poll_interval = poll_interval
        self.kinds = kinds
        self.outcomes: Counter[str] = Counter()
        self.schedule_daily = schedule_daily
        self._days_checked_at = float("-inf")

    def claim(self) -> list[Job]:
        """Claim the next batch of due jobs for this worker (scheduling due daily runs first)."""
        moment = time.monotonic()
        if self.schedule_daily and moment - self._days_checked_at >= self.DAILY_CHECK_SECONDS:
            now = self.clock.now()
            self.database.run(lambda connection: schedule_due_days(connection, now=now))
            self._days_checked_at = moment
        return claim(
            self.database,
            self.worker_id,
            self.clock.now(),
            self.batch_size,
            lease=self.lease,
            kinds=self.kinds if self.kinds is not None else registered_kinds(),
        )

    def run_batch(self, stop: threading.Event | None = None) -> int:
        """Claim one batch and run it; returns how many jobs were claimed.

        When ``stop`` is set midway, the jobs not yet started are released for other workers.
        """
        batch = self.claim()
        for index, job in enumerate(batch):
            if stop is not None and stop.is_set():
                self.database.run(partial(release, claimed=batch[index:]))
                break
            outcome = run_one(
                self.database, job, clock=self.clock, settings=self.settings, lease=self.lease
            )
            self.outcomes[outcome] += 1
        return len(batch)

    def drain(self, stop: threading.Event | None = None) -> Counter[str]:
        """Run batches until no job is due (``paylater worker --once``); returns the outcomes."""
        while (stop is None or not stop.is_set()) and self.run_batch(stop):
            pass
        return self.outcomes

    def run(self, stop: threading.Event) -> None:
        """Claim and run until ``stop`` is set, polling every ``poll_interval`` when idle.

        Database errors (a restart, a network blip) are logged and retried after a pause; the
        jobs in hand are claimed again by someone once their lease runs out.
        """
        pause = self.poll_interval
        while not stop.is_set():
            try:
                claimed = self.run_batch(stop)
            except Exception:
                log.exception("worker %s: claim or settle failed; retrying", self.worker_id)
                stop.wait(pause)
                pause = min(pause * 2, 60.0)
                continue
            pause = self.poll_interval
            if not claimed:
                stop.wait(self.poll_interval)


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Set ``stop`` on SIGTERM or SIGINT (the current job finishes first); a second signal
    exits at once. Restores the previous handlers afterwards. Main thread only.

    The handler itself takes no lock: it writes the signal's number to a pipe, and a thread
    waiting on that pipe sets ``stop``. A handler runs in the main thread between two of its
    steps, and the main thread spends its idle time in ``stop.wait``, which holds the event's
    lock for a few steps around each wait: setting the event from the handler there would wait
    for that lock forever.
    """
    previous: dict[int, Any] = {}
    received: list[int] = []
    read_end, write_end = os.pipe()

    def handle(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        if len(received) > 1:
            raise SystemExit(128 + signum)
        os.write(write_end, bytes([signum]))

    def relay() -> None:
        signalled = os.read(read_end, 1)
        if signalled:
            log.info("signal %d: stopping after the current job", signalled[0])
            stop.set()

    relay_thread = threading.Thread(target=relay, name="paylater-signals", daemon=True)
    relay_thread.start()
    for signum in (signal.SIGTERM.value, signal.SIGINT.value):
        previous[signum] = signal.signal(signum, handle)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        os.close(write_end)  # the relay reads end-of-file and returns
        relay_thread.join(5)
        os.close(read_end)


class BackgroundWorker:
    """A worker on a daemon thread, for the embedded single-process deployment (SQLite)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=worker.run, args=(self.stop_event,), name="paylater-worker", daemon=True
        )

    def start(self) -> BackgroundWorker:
        """Start the thread; returns self."""
        self.thread.start()
        return self

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask the worker to stop after its current job and wait for it."""
        self.stop_event.set()
        self.thread.join(timeout)
