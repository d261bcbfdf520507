"""Bank files read by a second process: the same batches as read in process, the same refusals,
nothing stored from a refused file, and the same import; the bulk path's choice of instalment."""

from __future__ import annotations

import io
import pickle
import time
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, insert, text

from paylater.bank import bulk, entryrow, reading
from paylater.bank.camt import BankFileError, FileTooLarge, HostileFile
from paylater.bank.references import reference_for_instalment
from paylater.bank.statements import import_file
from paylater.billing.models import instalments, payment_plans
from paylater.db import Database
from paylater.orders.models import captures
from tests.bank.camtfiles import Tx, camt
from tests.bank.conftest import AT, make_consumer, make_invoice


def _mixed() -> bytes:
    txs = [
        Tx(100 + i, servicer_ref=f"S{i}", payer=f"Payer {i}", reference="RF18539007547034")
        for i in range(450)
    ]
    txs[7] = Tx(0, servicer_ref="B", batch=[Tx(100, payer="A B"), Tx(250, payer="C D")])
    txs[9] = Tx(500, direction="DBIT", return_reason="AC04", end_to_end_id="E1", servicer_ref="R")
    txs[11] = Tx(700, status="PDNG", servicer_ref="P", currency="SEK", unstructured="a  b\tc")
    return camt(txs, version="001.08")


def test_the_reader_process_gives_the_same_batches(tmp_path: Path) -> None:
    document = _mixed()
    path = tmp_path / "mixed.xml"
    path.write_bytes(document)
    serial = list(reading.batches(io.BytesIO(document), 1 << 20, size=100))
    with reading.ReaderProcess(path, 1 << 20, size=100) as process:
        parallel = list(process.batches())
    assert parallel == serial
    assert [len(batch.items) for batch in serial] == [100, 100, 100, 100, 51]
    last = serial[-1]
    assert (last.last, last.message, last.version) == (True, "camt.054", "001.08")
    assert last.bytes_read == len(document)


def _hostile(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text("never read")
    body = camt([Tx(100, unstructured="X", servicer_ref="H1")]).decode()
    head, rest = body.split("\n", 1)
    doctype = f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    path = tmp_path / "hostile.xml"
    path.write_text(f"{head}\n<!--{' ' * 70_000}-->\n{doctype}\n{rest}".replace("X<", "&xxe;<"))
    return path


def _read_by_process(path: Path, max_bytes: int) -> list[reading.Batch]:
    with reading.ReaderProcess(path, max_bytes) as process:
        return list(process.batches())


def test_the_reader_process_refuses_what_the_reader_refuses(tmp_path: Path) -> None:
    with pytest.raises(HostileFile):
        _read_by_process(_hostile(tmp_path), 1 << 20)
    big = tmp_path / "big.xml"
    big.write_bytes(camt([Tx(100 + i, servicer_ref=f"S{i}") for i in range(200)]))
    with pytest.raises(FileTooLarge):
        _read_by_process(big, 10_000)
    broken = tmp_path / "broken.xml"
    broken.write_bytes(camt([Tx(100, servicer_ref="S")])[:-40])
    with pytest.raises(BankFileError, match="not well-formed"):
        _read_by_process(broken, 1 << 20)


def test_a_reader_process_not_read_to_the_end_is_stopped(tmp_path: Path) -> None:
    path = tmp_path / "mixed.xml"
    path.write_bytes(_mixed())
    with reading.ReaderProcess(path, 1 << 20, size=10) as process:
        first = next(iter(process.batches()))
    assert len(first.items) == 10
    assert not process.running


@lru_cache(maxsize=1)
def _larger_than_the_pipe() -> tuple[bytes, list[reading.Batch]]:
    """A file whose parsed batches (of 500) need more than twice the pipe between the
    processes, so that the reader process must wait to write before it reaches the end."""
    document = camt([Tx(100 + i, servicer_ref=f"L{i}", payer="Payer") for i in range(40_000)])
    parsed = list(reading.batches(io.BytesIO(document), 1 << 26, size=500))
    assert sum(len(pickle.dumps(batch, -1)) for batch in parsed) > 2 * reading.PIPE_BYTES
    return document, parsed


def test_a_reader_process_waiting_on_a_full_pipe_is_stopped(tmp_path: Path) -> None:
    document, parsed = _larger_than_the_pipe()
    path = tmp_path / "large.xml"
    path.write_bytes(document)
    with reading.ReaderProcess(path, 1 << 26, size=500) as process:
        first = next(process.batches())
        time.sleep(1.0)  # the reader fills the pipe, then waits to write the next batch
        assert process.running
        started = time.monotonic()
    assert time.monotonic() - started < 5
    assert first == parsed[0]
    assert not process.running


def test_a_reader_process_that_dies_is_reported(tmp_path: Path) -> None:
    document, _parsed = _larger_than_the_pipe()
    path = tmp_path / "large.xml"
    path.write_bytes(document)
    with reading.ReaderProcess(path, 1 << 26, size=500) as process:
        batches = process.batches()
        next(batches)
        process._process.kill()  # as the kernel's out-of-memory killer would
        with pytest.raises(RuntimeError, match="the bank file reader stopped"):
            for _ in batches:  # what was already in the pipe, then the end of it
                pass


def test_a_file_refused_by_the_reader_process_leaves_nothing(
    database: Database, tmp_path: Path
) -> None:
    good = [Tx(100 + i, servicer_ref=f"S{i}") for i in range(5000)]
    path = tmp_path / "late.xml"
    path.write_bytes(
        camt([*good, Tx(1, servicer_ref="BAD")]).replace(
            b'<Amt Ccy="EUR">0.01</Amt>', b'<Amt Ccy="XXQ">0.01</Amt>'
        )
    )
    with pytest.raises(BankFileError, match="bad amount"):
        database.run(lambda c: import_file(c, path, at=AT, parallel=True))
    with pytest.raises(HostileFile):
        database.run(lambda c: import_file(c, _hostile(tmp_path), at=AT, parallel=True))
    count = database.run(lambda c: c.execute(text("SELECT count(*) FROM bank_entries")).scalar())
    assert count == 0


def test_import_through_the_reader_process(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "mixed.xml"
    path.write_bytes(_mixed())
    report = database.run(lambda c: import_file(c, path, at=AT, parallel=True))
    assert (report.entries, report.new_entries, report.ignored) == (451, 451, 2)
    again = tmp_path / "again.xml"
    again.write_bytes(_mixed().replace(b"</GrpHdr>", b"<!-- again --></GrpHdr>"))
    repeated = database.run(lambda c: import_file(c, again, at=AT, parallel=True))
    assert (repeated.entries, repeated.new_entries, repeated.duplicates) == (451, 0, 451)


def test_bulk_matching_follows_the_oldest_plan_of_a_replanned_order(
    database: Database, shop: str
) -> None:
    def work(connection: Connection) -> tuple[list[str], list[str]]:
        invoice = make_invoice(connection, shop, make_consumer(connection, "Ana", "Lima"), [500])
        older = "zzzzzzzz-older-plan-listed-last-by-id"[:36]
        capture = "c-older"  # a second capture of the order, with its own plan
        connection.execute(
            insert(captures).values(
                id=capture,
                order_id=invoice.order_id,
                captured_amount=700,
                fee_amount=0,
                order_lines=[],
                shipping_info=[],
                captured_at=AT - timedelta(days=30),
            )
        )
        connection.execute(
            insert(payment_plans).values(
                id=older,
                order_id=invoice.order_id,
                capture_id=capture,
                consumer_id=invoice.consumer_id,
                plan="pay_in_3",
                currency="EUR",
                country="FR",
                principal=700,
                interest=0,
                status="active",
                created_at=AT - timedelta(days=30),
            )
        )
        connection.execute(
            insert(instalments).values(
                id="i-older",
                plan_id=older,
                consumer_id=invoice.consumer_id,
                order_id=invoice.order_id,
                country="FR",
                seq=0,
                due_date=date(2026, 12, 19),
                original_amount=700,
                amount=700,
                interest=0,
                paid_amount=0,
                fee_amount=0,
                currency="EUR",
                status="open",
            )
        )
        ids = [invoice.instalment_ids[0], "i-older"]
        return ids, [reference_for_instalment(connection, i, AT) for i in ids]

    (newer_id, older_id), (newer_ref, older_ref) = database.run(work)

    def rows(*pairs: tuple[str, int]) -> list[entryrow.EntryRow]:
        chunk = []
        for n, (reference, amount) in enumerate(pairs):
            row: list[Any] = [None] * len(entryrow.COLUMNS)
            values = {
                "id": f"e{n}",
                "state": "unmatched",
                "end_to_end_id": "",
                "reference": reference,
                "unstructured": "",
                "currency": "EUR",
                "amount": amount,
            }
            for name, value in values.items():
                row[entryrow.COLUMNS.index(name)] = value
            chunk.append(row)
        return chunk

    def chosen(*pairs: tuple[str, int]) -> list[tuple[str, str]]:
        chunk = rows(*pairs)
        paying = [bulk.valid_reference(reference, "") for reference, _ in pairs]
        exact = database.run(lambda c: bulk.choose_exact(c, chunk, paying), readonly=True)
        return [(row[entryrow.ID], instalment.id) for row, instalment in exact.chosen]

    assert chosen((newer_ref, 500)) == []  # not the order's first unpaid instalment
    assert chosen((older_ref, 700)) == [("e0", older_id)]
    assert chosen((older_ref, 700), (newer_ref, 500)) == [("e0", older_id)]  # one per order
    assert newer_id != older_id
