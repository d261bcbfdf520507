"""Merchant API throughput: session → authorize → order → capture over HTTP.

Starts the server itself (one process; SQLite with WAL and synchronous=FULL unless
--database-url names PostgreSQL), creates a merchant, then drives the checkout flow with wrk
(a C load generator, cheap on CPU) at each connection count for a fixed duration, and prints
requests/s, complete flows/s, p50/p99 latency and non-2xx responses. The same run prints the
machine's raw SQLite commit rate (1-row transactions, FULL) for scale, and ends with
`paylater ledger verify` on the database the run wrote.

    .venv/bin/python bench/api_throughput.py                     # SQLite, 8 and 32 connections
    .venv/bin/python bench/api_throughput.py --database-url postgresql://postgres@127.0.0.1/bench

By default the server and wrk share both CPUs; `--pin` puts the server on CPU 0 and wrk on CPU 1.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raw_sqlite_commit_rate(folder: Path, seconds: float = 2.0) -> float:
    """1-row INSERT transactions per second with WAL and synchronous=FULL."""
    path = folder / "raw.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    count = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO t (v) VALUES (?)", ("x" * 40,))
        connection.execute("COMMIT")
        count += 1
    elapsed = time.perf_counter() - started
    connection.close()
    return count / elapsed


def reset_postgres(url: str) -> None:
    """Empty the benchmark database, creating it first when the server does not have it."""
    driver_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    server, name = driver_url.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if exists is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(driver_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def analyze_postgres(url: str) -> None:
    """Refresh the planner's statistics after the warm-up, as autovacuum does on a live
    database: the benchmark starts from empty tables, and plans chosen for empty tables (scans)
    would otherwise stay cached in the server's connections for the whole run. Then a
    checkpoint: earlier work on the same PostgreSQL server (a test run creates and drops
    thousands of tables) would otherwise be flushed during the measurement, with seconds of
    fsyncs that stall commits."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    with engine.connect() as connection:
        connection.execute(text("CHECKPOINT"))
    engine.dispose()


def prepare(env: dict[str, str]) -> str:
    """Migrate and create a merchant; returns the Basic credentials, base64-encoded."""
    subprocess.run(
        [PYTHON, "-m", "paylater.cli", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    created = subprocess.run(
        [
            PYTHON,
            "-m",
            "paylater.cli",
            "merchants",
            "create",
            "--name",
            "Bench Shop",
            "--country",
            "SE",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    username = re.search(r'"username": "([^"]+)"', created)
    secret = re.search(r'"secret": "([^"]+)"', created)
    assert username and secret, created
    return base64.b64encode(f"{username.group(1)}:{secret.group(1)}".encode()).decode()


def start_server(
    env: dict[str, str], port: int, pin: bool, workers: int
) -> subprocess.Popen[bytes]:
    command = [PYTHON, "-m", "paylater.cli", "serve", "--workers", str(workers)]
    if pin:
        command = ["taskset", "-c", "0", *command]
    server = subprocess.Popen(command, env={**env, "PAYLATER_PORT": str(port)})
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its direct children (the API workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def postgres_cpu_seconds() -> float:
    """User + system CPU time of this machine's PostgreSQL processes (a local server's backends
    are its children, so their time is counted once they exit, as well as while they run)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        if name.endswith("(postgres"):
            values = fields.split()
            total += (int(values[11]) + int(values[12])) / ticks
    return total


def run_wrk(port: int, connections: int, seconds: int, auth: str, pin: bool) -> dict[str, int]:
    command = [
        "wrk",
        "-t",
        str(connections),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "flow.lua"),
        f"http://127.0.0.1:{port}",
    ]
    if pin:
        command = ["taskset", "-c", "1", *command]
    output = subprocess.run(
        command, env={**os.environ, "BENCH_AUTH": auth}, check=True, capture_output=True, text=True
    ).stdout
    line = next(row for row in output.splitlines() if row.startswith("BENCH "))
    return {key: int(value) for key, value in (pair.split("=") for pair in line.split()[1:])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--duration", type=int, default=15, help="seconds per run")
    parser.add_argument("--connections", default="8,32")
    parser.add_argument(
        "--pin", action="store_true", help="pin the server to CPU 0 and wrk to CPU 1"
    )
    parser.add_argument("--workers", type=int, default=1, help="API processes (PostgreSQL only)")
    args = parser.parse_args()
    pin = args.pin and (os.cpu_count() or 1) >= 2

    with tempfile.TemporaryDirectory(prefix="paylater-bench-") as folder:
        workdir = Path(folder)
        url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
        if url.startswith("postgresql"):
            reset_postgres(url)
        env = {
            **os.environ,
            "PAYLATER_DATABASE_URL": url,
            "PAYLATER_DATA_DIR": str(workdir),
            "PAYLATER_SANDBOX": "true",
            # A PYTHONPATH given to the script selects the code under test (another checkout).
            "PYTHONPATH": os.environ.get("PYTHONPATH") or str(ROOT / "src"),
        }
        kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite (WAL, synchronous=FULL)"
        pin = pin and args.workers == 1
        processes = "one server process" if args.workers == 1 else f"{args.workers} processes"
        print(
            f"paylater API throughput — {kind}, {processes}, "
            f"{'server on CPU 0, wrk on CPU 1' if pin else 'no CPU pinning'}, "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        )
        print(f"raw sqlite3 1-row commits (WAL, FULL): {raw_sqlite_commit_rate(workdir):,.0f}/s")
        auth = prepare(env)
        port = free_port()
        server = start_server(env, port, pin and args.workers == 1, args.workers)
        try:
            run_wrk(port, 4, 3, auth, pin)  # warm-up: imports, caches, page cache
            if url.startswith("postgresql"):
                analyze_postgres(url)
            postgres = url.startswith("postgresql")
            database_column = f" {'PostgreSQL CPU ms/req':>21}" if postgres else ""
            print(
                f"{'conns':>5} {'req/s':>8} {'flows/s':>8} {'p50 ms':>7} {'p90 ms':>7} "
                f"{'p99 ms':>7} {'max ms':>7} {'non-2xx':>7} {'sock err':>8} "
                f"{'server CPU ms/req':>17}{database_column}"
            )
            for connections in (int(c) for c in args.connections.split(",")):
                cpu_before = cpu_seconds(server.pid)
                database_before = postgres_cpu_seconds() if postgres else 0.0
                result = run_wrk(port, connections, args.duration, auth, pin)
                cpu_per_request = (cpu_seconds(server.pid) - cpu_before) / result["requests"]
                database_cpu = ""
                if postgres:
                    spent = (postgres_cpu_seconds() - database_before) / result["requests"]
                    database_cpu = f" {spent * 1000:>21.3f}"
                seconds = result["duration_us"] / 1e6
                print(
                    f"{connections:>5} {result['requests'] / seconds:>8,.0f} "
                    f"{result['flows'] / seconds:>8,.0f} {result['p50_us'] / 1000:>7.2f} "
                    f"{result['p90_us'] / 1000:>7.2f} {result['p99_us'] / 1000:>7.2f} "
                    f"{result['max_us'] / 1000:>7.1f} {result['non2xx']:>7} "
                    f"{result['errors']:>8} {cpu_per_request * 1000:>17.3f}{database_cpu}"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
        verify = subprocess.run(
            [PYTHON, "-m", "paylater.cli", "ledger", "verify"],
            env=env,
            capture_output=True,
            text=True,
        )
        print("ledger verify:", " ".join(verify.stdout.split()), f"(exit {verify.returncode})")
        if verify.returncode:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
