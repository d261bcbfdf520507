"""Job handlers for the tests only, imported in-process and by `paylater worker --handlers`.

Each run of ``test.effect`` inserts one row keyed by the job id into ``test_job_effects`` (a table
outside the application's schema), so counting rows counts committed runs; a second committed run
of the same job would fail on the primary key and show as an error on the job.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table

from paylater.db import Database
from paylater.jobs import JobContext, PermanentFailure, register, register_external

EFFECT = "test.effect"
SLOW_OUTSIDE = "test.slow_outside"
PERMANENT = "test.permanent"

effects = Table(
    "test_job_effects",
    MetaData(),
    Column("job_id", String(36), primary_key=True),
    Column("worker_id", String(100), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("n", Integer, nullable=True),
)


def create_effects_table(database: Database) -> None:
    with database.engine.begin() as connection:
        effects.drop(connection, checkfirst=True)
        effects.create(connection)


def drop_effects_table(database: Database) -> None:
    with database.engine.begin() as connection:
        effects.drop(connection, checkfirst=True)


@register(EFFECT)
def write_effect(connection: Connection, payload: Any, context: JobContext) -> None:
    """Insert the row, then (as the payload asks) touch a marker, sleep, or fail."""
    connection.execute(
        effects.insert().values(
            job_id=context.job_id,
            worker_id=context.worker_id,
            attempt=context.attempt,
            n=payload.get("n"),
        )
    )
    first = context.attempt == 1
    if first and payload.get("marker"):
        Path(payload["marker"]).touch()
    time.sleep(payload.get("sleep_first", 0.0) if first else payload.get("sleep", 0.0))
    if context.attempt <= payload.get("fail_attempts", 0):
        raise RuntimeError(f"planned failure on attempt {context.attempt}")


@register(PERMANENT)
def refuse(connection: Connection, payload: Any, context: JobContext) -> None:
    connection.execute(
        effects.insert().values(
            job_id=context.job_id, worker_id=context.worker_id, attempt=context.attempt
        )
    )
    raise PermanentFailure("nothing to retry")


class _SlowOutside:
    """Works ``payload["sleep"]`` seconds with no transaction open (like a large daily run),
    then records its effect with the job's ``done``."""

    def load(self, connection: Connection, payload: Any, context: JobContext) -> Any:
        return payload

    def perform(self, loaded: Any, context: JobContext) -> None:
        time.sleep(loaded["sleep"])

    def record(self, connection: Connection, loaded: Any, context: JobContext) -> None:
        connection.execute(
            effects.insert().values(
                job_id=context.job_id, worker_id=context.worker_id, attempt=context.attempt
            )
        )


register_external(SLOW_OUTSIDE, _SlowOutside())
