"""`paylater settlement`: payout runs, the pain.001 payout file and payout reports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Connection

from paylater.kit.errors import NotFound
from paylater.kit.money import Money
from paylater.merchants.service import get_merchant
from paylater.sandbox import service as sandbox
from paylater.settlement import pain001, payouts, reports, transactions

settlement_app = typer.Typer(
    help="Merchant settlement: payout runs, payout files and reports.", no_args_is_help=True
)
console = Console()


@settlement_app.command("run")
def run(
    day: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="Run date (default today)"),
    ] = None,
) -> None:
    """Create the payouts due on a day; running the same day again changes nothing."""
    database, clock = sandbox.database_and_clock()
    now = clock.now()
    run_date = day.date() if day is not None else now.date()
    result = database.run(lambda c: payouts.run_payouts(c, run_date, now=now))
    if result.already_ran:
        console.print(f"the payout run of {run_date} was already made:")
    for payout in result.payouts:
        amount = Money(payout["amount"], payout["currency"])
        console.print(
            f"{payout['payment_reference']}  {payout['merchant_id']}  {amount}  "
            f"{payout['transaction_count']} transactions  {payout['status']}",
            highlight=False,
        )
    for merchant_id, balance in result.carried_forward:
        console.print(f"carried forward  {merchant_id}  {balance}", highlight=False)
    console.print(f"{len(result.payouts)} payouts for {run_date}")


@settlement_app.command("export-payouts")
def export_payouts(
    out: Annotated[Path, typer.Option("--out", help="Where to write the pain.001 file")],
    export_id: Annotated[
        str | None, typer.Option("--export-id", help="Write an earlier export again")
    ] = None,
) -> None:
    """Write pending payouts as a pain.001.001.03 credit-transfer file and mark them sent.

    With nothing new to pay, the previous file is written again (nothing is paid twice).
    """
    database, clock = sandbox.database_and_clock()
    now = clock.now()

    def work(connection: Connection) -> pain001.PayoutExport | None:
        if export_id is not None:
            return pain001.load_export(connection, export_id)
        return pain001.export_payouts(connection, now=now)

    try:
        found = database.run(work)
    except NotFound as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    if found is None:
        console.print("no payouts to export")
        return
    out.write_bytes(found.document)
    state = "new" if found.created else "already exported"
    console.print(
        f"{out}: {found.message_id} ({state}), {len(found.payouts)} payouts,"
        f" export {found.export_id}",
        highlight=False,
    )
    for reference in found.waiting_for_iban:
        console.print(f"[yellow]{reference} waits for the merchant's settlement IBAN[/yellow]")


@settlement_app.command("report")
def report(
    merchant_id: str,
    payment_reference: str,
    out: Annotated[Path | None, typer.Option("--out", help="Output file (default: print)")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="PDF instead of CSV (needs --out)")] = False,
) -> None:
    """A payout with every transaction in it, as CSV or PDF."""
    if pdf and out is None:
        raise typer.BadParameter("a PDF report needs --out")
    database, _clock = sandbox.database_and_clock()

    def work(connection: Connection) -> bytes:
        payout = payouts.get_payout(connection, merchant_id, payment_reference)
        rows = transactions.transaction_rows(connection, merchant_id, payout_id=payout["id"])
        if pdf:
            name = get_merchant(connection, merchant_id).name
            return reports.payout_pdf(payout, name, rows)
        return transactions.report_csv(payout, rows).encode()

    try:
        content = database.run(work, readonly=True)
    except NotFound as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    if out is None:
        typer.echo(content.decode(), nl=False)
    else:
        out.write_bytes(content)
        console.print(f"wrote {out}")
