"""Starting `paylater worker` as a real process against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def worker_environment(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PAYLATER_DATABASE_URL": database_url,
        "PAYLATER_DATA_DIR": str(data_dir),
        "PAYLATER_SANDBOX": "false",
        "PAYLATER_SECRET_KEY": "worker-test",
        "COLUMNS": "200",
    }
    environment.update({f"PAYLATER_{name.upper()}": value for name, value in extra.items()})
    return environment


def start_worker(
    environment: dict[str, str], *arguments: str, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """``python -m paylater.cli worker --handlers tests.jobs.handlers …`` in the background."""
    output = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "paylater.cli",
            "worker",
            "--handlers",
            "tests.jobs.handlers",
            "--poll-interval",
            "0.05",
            *arguments,
        ],
        env=environment,
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)
