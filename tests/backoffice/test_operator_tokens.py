"""Operators' own admin API tokens: the call is the operator's in the audit log, whatever the
request claims; revoked tokens and disabled operators are refused; the CLI issues and revokes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from paylater.app import create_app
from paylater.backoffice import accounts, api_tokens
from paylater.backoffice.models import operators
from paylater.bank.models import bank_audit
from paylater.cli import app as cli_app
from paylater.config import Settings
from paylater.db import Database
from paylater.kit.clock import FixedClock
from tests.bank.camtfiles import Tx, camt

PASSWORD = "a long enough password"


def _operator(database: Database, clock: FixedClock, email: str) -> str:
    return str(
        database.run(
            lambda c: accounts.create_operator(
                c, email, role="operator", password=PASSWORD, at=clock.now()
            )
        )
    )


def _token(database: Database, settings: Settings, clock: FixedClock, email: str) -> str:
    return str(
        database.run(
            lambda c: api_tokens.issue(
                c, email, key=settings.hashing_key, label="script", at=clock.now()
            )
        )
    )


def _upload(client: TestClient, headers: dict[str, str], servicer_ref: str) -> Any:
    document = camt([Tx(1234, reference="", payer="Nobody", servicer_ref=servicer_ref)])
    return client.post(
        "/admin/v1/bank/statements?name=upload.xml",
        content=document,
        headers={**headers, "Content-Type": "application/xml"},
    )


def test_a_call_with_an_operator_token_is_audited_under_that_operator(
    client: TestClient, database: Database, settings: Settings, clock: FixedClock
) -> None:
    _operator(database, clock, "olivia@lender.example")
    token = _token(database, settings, clock, "olivia@lender.example")
    assert token.startswith(api_tokens.TOKEN_PREFIX)
    # The header cannot make the call someone else's.
    claimed = {"Authorization": f"Bearer {token}", "X-Operator": "mallory"}
    answer = _upload(client, claimed, "T1")
    assert answer.status_code in (200, 201), answer.text
    shared = {"Authorization": "Bearer test-admin-token", "X-Operator": "sam"}
    assert _upload(client, shared, "T2").status_code in (200, 201)
    audited = database.run(
        lambda c: c.execute(select(bank_audit.c.operator).order_by(bank_audit.c.id)).scalars().all()
    )
    assert audited == ["olivia@lender.example", "sam"]
    # Nothing of the token itself is stored.
    assert token not in str(database.run(lambda c: c.execute(select(operators)).all()))


def test_revoked_tokens_and_disabled_operators_are_refused(
    client: TestClient, database: Database, settings: Settings, clock: FixedClock
) -> None:
    _operator(database, clock, "olivia@lender.example")
    operator_id = _operator(database, clock, "otto@lender.example")
    olivia = _token(database, settings, clock, "olivia@lender.example")
    otto = _token(database, settings, clock, "otto@lender.example")
    for token in (olivia, otto):
        answer = client.get(
            "/admin/v1/bank/unmatched", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200, answer.text
    assert (
        database.run(lambda c: api_tokens.revoke_all(c, "olivia@lender.example", at=clock.now()))
        == 1
    )
    database.run(
        lambda c: c.execute(
            operators.update().where(operators.c.id == operator_id).values(disabled_at=clock.now())
        )
    )
    for token in (olivia, otto, api_tokens.TOKEN_PREFIX + "made-up"):
        answer = client.get(
            "/admin/v1/bank/unmatched", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 401
        assert answer.json()["error_code"] == "UNAUTHORIZED"


def test_operator_tokens_work_without_a_shared_admin_token(
    database: Database, settings: Settings, clock: FixedClock
) -> None:
    _operator(database, clock, "olivia@lender.example")
    token = _token(database, settings, clock, "olivia@lender.example")
    app = create_app(settings.model_copy(update={"admin_token": None}), database, clock)
    with TestClient(app) as client:
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/admin/v1/bank/unmatched", headers=bearer).status_code == 200
        assert client.get("/admin/v1/bank/unmatched").status_code == 404


def test_the_cli_issues_and_revokes_operator_tokens(
    database: Database, settings: Settings, clock: FixedClock, monkeypatch: Any
) -> None:
    _operator(database, clock, "olivia@lender.example")
    monkeypatch.setenv("PAYLATER_DATABASE_URL", database.url)
    monkeypatch.setenv("PAYLATER_SECRET_KEY", "test-secret-key")
    runner = CliRunner()
    issued = runner.invoke(cli_app, ["backoffice", "operator-token", "olivia@lender.example"])
    assert issued.exit_code == 0, issued.output
    token = issued.output.rsplit(" ", 1)[1].strip()
    assert token.startswith(api_tokens.TOKEN_PREFIX)
    email = database.run(
        lambda c: api_tokens.operator_of(c, token, key=settings.hashing_key), readonly=True
    )
    assert email == "olivia@lender.example"
    unknown = runner.invoke(cli_app, ["backoffice", "operator-token", "nobody@lender.example"])
    assert unknown.exit_code == 1 and "no active operator" in unknown.output
    revoked = runner.invoke(
        cli_app, ["backoffice", "revoke-operator-tokens", "olivia@lender.example"]
    )
    assert revoked.exit_code == 0 and "1 token(s)" in revoked.output
    assert (
        database.run(lambda c: api_tokens.operator_of(c, token, key=settings.hashing_key)) is None
    )
