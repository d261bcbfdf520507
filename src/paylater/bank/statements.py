"""Importing bank files: camt.053/camt.054 entries are stored, put in suspense and matched;
pain.002 status reports reject direct-debit collections.

Everything a file changes happens in the caller's transaction, so a file that turns out to be bad
halfway leaves nothing behind. A file already imported (same bytes) changes nothing; entries
already known from an overlapping file are counted as duplicates and skipped.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, insert, select, update

from paylater.bank import bulk, directdebit, entryrow, matching, reading
from paylater.bank.camt import DEFAULT_MAX_BYTES, CamtEntry, FileTooLarge, StatusReport
from paylater.bank.entryrow import EntryRow
from paylater.bank.models import bank_entries, bank_files
from paylater.db import insert_ignoring_duplicates
from paylater.fastsql import execute_rows
from paylater.kit.collector import collector_paused
from paylater.kit.ids import new_ordered_uuids, new_uuid

CHUNK = 2000
Progress = Callable[[int], None]


@dataclass(slots=True)
class ImportReport:
    file_id: str
    name: str
    message: str = ""
    version: str = ""
    already_imported: bool = False
    entries: int = 0
    new_entries: int = 0
    duplicates: int = 0
    applied: int = 0
    suggested: int = 0
    unmatched: int = 0
    ignored: int = 0
    returns: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        if self.already_imported:
            return f"{self.name}: already imported, nothing changed"
        return (
            f"{self.name}: {self.message}.{self.version}, {self.entries} entries, "
            f"{self.new_entries} new, {self.duplicates} already known; {self.applied} applied, "
            f"{self.suggested} with suggestions, {self.unmatched} unmatched, "
            f"{self.returns} returns, {self.ignored} not for matching"
        )


@contextmanager
def _open(source: bytes | Path) -> Iterator[IO[bytes]]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    else:
        with source.open("rb") as handle:
            yield handle


def digest(source: bytes | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The SHA-256 of a file, refusing it when larger than ``max_bytes``."""
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(f"the file is larger than the limit of {max_bytes} bytes")
    sha = hashlib.sha256()
    with _open(source) as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


@contextmanager
def _reading(
    source: bytes | Path, max_bytes: int, parallel: bool, ready: reading.Prepare
) -> Iterator[Iterator[reading.Batch]]:
    if parallel and isinstance(source, Path):
        with reading.ReaderProcess(source, max_bytes, CHUNK, ready) as process:
            yield process.batches()
    else:
        with _open(source) as handle:
            yield reading.batches(handle, max_bytes, CHUNK, ready)


def import_file(
    connection: Connection,
    source: bytes | Path,
    *,
    at: datetime,
    name: str = "",
    operator: str = "system",
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    parallel: bool | None = None,
) -> ImportReport:
    """Import one camt.053, camt.054 or pain.002 file; raises :class:`BankFileError` (and
    changes nothing) for a refused file.

    A file on disk is parsed by a second process (see :mod:`paylater.bank.reading`) when
    ``parallel`` is true, or, by default, when it is large enough for that to pay."""
    name = name or (source.name if isinstance(source, Path) else "upload")
    report = ImportReport(file_id=new_uuid(), name=name)
    if parallel is None:
        parallel = reading.use_process(source)
    ready = partial(prepare, file_id=report.file_id, at=at)
    # A reader process starts parsing while the file's digest is computed.
    # Rows by the million and no reference cycles among them: see paylater.kit.collector.
    with _reading(source, max_bytes, parallel, ready) as parsed, collector_paused():
        sha = digest(source, max_bytes)
        known = connection.execute(
            select(bank_files.c.id, bank_files.c.message, bank_files.c.version).where(
                bank_files.c.sha256 == sha
            )
        ).first()
        if known is not None:
            return ImportReport(
                file_id=known.id,
                name=name,
                message=known.message,
                version=known.version,
                already_imported=True,
            )
        read_sha = ""
        chunk: list[Prepared] = []
        for batch in parsed:
            for item in batch.items:
                if isinstance(item, StatusReport):
                    _import_status(connection, item, report, at)
                    continue
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    _import_chunk(connection, chunk, report, at)
                    chunk = []
                    if progress is not None:
                        progress(batch.bytes_read)
            if batch.last:
                if chunk:
                    _import_chunk(connection, chunk, report, at)
                if progress is not None:
                    progress(batch.bytes_read)
                report.message, report.version = batch.message, batch.version
                read_sha = batch.sha256
    if read_sha != sha:
        raise FileTooLarge("the file changed while it was being imported")
    connection.execute(
        insert(bank_files).values(
            id=report.file_id,
            sha256=sha,
            name=name[:255],
            message=report.message,
            version=report.version,
            entries=report.entries,
            new_entries=report.new_entries,
            duplicates=report.duplicates,
            imported_by=operator[:100],
            imported_at=at,
        )
    )
    if operator != "system":
        matching.audit(connection, operator=operator, action="import", at=at, **report.as_dict())
    return report


def _import_status(
    connection: Connection, status: StatusReport, report: ImportReport, at: datetime
) -> None:
    report.entries += 1
    if status.status != "RJCT":
        report.ignored += 1
    elif directdebit.process_return(
        connection, end_to_end_id=status.end_to_end_id, reason=status.reason, at=at
    ):
        report.returns += 1
    else:
        report.duplicates += 1


def _initial_state(entry: CamtEntry) -> str:
    if entry.direction == "CRDT" and entry.status == "BOOK" and not entry.reversal:
        return "unmatched"
    return "ignored"


# An entry read, made ready to be stored: its row (as stored unless matched) and the valid
# reference its payer gave, if it is to be matched (see :func:`bulk.valid_reference`). A plain
# tuple: it crosses from the reader process pickled, twice as fast as a named tuple.
Prepared = tuple[EntryRow, str]


def prepare(items: list[reading.Item], file_id: str, at: datetime) -> list[Prepared | StatusReport]:
    """What needs no database of a batch's import (done by the reader process when there is
    one)."""
    ids = iter(new_ordered_uuids(len(items)))  # time-ordered: a large file appends to the index
    return [
        item if isinstance(item, StatusReport) else _ready(item, next(ids), file_id, at)
        for item in items
    ]


def _ready(item: CamtEntry, entry_id: str, file_id: str, at: datetime) -> Prepared:
    state = _initial_state(item)
    row = [  # in entryrow.COLUMNS order
        entry_id,
        item.identity(),
        file_id,
        item.account[:34],
        item.amount,
        item.currency,
        item.direction,
        item.status,
        item.booking_date,
        item.servicer_ref,
        item.end_to_end_id,
        item.reference,
        item.unstructured,
        item.payer_name,
        item.return_reason,
        state,
        None,  # order_id
        None,  # instalment_id
        0,  # applied_amount
        at,  # created_at
        at,  # updated_at
    ]
    paying = bulk.valid_reference(item.reference, item.unstructured) if state == "unmatched" else ""
    return row, paying


def _import_chunk(
    connection: Connection, chunk: list[Prepared], report: ImportReport, at: datetime
) -> None:
    rows = [row for row, _ in chunk]
    report.entries += len(rows)
    received = [row[entryrow.STATE] == "unmatched" for row in rows]
    # Entries that pay their instalment exactly are stored applied; only those stored (not known
    # from an earlier file) are applied.
    exact = bulk.choose_exact(connection, rows, [paying for _, paying in chunk])
    inserted = execute_rows(
        connection, insert_ignoring_duplicates(connection, bank_entries), entryrow.COLUMNS, rows
    )
    new = list(zip(rows, received, strict=True))
    if inserted != len(rows):
        ids = [row[entryrow.ID] for row in rows]
        stored = set(
            connection.execute(
                select(bank_entries.c.id).where(bank_entries.c.id.in_(ids))
            ).scalars()
        )
        new = [item for item in new if item[0][entryrow.ID] in stored]
        exact = exact.stored(stored)
    report.new_entries += len(new)
    report.duplicates += len(rows) - len(new)
    totals: dict[str, int] = {}
    for row, unmatched in new:
        if unmatched:
            currency = row[entryrow.CURRENCY]
            totals[currency] = totals.get(currency, 0) + row[entryrow.AMOUNT]
    matching.to_suspense(connection, reference=report.file_id, totals=totals, at=at)
    done = bulk.apply_exact(connection, exact, at)
    report.applied += len(done)
    for row, _unmatched in new:
        if row[entryrow.ID] not in done:
            _match(connection, entryrow.as_mapping(row), report, at)


class _Row:
    """Attribute access to an entry row dict, as the matching functions read entries."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _match(connection: Connection, row: dict[str, Any], report: ImportReport, at: datetime) -> None:
    entry_id = row["id"]
    if row["state"] == "ignored":
        if (
            row["direction"] == "DBIT"
            and row["status"] == "BOOK"
            and row["end_to_end_id"]
            and directdebit.process_return(
                connection,
                end_to_end_id=row["end_to_end_id"],
                reason=row["return_reason"],
                at=at,
                entry_id=entry_id,
            )
        ):
            report.returns += 1
            return
        report.ignored += 1
        return
    if row["end_to_end_id"]:
        collection = directdebit.collecting(connection, row["end_to_end_id"])
        if collection is not None and int(collection.amount) == row["amount"]:
            matching.apply_entry(connection, entry_id, collection.instalment_id, at=at)
            directdebit.settled(connection, collection.id, at=at)
            report.applied += 1
            return
    view = _Row(row)
    target = matching.exact_instalment(connection, view)
    if target is not None and target.currency == row["currency"]:
        matching.apply_entry(connection, entry_id, target.id, at=at)
        report.applied += 1
        return
    found = matching.candidates(connection, view)
    if found:
        matching.suggest(connection, entry_id, found)
        connection.execute(
            update(bank_entries).where(bank_entries.c.id == entry_id).values(state="suggested")
        )
        report.suggested += 1
        return
    report.unmatched += 1
