"""SIGTERM and SIGINT while a worker waits for work: the signal handler must not wait for the
stop event's lock, which the main thread holds for a few steps around each wait."""

from __future__ import annotations

import subprocess
import sys

from tests.jobs.processes import ROOT

# Four hundred times: a SIGTERM from another thread while the main thread polls the stop event
# as fast as it can, so that the signal often lands while it holds the event's lock.
_SIGNALLED_WHILE_POLLING = """
import os, signal, sys, threading, time
from paylater.jobs.worker import stop_on_signals

for attempt in range(400):
    stop = threading.Event()
    with stop_on_signals(stop):
        threading.Timer(0.001, os.kill, (os.getpid(), signal.SIGTERM)).start()
        deadline = time.monotonic() + 5
        while not stop.is_set():
            stop.wait(0)
            if time.monotonic() > deadline:
                sys.exit(f"attempt {attempt}: the signal did not set the event")
print("stopped every time")
"""


def test_a_signal_while_polling_the_stop_event_always_stops() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", _SIGNALLED_WHILE_POLLING],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError("the signal handler deadlocked on the stop event") from None
    assert process.returncode == 0, output.decode()
    assert output.decode().strip() == "stopped every time"
