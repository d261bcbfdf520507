"""The merchant API's throughput targets, checked over several runs.

Runs `bench/api_throughput.py` once per configuration and round — SQLite and PostgreSQL, 8 and
32 connections, the four in turn, each with a fresh database and server — and prints every
run's figures beside the target, then how many runs met it. A run counts only with zero non-2xx
responses, zero socket errors and `ledger verify` passing.

    .venv/bin/python bench/api_targets.py                 # 4 rounds of 15 s runs
    .venv/bin/python bench/api_targets.py --rounds 8 --duration 60

Targets (2 cores, load generator included): SQLite ≥ 1,500 req/s with p99 ≤ 10 ms at 8
connections and ≤ 30 ms at 32; PostgreSQL ≥ 1,000 req/s with p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "api_throughput.py"
# conns, req/s, flows/s, p50, p90, p99, max, non-2xx, socket errors
ROW = re.compile(
    r"^\s+(\d+)\s+([\d,]+)\s+[\d,]+\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+[\d.]+\s+(\d+)\s+(\d+)"
)


@dataclass(frozen=True)
class Target:
    name: str
    database: str  # "sqlite" or "postgresql"
    connections: int
    least_rate: float
    most_p99_ms: float


TARGETS = (
    Target("SQLite, 8", "sqlite", 8, 1_500, 10),
    Target("SQLite, 32", "sqlite", 32, 1_500, 30),
    Target("PostgreSQL, 8", "postgresql", 8, 1_000, 50),
    Target("PostgreSQL, 32", "postgresql", 32, 1_000, 50),
)


@dataclass(frozen=True)
class Run:
    rate: float
    p99_ms: float
    clean: bool  # zero non-2xx, zero socket errors, ledger verified

    def meets(self, target: Target) -> bool:
        return self.clean and self.rate >= target.least_rate and self.p99_ms <= target.most_p99_ms


def run_once(target: Target, duration: int, postgres_url: str) -> Run | None:
    command = [sys.executable, str(SCRIPT), "--duration", str(duration)]
    command += ["--connections", str(target.connections)]
    if target.database == "postgresql":
        command += ["--database-url", postgres_url]
    done = subprocess.run(command, capture_output=True, text=True)
    rows = [ROW.match(line) for line in done.stdout.splitlines()]
    found = [row for row in rows if row is not None]
    if not found:
        print(done.stdout + done.stderr, file=sys.stderr)
        return None
    row = found[0]
    verified = done.returncode == 0 and "ledger verified" in done.stdout
    clean = verified and row.group(4) == "0" and row.group(5) == "0"
    return Run(float(row.group(2).replace(",", "")), float(row.group(3)), clean)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=15, help="seconds per run")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/bench")
    args = parser.parse_args()
    runs: dict[str, list[Run | None]] = {target.name: [] for target in TARGETS}
    print(f"paylater API targets, {args.rounds} rounds of {args.duration} s runs")
    print(f"{'time':>5}  " + "  ".join(f"{target.name:>22}" for target in TARGETS))
    for _round in range(args.rounds):
        cells = []
        for target in TARGETS:
            run = run_once(target, args.duration, args.postgres_url)
            runs[target.name].append(run)
            cells.append(_cell(run, target))
        print(f"{datetime.now(UTC):%H:%M}  " + "  ".join(f"{cell:>22}" for cell in cells))
    goals = [f"≥{t.least_rate:,.0f} / ≤{t.most_p99_ms:g}" for t in TARGETS]
    print(f"{'goal':>5}  " + "  ".join(f"{goal:>22}" for goal in goals))
    met = [sum(run is not None and run.meets(t) for run in runs[t.name]) for t in TARGETS]
    print(f"{'met':>5}  " + "  ".join(f"{f'{m} of {args.rounds}':>22}" for m in met))


def _cell(run: Run | None, target: Target) -> str:
    if run is None:
        return "failed"
    mark = "" if run.meets(target) else " ✗"
    return f"{run.rate:,.0f} req/s, p99 {run.p99_ms:.2f}{mark}"


if __name__ == "__main__":
    main()
