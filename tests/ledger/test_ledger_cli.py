"""`paylater ledger verify` against the test database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from paylater.cli import app
from paylater.db import Database
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Posting, account, post

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def environment(database: Database, tmp_path: Path) -> dict[str, str]:
    return {
        "PAYLATER_DATABASE_URL": database.url,
        "PAYLATER_DATA_DIR": str(tmp_path / "cli"),
        "PAYLATER_SECRET_KEY": "cli-test",
        "COLUMNS": "200",
    }


def _verify(environment: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["ledger", "verify"], env=environment)
    return result.exit_code, result.output


def test_verify_on_an_empty_ledger(environment: dict[str, str]) -> None:
    code, output = _verify(environment)
    assert code == 0, output
    assert "0 accounts, 0 entries, 0 postings" in output
    assert "ledger verified" in output


def test_verify_exits_1_after_tampering(database: Database, environment: dict[str, str]) -> None:
    receivable = account(AccountKind.CONSUMER_RECEIVABLE, "SEK", "con_1")
    database.run(
        lambda c: post(
            c,
            kind="capture",
            reference="o1",
            at=AT,
            entry_postings=[
                Posting(receivable, Money(10000, "SEK")),
                Posting(
                    account(AccountKind.MERCHANT_PAYABLE, "SEK", "mer_1"), Money(-10000, "SEK")
                ),
            ],
        )
    )
    code, output = _verify(environment)
    assert code == 0, output
    assert "2 accounts, 1 entries, 2 postings" in output

    database.run(
        lambda c: c.execute(
            text("UPDATE ledger_accounts SET balance = balance + 1 WHERE key = :k"),
            {"k": receivable},
        )
    )
    code, output = _verify(environment)
    assert code == 1, output
    assert f"drift {receivable}: stored 10001, postings sum to 10000" in output
    assert "ledger verified" not in output
