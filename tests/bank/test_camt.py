"""Reading camt.053/054: every field, both versions, XSD-valid inputs; hostile files refused whole
with nothing stored, no file read and no network contact."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, select, text

from paylater.bank.camt import BankFileError, CamtEntry, FileTooLarge, HostileFile, MessageReader
from paylater.bank.models import bank_entries, bank_files
from paylater.bank.statements import import_file
from paylater.db import Database, metadata
from tests.bank.camtfiles import Tx, assert_valid, camt
from tests.bank.conftest import AT

NS054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
VERSIONS = [(m, v) for m in ("camt.053", "camt.054") for v in ("001.02", "001.08")]


def _entries(document: bytes, **kwargs: int) -> list[CamtEntry]:
    items = list(MessageReader(io.BytesIO(document), **kwargs).items())
    assert all(isinstance(item, CamtEntry) for item in items)
    return [item for item in items if isinstance(item, CamtEntry)]


@pytest.mark.parametrize(("message", "version"), VERSIONS)
def test_every_field_is_read(message: str, version: str) -> None:
    document = camt(
        [
            Tx(
                8990,
                reference="RF18539007547034",
                payer="Marie Dupont",
                servicer_ref="SVC-1",
                end_to_end_id="E2E-1",
                unstructured="Facture 42",
            ),
            Tx(0, servicer_ref="SVC-2", batch=[Tx(100, payer="A B"), Tx(250, payer="C D")]),
            Tx(
                500, direction="DBIT", return_reason="AC04", end_to_end_id="PLDD1", servicer_ref="R"
            ),
            Tx(700, status="PDNG", servicer_ref="P", currency="SEK"),
        ],
        message=message,
        version=version,
    )
    assert_valid(document, f"{message}.{version}")
    first, batch1, batch2, returned, pending = _entries(document)
    assert (first.amount, first.currency, first.direction, first.status) == (
        8990,
        "EUR",
        "CRDT",
        "BOOK",
    )
    assert first.booking_date == date(2027, 1, 20)
    assert (first.servicer_ref, first.end_to_end_id) == ("SVC-1", "E2E-1")
    assert (first.reference, first.unstructured, first.payer_name) == (
        "RF18539007547034",
        "Facture 42",
        "Marie Dupont",
    )
    assert first.account == "DE89370400440532013000"
    assert [(batch1.amount, batch1.payer_name), (batch2.amount, batch2.payer_name)] == [
        (100, "A B"),
        (250, "C D"),
    ]
    assert batch1.identity() != batch2.identity()
    assert (returned.direction, returned.return_reason, returned.end_to_end_id) == (
        "DBIT",
        "AC04",
        "PLDD1",
    )
    assert (pending.status, pending.currency, pending.amount) == ("PDNG", "SEK", 700)


def test_memory_stays_flat_entries_are_dropped() -> None:
    document = camt([Tx(100 + i, servicer_ref=f"S{i}") for i in range(3000)])
    reader = MessageReader(io.BytesIO(document))
    count = 0
    for _ in reader.items():
        count += 1
    assert count == 3000


def test_not_a_bank_message() -> None:
    with pytest.raises(BankFileError, match="not a camt"):
        _entries(b'<?xml version="1.0"?><Document xmlns="urn:example"><A><GrpHdr/></A></Document>')
    with pytest.raises(BankFileError, match="no ISO 20022 group header"):
        _entries(b'<?xml version="1.0"?><Document xmlns="urn:example"><A/></Document>')
    with pytest.raises(BankFileError, match="not well-formed"):
        _entries(f'<Document xmlns="{NS054}"><BkToCstmrDbtCdtNtfctn>'.encode())
    bad_amount = camt([Tx(100)]).replace(b">1.00<", b">1.001<")
    with pytest.raises(BankFileError, match="bad amount"):
        _entries(bad_amount)


# --- hostile files --------------------------------------------------------------------------

CANARY = "CANARY-7f3a9c-never-stored"


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A local TCP listener that records any connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    contacted: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            contacted.append(conn.recv(1024) or b"connected")
            conn.sendall(f"HTTP/1.0 200 OK\r\n\r\n<!ENTITY leak '{CANARY}'>".encode())
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], contacted
    stop.set()
    thread.join(2)
    server.close()


def _payload(entity: str, *, doctype: str, padding: int = 0) -> bytes:
    body = camt([Tx(100, unstructured="X", servicer_ref="H1")]).decode()
    body = body.replace("<Ustrd>X</Ustrd>", f"<Ustrd>{entity}</Ustrd>")
    head, rest = body.split("\n", 1)
    pad = f"<!--{' ' * padding}-->\n" if padding else ""
    return f"{head}\n{pad}{doctype}\n{rest}".encode()


def _hostile_files(tmp_path: Path, port: int) -> dict[str, bytes]:
    secret = tmp_path / "secret.txt"
    secret.write_text(CANARY)
    laughs = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    url = f"http://127.0.0.1:{port}/evil.dtd"
    local_file = _payload(
        "&xxe;", doctype=f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    )
    return {
        "utf16_local_file": local_file.decode()
        .replace('encoding="UTF-8"', 'encoding="UTF-16"')
        .encode("utf-16"),
        "billion_laughs": _payload("&lol9;", doctype=f"<!DOCTYPE Document [{laughs}]>"),
        "local_file": _payload(
            "&xxe;", doctype=f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        ),
        "listener": _payload(
            "&xxe;", doctype=f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "{url}">]>'
        ),
        "external_dtd": _payload("&leak;", doctype=f'<!DOCTYPE Document SYSTEM "{url}">'),
        "parameter_entity": _payload(
            "X", doctype=f'<!DOCTYPE Document [<!ENTITY % p SYSTEM "{url}"> %p;]>'
        ),
        "dtd_only": f'<?xml version="1.0"?>\n<!DOCTYPE Document SYSTEM "{url}">'.encode(),
        # Past the first 64 KiB the parser itself must refuse the DOCTYPE.
        "padded_local_file": _payload(
            "&xxe;",
            doctype=f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>',
            padding=70_000,
        ),
        "padded_listener": _payload(
            "&xxe;",
            doctype=f'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "{url}">]>',
            padding=70_000,
        ),
    }


def _everything_stored(connection: Connection) -> str:
    dump = []
    existing = set(inspect(connection).get_table_names())
    for table in metadata.sorted_tables:
        if table.name not in existing:
            continue
        for row in connection.execute(select(table)):
            dump.append(repr(tuple(row)))
    return "\n".join(dump)


def test_hostile_files_are_refused_whole(
    database: Database, tmp_path: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, contacted = listener
    for name, document in _hostile_files(tmp_path, port).items():
        with pytest.raises(BankFileError) as refused:
            database.run(lambda c, d=document: import_file(c, d, at=AT, name="hostile"))
        message = str(refused.value)
        assert CANARY not in message, name
        if name != "dtd_only":
            assert isinstance(refused.value, HostileFile), (name, message)
        assert "DOCTYPE" in message or "well-formed" in message, (name, message)
        # Straight through the reader as well: nothing comes out.
        with pytest.raises(BankFileError):
            list(MessageReader(io.BytesIO(document)).items())
    stored = database.run(_everything_stored, readonly=True)
    assert CANARY not in stored
    counts = database.run(
        lambda c: (
            c.execute(select(bank_entries.c.id)).all(),
            c.execute(select(bank_files.c.id)).all(),
        ),
        readonly=True,
    )
    assert counts == ([], [])
    assert contacted == []


def test_xinclude_is_never_followed(
    database: Database, tmp_path: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, contacted = listener
    secret = tmp_path / "secret.txt"
    secret.write_text(CANARY)
    for href in (f"http://127.0.0.1:{port}/x.xml", f"file://{secret}"):
        include = (
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" parse="text" href="{href}"/>'
        )
        document = camt([Tx(100, unstructured="X", servicer_ref=href)]).replace(
            b"<Ustrd>X</Ustrd>", f"<Ustrd>{include}</Ustrd>".encode()
        )
        database.run(lambda c, d=document: import_file(c, d, at=AT))
    assert CANARY not in database.run(_everything_stored, readonly=True)
    assert contacted == []


def test_oversized_file_is_refused(database: Database) -> None:
    document = camt([Tx(100 + i, servicer_ref=f"S{i}") for i in range(200)])
    with pytest.raises(FileTooLarge):
        database.run(lambda c: import_file(c, document, at=AT, max_bytes=len(document) - 1))
    with pytest.raises(FileTooLarge):
        list(MessageReader(io.BytesIO(document), max_bytes=10_000).items())
    assert (
        database.run(lambda c: c.execute(text("SELECT count(*) FROM bank_entries")).scalar()) == 0
    )


def test_a_bad_entry_late_in_the_file_leaves_nothing(database: Database) -> None:
    good = [Tx(100 + i, servicer_ref=f"S{i}") for i in range(5000)]
    document = camt([*good, Tx(1, servicer_ref="BAD")]).replace(
        b'<Amt Ccy="EUR">0.01</Amt>', b'<Amt Ccy="XXQ">0.01</Amt>'
    )
    with pytest.raises(BankFileError, match="bad amount"):
        database.run(lambda c: import_file(c, document, at=AT))
    assert (
        database.run(lambda c: c.execute(text("SELECT count(*) FROM bank_entries")).scalar()) == 0
    )
