"""`paylater settlement run / export-payouts / report`, the daily job and the Settlements API."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from typer.testing import CliRunner

from paylater.cli import app
from paylater.db import Database
from paylater.jobs.daily import tasks
from paylater.kit.clock import FixedClock
from paylater.settlement import pain001
from paylater.settlement import tasks as _tasks  # noqa: F401  (registers the daily run)
from tests.api.flows import capture, place_order, refund
from tests.settlement.support import ADMIN, SE_IBAN, all_payouts, at, events, shopper

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "xsd" / "pain.001.001.03.xsd")))
DAY = date(2026, 12, 1)


@pytest.fixture
def environment(database: Database, tmp_path: Path) -> dict[str, str]:
    return {
        "PAYLATER_DATABASE_URL": database.url,
        "PAYLATER_DATA_DIR": str(tmp_path / "cli"),
        "PAYLATER_SECRET_KEY": "cli-test",
        "COLUMNS": "200",
    }


def _cli(environment: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(app, ["settlement", *args], env=environment)
    assert result.exit_code == 0, result.output
    return result.output


def _sales(client: TestClient, merchant: dict[str, Any], clock: FixedClock) -> None:
    clock.set(at(DAY))
    headers = merchant["headers"]
    for amount in (60_000, 90_000):
        order_id = place_order(client, headers, amount, person=shopper())
        assert capture(client, headers, order_id, amount).status_code == 201
    assert refund(client, headers, order_id, 5_000).status_code == 201


def test_run_export_and_report_from_the_command_line(
    client: TestClient,
    merchant: dict[str, Any],
    clock: FixedClock,
    environment: dict[str, str],
    tmp_path: Path,
) -> None:
    client.put(
        f"/admin/v1/merchants/{merchant['id']}/settlement",
        json={"iban": SE_IBAN, "delay_days": 2},
        headers=ADMIN,
    )
    _sales(client, merchant, clock)
    output = _cli(environment, "run", "--date", "2026-12-03")
    assert "1 payouts for 2026-12-03" in output
    # 1,500.00 sold, 2.9 % fees (43.50), 50.00 refunded.
    assert "1406.50 SEK" in output
    again = _cli(environment, "run", "--date", "2026-12-03")
    assert "already made" in again and "1406.50 SEK" in again

    out = tmp_path / "payouts.xml"
    assert "(new), 1 payouts" in _cli(environment, "export-payouts", "--out", str(out))
    first = out.read_bytes()
    XSD.assertValid(etree.fromstring(first))
    assert "already exported" in _cli(environment, "export-payouts", "--out", str(out))
    assert out.read_bytes() == first
    # The same command under `paylater bank`, beside the other bank files.
    again_out = tmp_path / "again.xml"
    result = CliRunner().invoke(
        app, ["bank", "export-payouts", "--out", str(again_out)], env=environment
    )
    assert result.exit_code == 0 and "already exported" in result.output, result.output
    assert again_out.read_bytes() == first

    [payout] = client.get("/settlements/v1/payouts", headers=merchant["headers"]).json()["payouts"]
    assert payout["status"] == "sent" and payout["amount"] == 140_650
    assert payout["totals"] == {
        "sale_amount": 150_000,
        "fee_amount": 4_350,
        "return_amount": 5_000,
        "dispute_hold_amount": 0,
        "dispute_release_amount": 0,
        "dispute_loss_amount": 0,
        "reserve_hold_amount": 0,
        "reserve_release_amount": 0,
        "settlement_amount": 140_650,
    }
    reference = payout["payment_reference"]
    assert reference.encode() in first
    report = tmp_path / "report.csv"
    _cli(environment, "report", merchant["id"], reference, "--out", str(report))
    api_report = client.get(
        "/settlements/v1/reports/payout-with-transactions",
        params={"payment_reference": reference},
        headers=merchant["headers"],
    )
    assert report.read_text() == api_report.text
    assert len(report.read_text().splitlines()) == 4 + 5  # 2 sales, 2 fees, 1 return
    pdf = tmp_path / "report.pdf"
    _cli(environment, "report", merchant["id"], reference, "--pdf", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    again_pdf = tmp_path / "again.pdf"
    _cli(environment, "report", merchant["id"], reference, "--pdf", "--out", str(again_pdf))
    assert again_pdf.read_bytes() == pdf.read_bytes()


def test_the_daily_job_runs_payouts_and_api_pages(
    client: TestClient,
    merchant: dict[str, Any],
    database: Database,
    clock: FixedClock,
) -> None:
    _sales(client, merchant, clock)
    task = tasks()["settlement.payouts"]
    for day in (date(2026, 12, 8), date(2026, 12, 8)):
        clock.set(at(day, 1))
        database.run(lambda c, day=day: task(c, day, clock.now()))
    [payout] = all_payouts(database)
    assert payout["status"] == "pending" and payout["run_date"] == date(2026, 12, 8)
    headers = merchant["headers"]
    page = client.get("/settlements/v1/transactions?size=2&offset=1", headers=headers).json()
    assert page["pagination"] == {"count": 2, "total": 5, "offset": 1}
    assert all(t["payment_reference"] == payout["payment_reference"] for t in page["transactions"])
    listed = client.get("/settlements/v1/payouts?start_date=2026-12-09", headers=headers).json()
    assert listed["payouts"] == [] and listed["pagination"]["total"] == 0
    assert client.get("/settlements/v1/payouts/PLNOPE", headers=headers).status_code == 404
    # No IBAN yet: the export keeps the payout pending and sends nothing.
    assert database.run(lambda c: pain001.export_payouts(c, now=clock.now())) is None
    assert all_payouts(database)[0]["status"] == "pending"
    assert events(database, merchant["id"], "payout.sent") == []
