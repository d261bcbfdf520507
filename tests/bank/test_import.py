"""Importing camt files: exact references applied, typos and name matches suggested, the rest in
the unmatched queue; re-imports and overlapping files change nothing twice; operator actions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select
from typer.testing import CliRunner

from paylater.bank import service
from paylater.bank.models import bank_audit, bank_entries, bank_files
from paylater.bank.receipts import SEND_RECEIPTS
from paylater.bank.references import reference_for_instalment
from paylater.bank.statements import import_file
from paylater.billing.models import instalments
from paylater.collections.models import collection_cases
from paylater.collections.service import write_off
from paylater.config import Settings
from paylater.db import Database
from paylater.jobs.worker import Worker
from paylater.kit.clock import FixedClock
from paylater.kit.errors import InvalidOperation
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, account, balance, verify
from paylater.servicing.pauses import ProblemReason, report_problem
from tests.api.flows import capture, consumer, order_consumer, place_order, read_order
from tests.bank.camtfiles import Tx, assert_valid, camt
from tests.bank.conftest import (
    AT,
    Invoice,
    entry_states,
    instalment_rows,
    mail_kinds,
    make_consumer,
    make_invoice,
)

SUSPENSE = account(AccountKind.SUSPENSE, "EUR")
ADMIN = {"Authorization": "Bearer test-admin-token", "X-Operator": "olivia"}


def _typo(reference: str) -> str:
    position = len(reference) - 3
    replacement = "7" if reference[position] != "7" else "8"
    return reference[:position] + replacement + reference[position + 1 :]


def _setup(database: Database, shop: str) -> tuple[Invoice, str, Invoice, str]:
    def work(connection: Connection) -> tuple[Invoice, str, Invoice, str]:
        marie = make_consumer(connection, "Marie", "Dupont")
        invoice = make_invoice(connection, shop, marie, [8990])
        other = make_invoice(connection, shop, make_consumer(connection, "Jean", "Martin"), [4500])
        return (
            invoice,
            reference_for_instalment(connection, invoice.instalment_ids[0], AT),
            other,
            reference_for_instalment(connection, other.instalment_ids[0], AT),
        )

    return database.run(work)


def _import(database: Database, document: bytes, **kwargs: Any) -> Any:
    return database.run(lambda c: import_file(c, document, at=AT, **kwargs))


@pytest.mark.parametrize(("message", "version"), [("camt.054", "001.08"), ("camt.053", "001.02")])
def test_exact_reference_is_applied_once(
    database: Database,
    shop: str,
    message: str,
    version: str,
    clock: FixedClock,
    settings: Settings,
) -> None:
    invoice, reference, _other, _ = _setup(database, shop)
    document = camt(
        [Tx(8990, reference=reference, payer="Marie Dupont", servicer_ref="A1")],
        message=message,
        version=version,
    )
    assert_valid(document, f"{message}.{version}")
    report = _import(database, document, name="day1.xml")
    assert (report.new_entries, report.applied, report.unmatched) == (1, 1, 0)
    again = _import(database, document, name="day1.xml")
    assert again.already_imported and "already imported" in again.summary()
    clock.set(AT)
    mailer = Worker(
        database, clock=clock, settings=settings, kinds=(SEND_RECEIPTS,), schedule_daily=False
    )
    assert mailer.drain() == {"done": 1}  # the chunk's "payment received" e-mails

    def check(connection: Connection) -> None:
        row = instalment_rows(connection, invoice.instalment_ids)[invoice.instalment_ids[0]]
        assert (row.paid_amount, row.status) == (8990, "paid")
        assert balance(connection, SUSPENSE) == 0
        assert mail_kinds(connection, invoice.consumer_id) == ["payment.received"]
        assert connection.execute(select(func.count()).select_from(bank_files)).scalar() == 1
        assert verify(connection).ok

    database.run(check, readonly=True)


def test_overlapping_file_imports_only_new_entries(database: Database, shop: str) -> None:
    invoice, reference, other, other_reference = _setup(database, shop)
    first = camt([Tx(3000, reference=reference, servicer_ref="A1")], message_id="M1")
    overlapping = camt(
        [
            Tx(3000, reference=reference, servicer_ref="A1"),
            Tx(4500, reference=other_reference, servicer_ref="A2"),
        ],
        message_id="M2",
    )
    _import(database, first)
    report = _import(database, overlapping)
    assert (report.entries, report.new_entries, report.duplicates, report.applied) == (2, 1, 1, 1)

    def check(connection: Connection) -> None:
        rows = instalment_rows(connection, invoice.instalment_ids + other.instalment_ids)
        assert rows[invoice.instalment_ids[0]].paid_amount == 3000  # partial, applied once
        assert rows[other.instalment_ids[0]].status == "paid"
        assert verify(connection).ok

    database.run(check, readonly=True)


def test_overpayment_becomes_consumer_credit(database: Database, shop: str) -> None:
    invoice, reference, _other, _ = _setup(database, shop)
    _import(database, camt([Tx(10000, reference=reference, servicer_ref="O1")]))

    def check(connection: Connection) -> None:
        payable = account(AccountKind.CONSUMER_PAYABLE, "EUR", invoice.consumer_id)
        assert balance(connection, payable) == -(10000 - 8990)
        assert balance(connection, SUSPENSE) == 0

    database.run(check, readonly=True)


def test_typo_suggests_name_suggests_rest_unmatched(database: Database, shop: str) -> None:
    invoice, reference, other, _ = _setup(database, shop)
    report = _import(
        database,
        camt(
            [
                Tx(8990, reference=_typo(reference), payer="M. Dupont", servicer_ref="T1"),
                Tx(4500, payer="Jean Martin", unstructured="pour ma commande", servicer_ref="N1"),
                Tx(1234, payer="Somebody Else", servicer_ref="U1"),
                Tx(8990, reference="RF00NOTOURS", servicer_ref="U2"),
            ]
        ),
    )
    assert (report.applied, report.suggested, report.unmatched) == (0, 2, 2)
    queue = database.run(lambda c: service.search_unmatched(c), readonly=True)
    assert len(queue) == 4
    typo = next(e for e in queue if e.amount == 8990 and e.suggestions)
    assert typo.suggestions[0].instalment_id == invoice.instalment_ids[0]
    assert typo.suggestions[0].reason == "reference_typo"
    named = next(e for e in queue if e.amount == 4500)
    assert named.suggestions[0].instalment_id == other.instalment_ids[0]
    assert named.suggestions[0].reason == "amount_name"
    assert database.run(lambda c: balance(c, SUSPENSE)) == -(8990 + 4500 + 1234 + 8990)
    # Search by amount, name and date.
    assert [e.amount for e in database.run(lambda c: service.search_unmatched(c, amount=1234))] == [
        1234
    ]
    assert len(database.run(lambda c: service.search_unmatched(c, name="jean martin"))) == 1
    assert database.run(lambda c: service.search_unmatched(c, date_from=date(2027, 1, 21))) == []

    # The operator applies the suggestion; applying again is refused; the rest goes back.
    applied = database.run(
        lambda c: service.apply_suggestion(c, typo.id, invoice.instalment_ids[0], "olivia", AT)
    )
    assert applied == 8990
    with pytest.raises(InvalidOperation):
        database.run(
            lambda c: service.apply_suggestion(c, typo.id, invoice.instalment_ids[0], "olivia", AT)
        )
    stranger = next(e for e in queue if e.amount == 1234)
    database.run(lambda c: service.return_to_sender(c, stranger.id, "olivia", AT, "unknown payer"))
    with pytest.raises(InvalidOperation):
        database.run(lambda c: service.return_to_sender(c, typo.id, "olivia", AT))

    def check(connection: Connection) -> None:
        assert balance(connection, SUSPENSE) == -(4500 + 8990)
        actions = connection.execute(
            select(bank_audit.c.operator, bank_audit.c.action).order_by(bank_audit.c.id)
        ).all()
        assert [tuple(a) for a in actions] == [("olivia", "apply"), ("olivia", "return")]
        assert entry_states(connection) == {
            "applied": 1,
            "returned": 1,
            "suggested": 1,
            "unmatched": 1,
        }
        assert verify(connection).ok

    database.run(check, readonly=True)


def test_reference_in_free_text_is_used(database: Database, shop: str) -> None:
    _invoice, reference, _other, _ = _setup(database, shop)
    spaced = " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))
    report = _import(
        database,
        camt([Tx(8990, unstructured=f"Paiement {spaced.lower()} merci", servicer_ref="F")]),
    )
    assert report.applied == 1


def test_debits_and_pending_are_not_matched(database: Database, shop: str) -> None:
    _invoice, reference, _other, _ = _setup(database, shop)
    report = _import(
        database,
        camt(
            [
                Tx(8990, reference=reference, status="PDNG", servicer_ref="P1"),
                Tx(8990, reference=reference, direction="DBIT", servicer_ref="D1"),
            ]
        ),
    )
    assert (report.applied, report.ignored) == (0, 2)
    assert database.run(lambda c: balance(c, SUSPENSE)) == 0


def test_admin_api_upload_queue_apply_return(
    client: TestClient, database: Database, shop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _invoice, reference, _other, _ = _setup(database, shop)
    document = camt(
        [
            Tx(8990, reference=_typo(reference), payer="Marie Dupont", servicer_ref="T1"),
            Tx(777, payer="Nobody", servicer_ref="U1"),
        ]
    )
    url = "/admin/v1/bank/statements?name=upload.xml"
    assert client.post(url, content=document).status_code == 401
    created = client.post(url, content=document, headers=ADMIN)
    assert created.status_code == 201, created.text
    assert created.json()["suggested"] == 1
    assert client.post(url, content=document, headers=ADMIN).json()["already_imported"]
    hostile = b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY a "b">]><Document/>'
    refused = client.post(url, content=hostile, headers=ADMIN)
    assert refused.status_code == 400 and "DOCTYPE" in refused.text
    monkeypatch.setenv("PAYLATER_BANK_MAX_UPLOAD_BYTES", "1000")
    assert client.post(url, content=document, headers=ADMIN).status_code == 413
    monkeypatch.delenv("PAYLATER_BANK_MAX_UPLOAD_BYTES")

    queue = client.get("/admin/v1/bank/unmatched", headers=ADMIN).json()
    assert len(queue) == 2
    suggested = next(e for e in queue if e["suggestions"])
    assert suggested["suggestions"][0]["reference"] == reference
    answer = client.post(
        f"/admin/v1/bank/entries/{suggested['id']}/apply",
        json={"instalment_id": suggested["suggestions"][0]["instalment_id"]},
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.text
    again = client.post(
        f"/admin/v1/bank/entries/{suggested['id']}/apply",
        json={"instalment_id": suggested["suggestions"][0]["instalment_id"]},
        headers=ADMIN,
    )
    assert again.status_code == 403
    nobody = next(e for e in queue if e["amount"] == 777)
    returned = client.post(
        f"/admin/v1/bank/entries/{nobody['id']}/return", json={"note": "?"}, headers=ADMIN
    )
    assert returned.status_code == 200
    assert client.get("/admin/v1/bank/unmatched", headers=ADMIN).json() == []
    operators = database.run(
        lambda c: c.execute(select(bank_audit.c.operator, bank_audit.c.action)).all()
    )
    assert {tuple(o) for o in operators} == {
        ("olivia", "import"),
        ("olivia", "apply"),
        ("olivia", "return"),
    }


def test_cli_import_with_progress(
    database: Database, shop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paylater.cli import app

    monkeypatch.setenv("PAYLATER_DATABASE_URL", database.url)
    monkeypatch.setenv("PAYLATER_SANDBOX", "false")
    _invoice, reference, _other, _ = _setup(database, shop)
    good = tmp_path / "good.xml"
    good.write_bytes(camt([Tx(8990, reference=reference, servicer_ref="C1")]))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x/>')
    result = CliRunner().invoke(app, ["bank", "import", str(good), str(good), str(bad)])
    assert result.exit_code == 1, result.output
    assert "1 applied" in result.output
    assert "already imported" in result.output
    assert "refused" in result.output
    assert (
        database.run(lambda c: c.execute(select(func.count()).select_from(bank_entries)).scalar())
        == 1
    )


# --- S7: a transfer with a typo, resolved on the spot ------------------------------------------


def test_s7_typo_suggested_then_consumer_report_applies_it(
    client: TestClient, merchant: dict[str, Any], database: Database, clock: FixedClock
) -> None:
    headers = merchant["headers"]
    clock.set(datetime(2026, 12, 20, 10, 0, tzinfo=UTC))
    person = consumer("marie@example.com", given_name="Marie", family_name="Dupont")
    order_id = place_order(client, headers, 8990, plan="pay_later", country="FR", person=person)
    assert capture(client, headers, order_id, 8990).status_code == 201
    consumer_id = order_consumer(database, order_id)
    instalment_id = database.run(
        lambda c: c.execute(
            select(instalments.c.id).where(instalments.c.order_id == order_id)
        ).scalar_one()
    )
    reference = database.run(lambda c: reference_for_instalment(c, instalment_id, clock.now()))
    assert read_order(client, headers, order_id)["payment_schedule"][0]["due_date"] == "2027-01-19"

    # The booking of 2027-01-20 is imported on 2027-01-21: a suggestion, money in suspense.
    clock.set(datetime(2027, 1, 21, 8, 0, tzinfo=UTC))
    document = camt(
        [Tx(8990, reference=_typo(reference), payer="DUPONT MARIE", servicer_ref="S7-1")],
        version="001.08",
    )
    report = database.run(lambda c: import_file(c, document, at=clock.now()))
    assert (report.applied, report.suggested) == (0, 1)
    assert database.run(lambda c: balance(c, SUSPENSE)) == -8990
    assert read_order(client, headers, order_id)["payment_schedule"][0]["status"] == "open"

    # The consumer reports "payment not registered", giving the amount and the day paid: the
    # report finds the entry, applies it and closes on the spot, with no pause.
    outcome = database.run(
        lambda c: report_problem(
            c,
            consumer_id=consumer_id,
            order_id=order_id,
            reason=ProblemReason.payment_not_registered,
            paid_amount=Money(8990, "EUR"),
            paid_on=date(2027, 1, 18),
            now=clock.now(),
        )
    )
    assert (outcome.status, outcome.pause_id) == ("resolved", None)
    schedule = read_order(client, headers, order_id)["payment_schedule"]
    assert (schedule[0]["paid_amount"], schedule[0]["status"]) == (8990, "paid")

    def check(connection: Connection) -> None:
        assert balance(connection, SUSPENSE) == 0
        kinds = mail_kinds(connection, consumer_id)
        assert kinds.count("payment.received") == 1
        assert not [k for k in kinds if "overdue" in k or "reminder" in k]
        audit = connection.execute(select(bank_audit.c.operator, bank_audit.c.action)).all()
        assert [tuple(a) for a in audit] == [("consumer-report", "apply_reported")]
        assert verify(connection).ok

    database.run(check, readonly=True)
    # A second report finds nothing more to apply.
    assert not database.run(
        lambda c: service.match_reported_payment(
            c,
            order_id=order_id,
            consumer_id=consumer_id,
            amount=Money(8990, "EUR"),
            paid_on=date(2027, 1, 18),
            reference=None,
            at=clock.now(),
        )
    )


def test_report_does_not_take_a_strangers_payment(database: Database, shop: str) -> None:
    invoice, _reference, _other, _ = _setup(database, shop)
    _import(database, camt([Tx(8990, payer="Paul Durand", servicer_ref="X1")]))
    assert not database.run(
        lambda c: service.match_reported_payment(
            c,
            order_id=invoice.order_id,
            consumer_id=invoice.consumer_id,
            amount=Money(8990, "EUR"),
            paid_on=date(2027, 1, 19),
            reference=None,
            at=AT,
        )
    )
    candidates = database.run(
        lambda c: service.reported_payment_candidates(
            c,
            order_id=invoice.order_id,
            consumer_id=invoice.consumer_id,
            amount=Money(8990, "EUR"),
            paid_on=date(2027, 1, 19),
            reference=None,
            at=AT,
        )
    )
    assert [(c.amount, c.score, c.payer_name) for c in candidates] == [(8990, 1, "Paul Durand")]


def test_concurrent_overlapping_imports_apply_each_entry_once(
    database: Database, shop: str
) -> None:
    import threading

    def setup(connection: Connection) -> list[tuple[Invoice, str]]:
        made = []
        for n in range(20):
            invoice = make_invoice(
                connection, shop, make_consumer(connection, f"G{n}", f"F{n}"), [500]
            )
            made.append(
                (invoice, reference_for_instalment(connection, invoice.instalment_ids[0], AT))
            )
        return made

    made = database.run(setup)
    txs = [Tx(500, reference=ref, servicer_ref=f"C{n}") for n, (_, ref) in enumerate(made)]
    files = [
        camt(txs, message_id="A"),
        camt(list(reversed(txs)), message_id="B"),
        camt(txs[5:], message_id="C", version="001.08"),
    ]
    errors: list[BaseException] = []

    def run(document: bytes) -> None:
        try:
            _import(database, document)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []

    def check(connection: Connection) -> None:
        assert entry_states(connection) == {"applied": 20}
        ids = [i for invoice, _ in made for i in invoice.instalment_ids]
        assert {(r.paid_amount, r.status) for r in instalment_rows(connection, ids).values()} == {
            (500, "paid")
        }
        assert balance(connection, SUSPENSE) == 0
        assert verify(connection).ok

    database.run(check, readonly=True)


def test_a_bank_payment_on_a_written_off_debt_is_booked_as_a_recovery(
    database: Database, shop: str
) -> None:
    """The exact reference and amount of an instalment written off: applied as usual, but the
    money comes back out of credit losses, since the receivable left the books."""
    invoice, reference, _other, _ = _setup(database, shop)

    def written_off(connection: Connection) -> None:
        case_id = new_uuid()
        connection.execute(
            collection_cases.insert().values(
                id=case_id,
                consumer_id=invoice.consumer_id,
                order_id=invoice.order_id,
                country="FR",
                currency="EUR",
                amount_owed=8990,
                oldest_due_date=date(2027, 1, 19),
                days_overdue_at_opening=61,
                opened_on=date(2027, 3, 21),
                status="open",
                created_at=AT,
                updated_at=AT,
            )
        )
        write_off(connection, case_id, at=AT)

    database.run(written_off)
    losses = account(AccountKind.CREDIT_LOSSES, "EUR")
    receivable = account(AccountKind.CONSUMER_RECEIVABLE, "EUR", invoice.consumer_id)
    assert database.run(lambda c: (balance(c, losses), balance(c, receivable))) == (8990, 0)
    document = camt([Tx(8990, reference=reference, payer="Marie Dupont", servicer_ref="W1")])
    report = _import(database, document, name="recovered.xml")
    assert (report.applied, report.unmatched) == (1, 0)
    assert database.run(lambda c: (balance(c, losses), balance(c, receivable))) == (0, 0)
    rows = database.run(lambda c: instalment_rows(c, invoice.instalment_ids))
    assert [row.status for row in rows.values()] == ["paid"]
    assert database.run(verify).ok
