"""Fixtures for the job queue tests: the test handlers' effects table and in-process workers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from paylater.config import Settings
from paylater.db import Database
from paylater.jobs import Worker
from paylater.kit.clock import FixedClock
from tests.jobs import handlers


@pytest.fixture
def effects_table(database: Database) -> Iterator[None]:
    handlers.create_effects_table(database)
    yield
    handlers.drop_effects_table(database)


@pytest.fixture
def make_worker(database: Database, clock: FixedClock, settings: Settings) -> Callable[..., Worker]:
    def make(worker_id: str = "worker-1", **options: Any) -> Worker:
        # The daily run is tested on its own (test_daily.py); here only the jobs a test queues.
        options.setdefault("schedule_daily", False)
        return Worker(database, clock=clock, settings=settings, worker_id=worker_id, **options)

    return make
