"""WorkerThreads: blocking calls run in a fixed set of threads, results and errors come back."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from paylater.kit.threads import WorkerThreads


def test_results_and_errors_come_back_to_the_caller() -> None:
    threads = WorkerThreads(2)

    def fail() -> None:
        raise ValueError("refused")

    async def main() -> None:
        assert await threads.run(lambda: 6 * 7) == 42
        with pytest.raises(ValueError, match="refused"):
            await threads.run(fail)
        assert await threads.run(threading.current_thread) is not threading.current_thread()

    asyncio.run(main())
    threads.close()


def test_at_most_size_calls_run_at_once_and_all_finish() -> None:
    threads = WorkerThreads(3)
    running = 0
    most = 0
    lock = threading.Lock()

    def work(number: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return number

    async def main() -> list[int]:
        return list(await asyncio.gather(*(threads.run(lambda n=n: work(n)) for n in range(20))))

    assert asyncio.run(main()) == list(range(20))
    assert most == 3
    threads.close()


def test_the_threads_serve_several_event_loops_and_end_on_close() -> None:
    threads = WorkerThreads(2, "test-worker")
    for _ in range(2):  # a new loop each time, as two test clients would have
        assert asyncio.run(threads.run(lambda: "done")) == "done"
    names = [t.name for t in threading.enumerate() if t.name.startswith("test-worker")]
    assert sorted(names) == ["test-worker-0", "test-worker-1"]
    threads.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("test-worker")]
