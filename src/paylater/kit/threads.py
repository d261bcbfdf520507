"""A fixed set of worker threads that run blocking calls for an event loop.

``anyio.to_thread.run_sync`` costs ~60 µs of CPU per call at eight calls in flight (a capacity
limiter, library detection, cancel scopes, idle-thread bookkeeping); asyncio's
``run_in_executor`` ~30 µs. Each PostgreSQL unit of work of a merchant request makes one such
call, so this lean version — a C queue to the threads, one ``call_soon_threadsafe`` back —
costs ~10 µs. At most ``size`` calls run at once; the others wait in the queue, in order.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

T = TypeVar("T")

_Call = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[[], Any]]


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller was cancelled meanwhile
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class WorkerThreads:
    """``await threads.run(function)`` runs ``function()`` in one of ``size`` threads, started at
    the first call. The threads end when :meth:`close` is called (or with the process)."""

    def __init__(self, size: int, name: str = "paylater-worker") -> None:
        self._size = size
        self._name = name
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    async def run(self, function: Callable[[], T]) -> T:
        if not self._threads:
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._calls.put((loop, future, function))
        return await future

    def _start(self) -> None:
        with self._lock:
            while len(self._threads) < self._size:
                thread = threading.Thread(
                    target=self._serve, name=f"{self._name}-{len(self._threads)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def _serve(self) -> None:
        calls = self._calls
        while (call := calls.get()) is not None:
            loop, future, function = call
            try:
                result = function()
            except BaseException as error:  # the caller receives it
                outcome: tuple[Any, BaseException | None] = (None, error)
            else:
                outcome = (result, None)
            with suppress(RuntimeError):  # that loop has closed: nobody is waiting any more
                loop.call_soon_threadsafe(_settle, future, *outcome)

    def close(self) -> None:
        with self._lock:
            threads, self._threads = self._threads, []
        for _ in threads:
            self._calls.put(None)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)
