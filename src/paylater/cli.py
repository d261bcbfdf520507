"""The `paylater` command line: run the service, manage merchants, check the ledger."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from paylater import jobs
from paylater.backoffice.cli import backoffice_app
from paylater.bank.cli import bank_app
from paylater.collections.cli import collections_app
from paylater.config import Settings
from paylater.db import Database
from paylater.kit.clock import SystemClock
from paylater.ledger import service as ledger
from paylater.merchants import service as merchants
from paylater.sandbox import service as sandbox
from paylater.settlement.cli import export_payouts, settlement_app

app = typer.Typer(help="paylater: buy now, pay later platform.", no_args_is_help=True)
merchants_app = typer.Typer(help="Merchants and their API credentials.", no_args_is_help=True)
ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
clock_app = typer.Typer(help="The sandbox clock.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs: the outbox and the work queue.", no_args_is_help=True)
app.add_typer(merchants_app, name="merchants")
app.add_typer(ledger_app, name="ledger")
app.add_typer(clock_app, name="clock")
app.add_typer(jobs_app, name="jobs")
app.add_typer(settlement_app, name="settlement")
# The payout file sits with the other bank files too.
bank_app.command("export-payouts", help="Same as `paylater settlement export-payouts`.")(
    export_payouts
)
app.add_typer(bank_app, name="bank")
app.add_typer(collections_app, name="collections")
app.add_typer(backoffice_app, name="backoffice")
console = Console()

DEMO_MERCHANT_ID = "mer_demo"


def _database(settings: Settings) -> Database:
    if settings.is_sqlite:
        path = settings.database_url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    return Database(settings.database_url, pool_size=settings.db_pool_size)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from paylater.schema import migrate as run_migrations

    settings = Settings()
    run_migrations(_database(settings))
    console.print(f"schema is up to date: {settings.database_url}")


def _demo_credentials(settings: Settings, database: Database) -> dict[str, str]:
    """The demo merchant and a credential for it, created once and kept in the data folder."""
    path = settings.data_dir / "demo-credentials.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    now = SystemClock().now()

    def seed(connection: object) -> dict[str, str]:
        from sqlalchemy import Connection

        assert isinstance(connection, Connection)
        merchant = merchants.create_merchant(
            connection,
            name="Demo Marketplace",
            country="SE",
            at=now,
            merchant_id=DEMO_MERCHANT_ID,
        )
        issued = merchants.issue_credential(
            connection, merchant.id, key=settings.hashing_key, at=now, label="demo"
        )
        from paylater.backoffice.demo import seed_demo_accounts

        logins = seed_demo_accounts(connection, merchant.id, at=now)
        return {
            "merchant_id": merchant.id,
            "username": issued.username,
            "secret": issued.secret,
            "portal_user": logins["merchant_user"],
            "operator": logins["operator"],
            "staff_password": logins["password"],
        }

    credentials = database.run(seed)
    from paylater.sandbox.demo_data import seed_demo_purchases

    jobs.load_handler_modules()  # the daily tasks the seeding runs for past days
    seed_demo_purchases(database, credentials["merchant_id"], settings, now)
    path.write_text(json.dumps(credentials, indent=2))
    path.chmod(0o600)
    return credentials


@app.command()
def demo() -> None:
    """Start the embedded sandbox: SQLite, migrations, a demo merchant, the API on port 8000."""
    settings = Settings()
    if not settings.sandbox:
        raise typer.BadParameter("the demo runs only in sandbox mode (PAYLATER_SANDBOX=true)")
    from paylater.schema import migrate as run_migrations

    database = _database(settings)
    run_migrations(database)
    credentials = _demo_credentials(settings, database)
    console.print(
        f"[bold]paylater sandbox[/bold] on {settings.public_url}  (API docs: "
        f"{settings.public_url}/docs)"
    )
    console.print(f"demo merchant {credentials['merchant_id']}")
    console.print(f"  API username: [bold]{credentials['username']}[/bold]")
    console.print(f"  API secret:   [bold]{credentials['secret']}[/bold]")
    console.print(f"  (also in {settings.data_dir / 'demo-credentials.json'})")
    if "portal_user" in credentials:
        console.print(
            f"merchant portal {settings.public_url}/merchant/login: {credentials['portal_user']};"
            f" back office {settings.public_url}/backoffice/login: {credentials['operator']};"
            f" password {credentials['staff_password']}"
        )
    console.print(
        f"demo shop {settings.public_url}/demo-shop/ · consumer portal {settings.public_url}/my/"
        f" (log-in codes arrive in the dev inbox {settings.public_url}/dev/inbox)"
    )
    console.print(
        "demo purchases: anna.svensson@example.se (an overdue pay-in-3 with its reminders, a"
        " financing plan, a fresh invoice), lea.martin@example.fr (an invoice paused for a"
        " return), max.mueller@example.de (a pay-in-4, partly refunded)"
    )
    console.print("background worker: e-mails and webhooks are delivered by this process")
    _serve(settings, database, embedded_worker=True)


@app.command()
def serve(
    workers: Annotated[
        int, typer.Option(min=1, help="API processes (PostgreSQL only; SQLite has one writer)")
    ] = 1,
) -> None:
    """Serve the API (run `paylater migrate` first)."""
    settings = Settings()
    if workers > 1:
        if settings.is_sqlite:
            raise typer.BadParameter("several API processes need PostgreSQL")
        import uvicorn

        from paylater.api.transport import CoalescingHttpToolsProtocol

        uvicorn.run(
            "paylater.app:serving_app",
            factory=True,
            workers=workers,
            host=settings.host,
            port=settings.port,
            access_log=settings.log_requests,
            log_level="warning",
            loop="uvloop",
            http=CoalescingHttpToolsProtocol,
        )
        return
    _serve(settings, _database(settings))


def _serve(settings: Settings, database: Database, *, embedded_worker: bool = False) -> None:
    """Serve the API; the embedded default also runs the job worker in a thread of this process."""
    import uvicorn

    from paylater.api.transport import CoalescingHttpToolsProtocol
    from paylater.app import create_app, tune_garbage_collector
    from paylater.jobs import BackgroundWorker, Worker, load_handler_modules

    app = create_app(settings, database)
    background: BackgroundWorker | None = None
    if embedded_worker:
        load_handler_modules()
        clock = app.state.services.clock
        background = BackgroundWorker(Worker(database, clock=clock, settings=settings))
        background.start()
    tune_garbage_collector()
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            access_log=settings.log_requests,
            log_level="warning",
            loop="uvloop",
            http=CoalescingHttpToolsProtocol,
        )
    finally:
        if background is not None:
            background.stop()


@merchants_app.command("create")
def merchants_create(
    name: Annotated[str, typer.Option(help="Legal name")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 country")],
    fee_rate_bp: Annotated[
        int, typer.Option(help="Fee per capture, basis points")
    ] = merchants.DEFAULT_FEE_RATE_BP,
    fee_fixed_minor: Annotated[int, typer.Option(help="Fixed fee per order, minor units")] = 0,
) -> None:
    """Create a merchant and print its first API credential (the secret is shown once)."""
    settings = Settings()
    now = SystemClock().now()

    def work(connection: object) -> tuple[merchants.Merchant, merchants.IssuedCredential]:
        from sqlalchemy import Connection

        assert isinstance(connection, Connection)
        merchant = merchants.create_merchant(
            connection,
            name=name,
            country=country,
            at=now,
            fee_rate_bp=fee_rate_bp,
            fee_fixed_minor=fee_fixed_minor,
        )
        issued = merchants.issue_credential(
            connection, merchant.id, key=settings.hashing_key, at=now, label="initial"
        )
        return merchant, issued

    merchant, issued = _database(settings).run(work)
    console.print(
        json.dumps(
            {"merchant_id": merchant.id, "username": issued.username, "secret": issued.secret},
            indent=2,
        )
    )


@merchants_app.command("issue-credential")
def merchants_issue_credential(merchant_id: str, label: str = "") -> None:
    """Issue another API credential for a merchant (rotation)."""
    settings = Settings()
    now = SystemClock().now()
    issued = _database(settings).run(
        lambda c: merchants.issue_credential(
            c,
            merchants.get_merchant(c, merchant_id).id,
            key=settings.hashing_key,
            at=now,
            label=label,
        )
    )
    console.print(json.dumps({"username": issued.username, "secret": issued.secret}, indent=2))


@merchants_app.command("revoke-credential")
def merchants_revoke_credential(merchant_id: str, username: str) -> None:
    """Revoke an API credential."""
    now = SystemClock().now()
    _database(Settings()).run(
        lambda c: merchants.revoke_credential(c, merchant_id, username, at=now)
    )
    console.print(f"revoked {username}")


@ledger_app.command("verify")
def ledger_verify() -> None:
    """Recompute every balance from postings; exit 1 on any drift or unbalanced entry."""
    report = _database(Settings()).run(ledger.verify, readonly=True)
    console.print(
        f"{report.accounts} accounts, {report.entries} entries, {report.postings} postings"
    )
    for key, stored, computed in report.drift:
        console.print(f"[red]drift[/red] {key}: stored {stored}, postings sum to {computed}")
    for entry in report.unbalanced:
        console.print(f"[red]unbalanced or headless entry[/red] {entry}")
    for currency, total in sorted(report.totals.items()):
        if total:
            console.print(f"[red]{currency} accounts sum to {total}, not 0[/red]")
    if not report.ok:
        raise typer.Exit(1)
    console.print("[green]ledger verified[/green]")


@ledger_app.command("trial-balance")
def ledger_trial_balance() -> None:
    """Balances per account kind and currency (debits positive)."""
    from paylater.kit.money import Money

    balances = _database(Settings()).run(ledger.balances_by_kind, readonly=True)
    table = Table("currency", "account kind", "balance")
    for (kind, currency), amount in balances.items():
        table.add_row(currency, kind, str(Money(amount, currency)))
    console.print(table)


@clock_app.command("advance")
def clock_advance(
    days: Annotated[int, typer.Option(min=0)] = 0,
    hours: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """Move the sandbox clock forward for every process using this database."""
    settings = Settings()
    if not settings.sandbox:
        raise typer.BadParameter("the clock can only be moved in sandbox mode")
    database = _database(settings)
    offset = database.run(lambda c: sandbox.advance(c, timedelta(days=days, hours=hours)))
    console.print(
        f"sandbox clock now {SystemClock().now() + offset:%Y-%m-%d %H:%M} UTC (offset {offset})"
    )


@clock_app.command("show")
def clock_show() -> None:
    """Print the sandbox clock."""
    offset = _database(Settings()).run(sandbox.stored_offset, readonly=True)
    console.print(f"{SystemClock().now() + offset:%Y-%m-%d %H:%M} UTC (offset {offset})")


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run every due job, then exit")] = False,
    worker_id: Annotated[
        str | None, typer.Option(help="Name in the jobs table (default host:pid:random)")
    ] = None,
    poll_interval: Annotated[
        float, typer.Option(min=0.01, help="Seconds between polls when idle")
    ] = 1.0,
    batch: Annotated[int, typer.Option(min=1, help="Jobs claimed per transaction")] = 10,
    lease_seconds: Annotated[
        float, typer.Option(min=0.1, help="A claimed job is another worker's after this long")
    ] = jobs.DEFAULT_LEASE.total_seconds(),
    handlers: Annotated[
        list[str] | None,
        typer.Option("--handlers", help="Extra module registering job handlers (repeatable)"),
    ] = None,
) -> None:
    """Run background jobs until SIGTERM or SIGINT (the current job finishes first)."""
    import logging
    import threading

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = Settings()
    database = _database(settings)
    jobs.load_handler_modules((*jobs.DEFAULT_HANDLER_MODULES, *(handlers or ())))
    runner = jobs.Worker(
        database,
        clock=sandbox.clock_for(settings, database),
        settings=settings,
        worker_id=worker_id,
        batch_size=batch,
        lease=timedelta(seconds=lease_seconds),
        poll_interval=poll_interval,
    )
    stop = threading.Event()
    console.print(f"worker {runner.worker_id}: kinds {', '.join(jobs.registered_kinds())}")
    with jobs.stop_on_signals(stop):
        if once:
            runner.drain(stop)
        else:
            runner.run(stop)
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(runner.outcomes.items()))
    console.print(f"worker {runner.worker_id} stopped: {summary or 'no jobs'}")


@jobs_app.command("list")
def jobs_list(
    status: Annotated[
        str | None, typer.Option(help="queued, running, done, failed or dead")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Job kind, e.g. email.send")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """The most recent jobs, with their status, attempts and last error."""
    if status is not None and status not in jobs.STATUSES:
        raise typer.BadParameter(f"status must be one of {', '.join(jobs.STATUSES)}")
    database = _database(Settings())
    found, counts = database.run(
        lambda c: (
            jobs.list_jobs(c, status=status, kind=kind, limit=limit),
            jobs.counts_by_status(c),
        ),
        readonly=True,
    )
    # One line per job, never wrapped or cropped: ids stay whole for `jobs retry` and grep.
    for job in found:
        error = (job.last_error or "").strip().splitlines()
        console.print(
            f"{job.id}  {job.kind:<20} {job.status:<7} {job.attempts:>3}/{job.max_attempts:<3} "
            f"{job.run_at:%Y-%m-%d %H:%M:%S}  {error[-1] if error else ''}".rstrip(),
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
    console.print(", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "no jobs")


@jobs_app.command("retry")
def jobs_retry(job_id: str) -> None:
    """Run a failed or dead job again as soon as a worker is free (one more attempt)."""
    settings = Settings()
    database = _database(settings)
    now = sandbox.clock_for(settings, database).now()
    try:
        job = database.run(lambda c: jobs.retry(c, job_id, now))
    except (jobs.JobNotFound, jobs.JobNotRetryable) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    console.print(f"job {job.id} ({job.kind}) is {job.status}, due now")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
