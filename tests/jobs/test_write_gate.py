"""The write gate between merchant requests and bulk work on SQLite: a request that has to wait
leaves a marker, and bulk work steps aside for it before its next transaction."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

from paylater.db import WriteGate


def test_a_waiting_request_gets_the_gate_before_the_bulk_job_takes_it_again(
    tmp_path: Path,
) -> None:
    gate = WriteGate(tmp_path / "db-writegate")
    order: list[str] = []
    held = gate.enter()  # the bulk job's transaction
    waiting = threading.Event()

    async def request() -> None:
        waiting.set()
        mine = await gate.enter_async()
        order.append("request")
        await asyncio.sleep(0.02)  # its transaction
        mine.leave()

    thread = threading.Thread(target=lambda: asyncio.run(request()))
    thread.start()
    waiting.wait(5)
    deadline = time.monotonic() + 5
    while gate.waiting is not None and not gate.waiting.exists():
        assert time.monotonic() < deadline, "the request left no marker while waiting"
        time.sleep(0.001)
    held.leave()
    gate.yield_to_waiters()  # the bulk job, before its next transaction
    again = gate.enter()
    order.append("bulk")
    again.leave()
    thread.join(5)
    assert order == ["request", "bulk"]
    assert gate.waiting is not None and not gate.waiting.exists()


def test_without_a_waiter_or_with_a_stale_marker_the_bulk_job_does_not_wait(
    tmp_path: Path,
) -> None:
    gate = WriteGate(tmp_path / "db-writegate")
    started = time.monotonic()
    gate.yield_to_waiters()
    assert time.monotonic() - started < 0.01

    assert gate.waiting is not None
    gate.waiting.touch()
    an_hour_ago = time.time() - 3600
    os.utime(gate.waiting, (an_hour_ago, an_hour_ago))  # its process died while waiting
    started = time.monotonic()
    gate.yield_to_waiters()
    assert time.monotonic() - started < 0.01
