"""`paylater collections`: the ageing table and the collections export for operators."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from paylater.collections.ageing import ageing
from paylater.collections.service import export_csv, major_units
from paylater.config import Settings
from paylater.credit.countries import rules_for
from paylater.db import Database
from paylater.kit.clock import Clock, SystemClock
from paylater.sandbox import service as sandbox

collections_app = typer.Typer(
    help="Overdue debt: ageing buckets and the collections export.", no_args_is_help=True
)
console = Console()
CountryOption = Annotated[str | None, typer.Option(help="Only this country (ISO 3166-1 alpha-2)")]
AsOfOption = Annotated[
    datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Report as of this day (default today)"),
]


def _database_and_today(as_of: datetime | None) -> tuple[Database, date]:
    settings = Settings()
    database = Database(settings.database_url, pool_size=settings.db_pool_size)
    if as_of is not None:
        return database, as_of.date()
    clock: Clock = sandbox.shared_clock(database) if settings.sandbox else SystemClock()
    return database, clock.today()


def _country(country: str | None) -> str | None:
    if country is None:
        return None
    if len(country) != 2 or rules_for(country) is None:
        raise typer.BadParameter(f"country {country!r} is not served")
    return country.upper()


@collections_app.command("ageing")
def ageing_table(country: CountryOption = None, as_of: AsOfOption = None) -> None:
    """Overdue instalments and amounts per currency and bucket, as of today."""
    code = _country(country)
    database, today = _database_and_today(as_of)
    report = database.run(lambda c: ageing(c, today, country=code), readonly=True)
    table = Table("currency", "bucket (days)", "instalments", "amount", title=f"ageing {today}")
    for currency in sorted(report.by_currency):
        for total in report.by_currency[currency]:
            table.add_row(
                currency, total.bucket.label, str(total.instalments), major_units(total.amount)
            )
    if not report.by_currency:
        console.print(f"nothing overdue on {today}")
        return
    console.print(table)


@collections_app.command("export")
def export(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the CSV here instead of standard output")
    ] = None,
    country: CountryOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The open collections cases as CSV (days overdue as of today)."""
    code = _country(country)
    database, today = _database_and_today(as_of)
    text = database.run(lambda c: export_csv(c, today, country=code), readonly=True)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8", newline="")
    rows = text.count("\r\n") - 1
    console.print(f"{rows} open case(s) written to {out}")
