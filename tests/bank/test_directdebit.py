"""SEPA direct debit: mandates, the pain.008 export (XSD-valid, FRST then RCUR, idempotent per
date), settlement by camt.054, and returns (pain.002 and camt.054) that reopen the instalment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Connection, select
from typer.testing import CliRunner

from paylater.bank.directdebit import create_mandate, export_direct_debits
from paylater.bank.models import bank_collections
from paylater.bank.statements import import_file
from paylater.db import Database
from paylater.kit.errors import BadValue
from paylater.ledger.service import AccountKind, account, balance, verify
from paylater.notifications.models import messages
from tests.bank.camtfiles import Tx, assert_valid, camt, pain002
from tests.bank.conftest import (
    AT,
    Invoice,
    instalment_rows,
    mail_kinds,
    make_consumer,
    make_invoice,
)

IBAN = "FR1420041010050500013M02606"
DAY = date(2027, 1, 19)
PAIN = "{urn:iso:std:iso:20022:tech:xsd:pain.008.001.02}"


def _setup(database: Database, shop: str) -> tuple[Invoice, Invoice]:
    def work(connection: Connection) -> tuple[Invoice, Invoice]:
        marie = make_consumer(connection, "Marie", "Dupont")
        create_mandate(connection, consumer_id=marie, iban=IBAN, signed_on=date(2026, 12, 1), at=AT)
        with_mandate = make_invoice(connection, shop, marie, [3000, 3000, 3000])
        without = make_invoice(connection, shop, make_consumer(connection, "Jean", "Martin"), [500])
        return with_mandate, without

    return database.run(work)


def _export(database: Database, day: date = DAY) -> bytes:
    return database.run(lambda c: export_direct_debits(c, collection_date=day, at=AT)).content


def _collections(connection: Connection) -> list[tuple[str, str, str, str]]:
    rows = connection.execute(
        select(
            bank_collections.c.id,
            bank_collections.c.instalment_id,
            bank_collections.c.sequence,
            bank_collections.c.status,
        ).order_by(bank_collections.c.collection_date)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_mandate_needs_a_valid_iban(database: Database, shop: str) -> None:
    def work(connection: Connection) -> None:
        someone = make_consumer(connection)
        with pytest.raises(BadValue):
            create_mandate(
                connection,
                consumer_id=someone,
                iban="FR1420041010050500013M02607",
                signed_on=DAY,
                at=AT,
            )
        mandate = create_mandate(
            connection,
            consumer_id=someone,
            iban="fr14 2004 1010 0505 0001 3m02 606",
            bic="PSSTFRPPXXX",
            signed_on=DAY,
            at=AT,
        )
        assert mandate.iban == IBAN

    database.run(work)


def test_export_is_valid_idempotent_and_marks_collecting(database: Database, shop: str) -> None:
    invoice, without = _setup(database, shop)
    first = _export(database)
    assert_valid(first, "pain.008.001.02")
    again = _export(database)
    assert again == first
    document = etree.fromstring(first)
    assert document.findtext(f".//{PAIN}SeqTp") == "FRST"
    assert document.findtext(f".//{PAIN}LclInstrm/{PAIN}Cd") == "CORE"
    assert [e.text for e in document.iter(f"{PAIN}InstdAmt")] == ["30.00"]
    assert document.findtext(f".//{PAIN}MndtId")

    def check(connection: Connection) -> None:
        rows = instalment_rows(connection, invoice.instalment_ids + without.instalment_ids)
        assert rows[invoice.instalment_ids[0]].processing_until == DAY + timedelta(days=5)
        assert rows[invoice.instalment_ids[1]].processing_until is None  # not due yet
        assert rows[without.instalment_ids[0]].processing_until is None  # no mandate
        assert len(_collections(connection)) == 1

    database.run(check, readonly=True)
    # The next instalment, a month later: RCUR under the same mandate.
    later = _export(database, DAY + timedelta(days=30))
    assert_valid(later, "pain.008.001.02")
    assert etree.fromstring(later).findtext(f".//{PAIN}SeqTp") == "RCUR"
    assert [e.text for e in etree.fromstring(later).iter(f"{PAIN}InstdAmt")] == ["30.00"]


def test_settled_then_returned_reopens_and_reverses(database: Database, shop: str) -> None:
    invoice, _without = _setup(database, shop)
    _export(database)
    collection_id = database.run(lambda c: _collections(c)[0][0])
    credit = camt([Tx(3000, end_to_end_id=collection_id, servicer_ref="DD-IN")], version="001.08")
    report = database.run(lambda c: import_file(c, credit, at=AT))
    assert report.applied == 1
    receivable = account(AccountKind.CONSUMER_RECEIVABLE, "EUR", invoice.consumer_id)
    assert database.run(lambda c: balance(c, receivable)) == 6000
    returned = camt(
        [
            Tx(
                3000,
                direction="DBIT",
                end_to_end_id=collection_id,
                return_reason="AM04",
                servicer_ref="DD-RET",
            )
        ],
        version="001.08",
    )
    assert_valid(returned, "camt.054.001.08")
    report = database.run(lambda c: import_file(c, returned, at=AT + timedelta(days=2)))
    assert report.returns == 1

    def check(connection: Connection) -> None:
        row = instalment_rows(connection, invoice.instalment_ids)[invoice.instalment_ids[0]]
        assert (row.paid_amount, row.status, row.processing_until) == (0, "open", None)
        assert balance(connection, receivable) == 9000
        assert _collections(connection)[0][3] == "returned"
        kinds = mail_kinds(connection, invoice.consumer_id)
        assert "bank.direct_debit_returned" in kinds
        told = connection.execute(
            select(messages.c.text_body)
            .where(messages.c.consumer_id == invoice.consumer_id)
            .where(messages.c.kind == "bank.direct_debit_returned")
        ).scalar_one()
        assert "(provision insuffisante, code AM04)" in told  # the consumer reads French
        assert verify(connection).ok

    database.run(check, readonly=True)
    # The same return in another file changes nothing more.
    again = camt(
        [
            Tx(
                3000,
                direction="DBIT",
                end_to_end_id=collection_id,
                return_reason="AM04",
                servicer_ref="DD-RET2",
            )
        ]
    )
    assert database.run(lambda c: import_file(c, again, at=AT)).returns == 0
    # Next export collects it again, as FRST since the first collection never went through.
    retry = etree.fromstring(_export(database, DAY + timedelta(days=3)))
    assert retry.findtext(f".//{PAIN}SeqTp") == "FRST"


def test_pain002_rejection_reopens_before_settlement(database: Database, shop: str) -> None:
    invoice, _without = _setup(database, shop)
    _export(database)
    collection_id = database.run(lambda c: _collections(c)[0][0])
    report = database.run(lambda c: import_file(c, pain002([(collection_id, "AC04")]), at=AT))
    assert (report.message, report.returns) == ("pain.002", 1)

    def check(connection: Connection) -> None:
        row = instalment_rows(connection, invoice.instalment_ids)[invoice.instalment_ids[0]]
        assert (row.paid_amount, row.status, row.processing_until) == (0, "open", None)
        assert mail_kinds(connection, invoice.consumer_id) == ["bank.direct_debit_returned"]
        assert verify(connection).ok

    database.run(check, readonly=True)


def test_cli_export(
    database: Database, shop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paylater.cli import app

    monkeypatch.setenv("PAYLATER_DATABASE_URL", database.url)
    monkeypatch.setenv("PAYLATER_SANDBOX", "false")
    _setup(database, shop)
    out = tmp_path / "dd.xml"
    args = ["bank", "export-direct-debits", "--date", DAY.isoformat(), "--out", str(out)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    content = out.read_bytes()
    assert_valid(content, "pain.008.001.02")
    second = CliRunner().invoke(app, args)
    assert "already exported" in second.output
    assert out.read_bytes() == content
    assert datetime.now(UTC)  # the export used the system clock outside the sandbox
