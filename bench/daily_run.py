"""The daily run over a large portfolio, and what it does to the merchant API meanwhile.

Writes N open instalments (default 1,000,000; pay in 4, Swedish consumers) due over a window
around the run day, then:

1. scans the instalments table with a raw ``SELECT`` (rows/s, for scale);
2. starts the API server on the same database and probes it at a steady rate (a separate
   process creating payment sessions, one request every 20 ms) to get its idle p50/p99;
3. runs the whole Swedish day (pause expiry, autopay, reminders and fees, ageing) while the probe
   keeps going, and prints instalments/s, the reminders and fees it wrote, the longest chunk
   transaction, and the API's p50/p99 during the run beside the idle ones;
4. runs the e-mail jobs the day queued (each renders, stores and sends a chunk's reminders; here
   to the dev inbox, so no SMTP time is counted) as the worker would, with the probe still going,
   and prints e-mails/s and the API's p99 meanwhile.

    .venv/bin/python bench/daily_run.py                      # SQLite, 1,000,000 instalments
    .venv/bin/python bench/daily_run.py --instalments 200000
    .venv/bin/python bench/daily_run.py --database-url postgresql://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_throughput import free_port, prepare, reset_postgres, start_server
from paylater.config import Settings
from paylater.db import Database
from paylater.jobs.daily import CHUNK_SIZE, run_country_day
from paylater.jobs.models import jobs
from paylater.jobs.worker import Worker, load_handler_modules
from paylater.kit.clock import FixedClock
from paylater.merchants.models import merchants
from paylater.notifications.models import messages
from paylater.sandbox.portfolio import Portfolio, create_portfolio
from paylater.servicing.models import fees, notices
from paylater.servicing.reminder_mail import SEND_REMINDERS

RUN_DAY = date(2027, 3, 15)  # a Monday
PROBE = Path(__file__).resolve().parent / "probe.py"


def scan_rate(database: Database) -> float:
    def scan(connection: object) -> int:
        rows = connection.execute(  # type: ignore[attr-defined]
            text("SELECT id, due_date, amount, paid_amount, status, country FROM instalments")
        )
        count = 0
        for _row in rows:
            count += 1
        return count

    started = time.perf_counter()
    count = database.run(scan, readonly=True)
    return count / (time.perf_counter() - started)


def start_probe(port: int, auth: str, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(PROBE), str(port), auth, str(out)],
        env={**os.environ},
    )


def stop_probe(probe: subprocess.Popen[bytes], out: Path) -> list[float]:
    probe.terminate()
    probe.wait(timeout=30)
    return [float(line) for line in out.read_text().split()]


def percentiles(latencies: list[float]) -> tuple[float, float, int]:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000, len(ordered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instalments", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--probe-seconds", type=float, default=15.0)
    parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
    parser.add_argument(
        "--template",
        type=Path,
        default=None,
        help="SQLite only: keep the freshly written portfolio database here, and start from a "
        "copy of it when it exists (saves minutes of setup between runs)",
    )
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="paylater-daily-"))
    url = options.database_url or f"sqlite:///{folder / 'bench.db'}"
    if url.startswith("postgresql"):
        reset_postgres(url)
    reused = options.template is not None and options.template.exists()
    if reused:
        shutil.copy(options.template, folder / "bench.db")
    env = {
        **os.environ,
        "PAYLATER_DATABASE_URL": url,
        "PAYLATER_DATA_DIR": str(folder),
        "PAYLATER_SECRET_KEY": "bench-secret-key-bench-secret-key",
    }
    auth = prepare(env)
    database = Database(url)
    load_handler_modules()
    merchant_id = database.run(
        lambda c: c.execute(
            select(merchants.c.id).order_by(merchants.c.created_at).limit(1)
        ).scalar_one()
    )
    now = datetime(2027, 3, 15, 5, 0, tzinfo=UTC)

    started = time.perf_counter()
    if reused:
        count = database.run(
            lambda c: c.execute(text("SELECT count(*) FROM instalments")).scalar_one()
        )
        portfolio = Portfolio(count // 8, count // 4, count)
        print(f"portfolio: {count:,} open instalments, copied from {options.template}")
    else:
        portfolio = create_portfolio(
            database,
            instalment_count=options.instalments,
            merchant_id=merchant_id,
            country="SE",
            currency="SEK",
            locale="sv-SE",
            first_due=RUN_DAY - timedelta(days=60),
            spread_days=60,
            now=now - timedelta(days=90),
        )
        print(
            f"portfolio: {portfolio.instalments:,} open instalments, {portfolio.orders:,} orders,"
            f" {portfolio.consumers:,} consumers written in {time.perf_counter() - started:.1f} s"
        )
        if options.template is not None and url.startswith("sqlite"):
            raw = database.engine.raw_connection()
            try:
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file alone is complete
            finally:
                raw.close()
            shutil.copy(folder / "bench.db", options.template)
    if url.startswith("postgresql"):
        database.run(lambda c: c.execute(text("ANALYZE")))
    # The copied or freshly written database is still being flushed to disk: let that finish
    # so that it does not compete with the run for the disk.
    os.sync()
    rate = scan_rate(database)
    print(f"raw SELECT scan of instalments: {rate:,.0f} rows/s")

    port = free_port()
    server = start_server(env, port, pin=False, workers=1)
    try:
        out_idle, out_busy = folder / "idle.txt", folder / "busy.txt"
        probe = start_probe(port, auth, out_idle)
        time.sleep(options.probe_seconds)
        idle = stop_probe(probe, out_idle)

        probe = start_probe(port, auth, out_busy)
        time.sleep(1.0)
        chunks: list[float] = []
        clock = FixedClock(now)
        started = time.perf_counter()
        run_country_day(
            database,
            "SE",
            RUN_DAY,
            now=now,
            clock=clock,
            settings=Settings(database_url=url),
            chunk_size=options.chunk_size,
            observe_chunk=chunks.append,
        )
        elapsed = time.perf_counter() - started
        time.sleep(0.5)
        busy = stop_probe(probe, out_busy)

        out_mail = folder / "mail.txt"
        probe = start_probe(port, auth, out_mail)
        time.sleep(1.0)
        mailer = Worker(
            database,
            clock=clock,
            settings=Settings(database_url=url),
            kinds=(SEND_REMINDERS,),
            schedule_daily=False,
            batch_size=4,
        )
        started = time.perf_counter()
        mailed = mailer.drain()
        mail_elapsed = time.perf_counter() - started
        time.sleep(0.5)
        mailing = stop_probe(probe, out_mail)
    finally:
        server.terminate()
        server.wait(timeout=30)

    def counts(connection: object) -> tuple[int, int, int]:
        run = connection.execute  # type: ignore[attr-defined]
        return (
            run(select(func.count()).select_from(notices)).scalar_one(),
            run(select(func.count()).select_from(messages)).scalar_one(),
            run(select(func.count()).select_from(fees)).scalar_one(),
        )

    def send_jobs(connection: object) -> int:
        run = connection.execute  # type: ignore[attr-defined]
        query = select(func.count()).select_from(jobs).where(jobs.c.kind == SEND_REMINDERS)
        return int(run(query).scalar_one())

    notice_count, message_count, fee_count = database.run(counts, readonly=True)
    print(
        f"daily run {RUN_DAY} (SE): {elapsed:.2f} s for {portfolio.instalments:,} open "
        f"instalments = {portfolio.instalments / elapsed:,.0f} instalments/s; "
        f"{notice_count:,} reminders ({database.run(send_jobs, readonly=True):,} e-mail jobs), "
        f"{fee_count:,} fees; "
        f"{len(chunks)} chunks of {options.chunk_size} (write transactions): longest "
        f"{max(chunks, default=0) * 1000:.0f} ms, "
        f"median {statistics.median(chunks or [0]) * 1000:.0f} ms"
    )
    idle_p50, idle_p99, idle_n = percentiles(idle)
    busy_p50, busy_p99, busy_n = percentiles(busy)
    print(f"merchant API idle:   p50 {idle_p50:.1f} ms, p99 {idle_p99:.1f} ms ({idle_n} requests)")
    print(
        f"merchant API busy:   p50 {busy_p50:.1f} ms, p99 {busy_p99:.1f} ms ({busy_n} requests)"
        f" → p99 ratio {busy_p99 / idle_p99:.2f}×"
    )
    mail_p50, mail_p99, mail_n = percentiles(mailing)
    print(
        f"e-mail jobs: {dict(mailed)} in {mail_elapsed:.2f} s, {message_count:,} e-mails rendered,"
        f" stored and sent = {message_count / mail_elapsed:,.0f}/s; merchant API meanwhile:"
        f" p50 {mail_p50:.1f} ms, p99 {mail_p99:.1f} ms ({mail_n} requests)"
        f" → p99 ratio {mail_p99 / idle_p99:.2f}×"
    )
    second = time.perf_counter()
    run_country_day(
        database,
        "SE",
        RUN_DAY,
        now=now,
        clock=FixedClock(now),
        settings=Settings(database_url=url),
    )
    again = database.run(counts, readonly=True)
    print(
        f"second run of the same day: {time.perf_counter() - second:.2f} s, "
        f"{'nothing changed' if again == (notice_count, message_count, fee_count) else 'CHANGED'}"
    )
    database.dispose()
    shutil.rmtree(folder, ignore_errors=True)  # a copy of the portfolio: ~1 GB
    _ = httpx  # the probe process uses it


if __name__ == "__main__":
    main()
