"""Jobs: the outbox, the work queue and the worker that drains them.

Design
------
Every side effect and every piece of background work is a row in the ``jobs`` table.

* **Outbox.** :func:`enqueue` inserts the row in the *caller's* transaction. If the business
  transaction rolls back, the job never existed; if it commits, the job is durable before anyone
  could have been told. ``(kind, dedupe_key)`` is unique, so enqueueing the same logical job twice
  (a daily run repeated, a retried request) is a no-op.
* **Claim.** :func:`claim` takes up to N due jobs in one short transaction and leases them to a
  worker: ``status = running``, ``locked_until = now + lease``, ``attempts + 1``. PostgreSQL picks
  candidates with ``SELECT … FOR UPDATE SKIP LOCKED`` so any number of workers proceed without
  waiting on each other; SQLite does the same under ``BEGIN IMMEDIATE`` (one writer). While a job
  runs, its worker renews the lease every third of it, so a long job (a large daily run) stays
  its worker's; a job whose lease ran out (its worker died or hung) is claimable again.
* **Run.** :func:`run_one` runs each job in its own transaction: the handler's writes and the
  ``done`` status commit together, so a crash before the commit loses nothing and doubles nothing
  — the job is simply claimed again after its lease. Completion is fenced by ``(locked_by,
  attempts)``: a worker whose lease was taken over rolls its effects back. On an exception the
  transaction rolls back and a second transaction records the error and schedules the next
  attempt with exponential backoff (30 s, 1 min, 2 min, … capped), or marks the job ``dead``
  after ``max_attempts``; operators retry dead jobs with ``paylater jobs retry``.
* **Outside effects.** Handlers registered with :func:`register_external` (e-mail, webhooks) read
  in one transaction, act with no transaction open (a slow peer holds no lock), and record the
  result with the ``done`` status. A crash between acting and recording acts again, so delivery
  is at least once and the receiver deduplicates by a stable id (the Message-ID, the event id).
* **Time** comes from the injected clock, so the sandbox clock moving forward makes scheduled
  jobs due.

Statuses: ``queued`` → ``running`` → ``done``; a failure goes to ``failed`` (waiting for
``run_at``) and back to ``running``; out of attempts it is ``dead``.
"""

from __future__ import annotations

from paylater.jobs.models import DEAD, DONE, FAILED, QUEUED, RUNNING, STATUSES, jobs
from paylater.jobs.queue import (
    DEFAULT_LEASE,
    DEFAULT_MAX_ATTEMPTS,
    Job,
    JobNotFound,
    JobNotRetryable,
    claim,
    counts_by_status,
    enqueue,
    get_job,
    list_jobs,
    retry,
)
from paylater.jobs.registry import (
    ExternalHandler,
    Handler,
    JobContext,
    PermanentFailure,
    exponential_backoff,
    register,
    register_external,
    registered_kinds,
)
from paylater.jobs.worker import (
    DEFAULT_HANDLER_MODULES,
    BackgroundWorker,
    Worker,
    load_handler_modules,
    run_one,
    stop_on_signals,
)

__all__ = [
    "DEAD",
    "DEFAULT_HANDLER_MODULES",
    "DEFAULT_LEASE",
    "DEFAULT_MAX_ATTEMPTS",
    "DONE",
    "FAILED",
    "QUEUED",
    "RUNNING",
    "STATUSES",
    "BackgroundWorker",
    "ExternalHandler",
    "Handler",
    "Job",
    "JobContext",
    "JobNotFound",
    "JobNotRetryable",
    "PermanentFailure",
    "Worker",
    "claim",
    "counts_by_status",
    "enqueue",
    "exponential_backoff",
    "get_job",
    "jobs",
    "list_jobs",
    "load_handler_modules",
    "register",
    "register_external",
    "registered_kinds",
    "retry",
    "run_one",
    "stop_on_signals",
]
