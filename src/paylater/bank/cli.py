"""``paylater bank …``: import bank files, export direct debits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TimeRemainingColumn
from sqlalchemy import Connection

from paylater.bank.camt import BankFileError
from paylater.bank.directdebit import export_direct_debits
from paylater.bank.statements import ImportReport, import_file
from paylater.config import Settings
from paylater.db import Database
from paylater.kit.clock import Clock
from paylater.sandbox.service import clock_for

bank_app = typer.Typer(help="Bank files: camt.053/054 import, SEPA direct debits.")
console = Console()
CLI_MAX_BYTES = 4 * 1024**3


def _database(settings: Settings) -> Database:
    return Database(settings.database_url, pool_size=2)


def _importer(
    path: Path, clock: Clock, operator: str, progress: Progress, task: TaskID
) -> Callable[[Connection], ImportReport]:
    def advance(done: int) -> None:
        progress.update(task, completed=done)

    def work(connection: Connection) -> ImportReport:
        return import_file(
            connection,
            path,
            at=clock.now(),
            name=path.name,
            operator=operator,
            max_bytes=CLI_MAX_BYTES,
            progress=advance,
        )

    return work


@bank_app.command("import")
def import_files(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    operator: Annotated[str, typer.Option(help="who imports, for the audit log")] = "cli",
) -> None:
    """Import camt.053, camt.054 or pain.002 files; each file in its own transaction."""
    settings = Settings()
    database = _database(settings)
    clock = clock_for(settings, database)
    failed = 0
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        for path in files:
            task = progress.add_task(path.name, total=path.stat().st_size)
            try:
                report = database.run(
                    _importer(path, clock, operator, progress, task), checkpoint_later=True
                )
            except BankFileError as error:
                failed += 1
                progress.console.print(f"[red]{path.name}: refused, nothing imported: {error}")
                continue
            progress.update(task, completed=path.stat().st_size)
            progress.console.print(report.summary())
    database.engine.dispose()
    if failed:
        raise typer.Exit(1)


@bank_app.command("export-direct-debits")
def export(
    collection_date: Annotated[
        str, typer.Option("--date", help="requested collection date, YYYY-MM-DD")
    ],
    out: Annotated[Path, typer.Option("--out", help="where to write the pain.008 file")],
) -> None:
    """Write due instalments with an active mandate as pain.008 (the same file when run again)."""
    try:
        day = date.fromisoformat(collection_date)
    except ValueError as error:
        raise typer.BadParameter("--date must be YYYY-MM-DD") from error
    settings = Settings()
    database = _database(settings)
    now = clock_for(settings, database).now()
    result = database.run(lambda c: export_direct_debits(c, collection_date=day, at=now))
    database.engine.dispose()
    if not result.transactions:
        console.print(f"nothing to collect on {day}")
        return
    out.write_bytes(result.content)
    state = "written" if result.created else "written again (already exported)"
    console.print(f"{out}: {result.message_id}, {result.transactions} collections, {state}")
