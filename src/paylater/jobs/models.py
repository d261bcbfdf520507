"""The `jobs` table: the outbox and the work queue in one."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text, UniqueConstraint

from paylater.db import UTCDateTime, metadata

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"  # failed at least once, waiting for its next attempt at run_at
DEAD = "dead"  # out of attempts; an operator may retry it
STATUSES = (QUEUED, RUNNING, DONE, FAILED, DEAD)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    # Enqueueing the same (kind, dedupe_key) twice is a no-op; NULL keys never collide.
    Column("dedupe_key", String(255), nullable=True),
    Column("status", String(10), nullable=False),
    # Incremented at each claim, so a job that kills its worker still runs out of attempts; it is
    # also the fencing token that tells a worker whether its lease is still the current one.
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("run_at", UTCDateTime(), nullable=False),
    Column("locked_by", String(100), nullable=True),
    Column("locked_until", UTCDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    # dedupe_key first: an index led by kind would tempt SQLite's planner away from the
    # (status, run_at) index when claiming by kind.
    UniqueConstraint("dedupe_key", "kind"),
    Index("ix_jobs_status_run_at", "status", "run_at"),
)
