"""`paylater collections ageing` and `paylater collections export` against the test database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from paylater.cli import app
from paylater.db import Database
from paylater.kit.clock import FixedClock
from tests.collections.support import ADMIN, TODAY, Debt, at_nine


@pytest.fixture
def environment(database: Database, tmp_path: Path) -> dict[str, str]:
    return {
        "PAYLATER_DATABASE_URL": database.url,
        "PAYLATER_DATA_DIR": str(tmp_path / "cli"),
        "PAYLATER_SECRET_KEY": "cli-test",
        "COLUMNS": "200",
    }


def _run(environment: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["collections", *args], env=environment)
    return result.exit_code, result.output


def test_ageing_table(make_debt: Callable[..., Debt], environment: dict[str, str]) -> None:
    make_debt([91, 45, 10], amount=100_001)  # 33 335 + 33 333 + 33 333
    code, output = _run(environment, "ageing", "--as-of", TODAY.isoformat())
    assert code == 0, output
    assert "ageing 2027-03-15" in output
    rows = [line.split("│")[1:5] for line in output.splitlines() if "SEK" in line]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["SEK", "1-30", "1", "333.33"],
        ["SEK", "31-60", "1", "333.33"],
        ["SEK", "61-90", "0", "0.00"],
        ["SEK", "90+", "1", "333.35"],
    ]
    code, output = _run(environment, "ageing", "--as-of", TODAY.isoformat(), "--country", "FR")
    assert code == 0, output
    assert "nothing overdue on 2027-03-15" in output


def test_export_matches_the_api(
    client: TestClient,
    make_debt: Callable[..., Debt],
    clock: FixedClock,
    run_day: Callable[..., int],
    environment: dict[str, str],
    tmp_path: Path,
) -> None:
    make_debt([61, -20, -50])
    make_debt([80, -20, -50], email="bo@example.com", given_name="Bo")
    assert run_day(TODAY) == 2
    clock.set(at_nine(TODAY))
    expected = client.get("/admin/v1/collections/export.csv", headers=ADMIN).text
    assert expected.count("\r\n") == 3

    out = tmp_path / "collections.csv"
    code, output = _run(environment, "export", "--as-of", "2027-03-15", "--out", str(out))
    assert code == 0, output
    assert "2 open case(s) written to" in output
    assert out.read_bytes() == expected.encode()

    # Standard output carries the same bytes (the runner's text output folds CRLF to LF).
    result = CliRunner().invoke(
        app, ["collections", "export", "--as-of", "2027-03-15"], env=environment
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == expected.encode()


def test_an_unknown_country_is_refused(environment: dict[str, str]) -> None:
    code, output = _run(environment, "export", "--country", "XX")
    assert code == 2
    assert "not served" in output
