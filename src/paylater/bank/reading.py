"""Bank files read in batches, by the importing process itself or by a second process.

A large camt file spends about as long being parsed as being written to the database. Read by a
second process (started with ``spawn``, never ``fork``: the importing process holds database
connections and threads), the parsing of the next batches overlaps the writing of the current one.
The batches travel through a pipe of bounded size, so memory stays flat whatever the file size; the
reader process runs exactly the code the importing process would (:func:`batches`), so both give
the same items, the same refusals and the same digest. The reader process can also prepare each
batch for the importer (see ``prepare``), taking that work off the importing process. A file
refused by the reader process raises the same :class:`~paylater.bank.camt.BankFileError` in the
importing process; the reader process is stopped whenever the import ends, refused or not.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import IO, Any, NamedTuple

from paylater.bank.camt import BankFileError, CamtEntry, MessageReader, StatusReport
from paylater.kit.collector import collector_paused

BATCH = 2000
PIPE_BYTES = 1 << 20  # parsed batches waiting for the importing process: three or four
PARALLEL_MIN_BYTES = 8 * 1024 * 1024  # smaller files are read faster than a process starts
_POLL_SECONDS = 1.0

Item = CamtEntry | StatusReport
Prepare = Callable[[list[Item]], list[Any]]  # a batch's items, made ready for the importer


class Batch(NamedTuple):
    """Items in file order; the last batch of a file carries what the reader found out."""

    items: list[Any]  # the items read, or what ``prepare`` made of them
    bytes_read: int
    last: bool = False
    message: str = ""
    version: str = ""
    sha256: str = ""


def batches(
    handle: IO[bytes], max_bytes: int, size: int = BATCH, prepare: Prepare | None = None
) -> Iterator[Batch]:
    """The items of the bank message in ``handle``, ``size`` at a time, passed through
    ``prepare`` if given; the last batch (maybe empty) has ``last`` set, and the message, version
    and SHA-256 of every byte of the file."""
    reader = MessageReader(handle, max_bytes=max_bytes)
    items: list[Any] = []
    for item in reader.items():
        items.append(item)
        if len(items) >= size:
            yield Batch(items if prepare is None else prepare(items), reader.bytes_read)
            items = []
    reader.finish()
    if prepare is not None:
        items = prepare(items)
    yield Batch(items, reader.bytes_read, True, reader.message, reader.version, reader.sha256)


def use_process(source: bytes | Path) -> bool:
    """Whether :class:`ReaderProcess` is worth it for ``source``: a large file on disk, and
    a second core to parse it on."""
    return (
        isinstance(source, Path)
        and (os.cpu_count() or 1) > 1
        and source.stat().st_size >= PARALLEL_MIN_BYTES
    )


def _produce(path: str, max_bytes: int, size: int, prepare: Prepare | None, out: Any) -> None:
    """The reader process: every batch of the file, or the error that refused it, sent down
    the pipe ``out``. Each batch is pickled and written by this one thread: a queue's feeder
    thread would fight the parser for the interpreter lock, which cost more than the pickling."""
    _widen(out)
    try:
        with open(path, "rb") as handle, collector_paused():
            for batch in batches(handle, max_bytes, size, prepare):
                out.send(batch)
    except BankFileError as error:
        out.send(error)
    except Exception as error:  # handed to the importing process, which raises it
        out.send(RuntimeError(f"the bank file reader failed: {error!r}"))
    finally:
        out.close()


def _widen(connection: Any) -> None:
    """Let the pipe hold a few batches (Linux), so that neither process waits for the other at
    every batch; the kernel caps the size, and a refusal leaves the default."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is not None:
        with suppress(OSError):
            fcntl.fcntl(connection.fileno(), set_size, PIPE_BYTES)


class ReaderProcess:
    """:func:`batches` of the file at ``path``, parsed (and prepared: ``prepare`` must pickle, a
    module-level function or a partial of one) by a second process, which starts at once and is
    stopped by :meth:`close` (or leaving the ``with`` block), whether its batches were all read or
    not."""

    def __init__(
        self, path: Path, max_bytes: int, size: int = BATCH, prepare: Prepare | None = None
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._parsed, sending = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_produce,
            args=(str(path), max_bytes, size, prepare, sending),
            name="paylater-bank-reader",
            daemon=True,
        )
        self._process.start()
        sending.close()  # the reader process holds its own end: its exit ends the pipe

    def batches(self) -> Iterator[Batch]:
        while True:
            if not self._parsed.poll(_POLL_SECONDS):
                continue
            try:
                received = self._parsed.recv()
            except EOFError:
                self._process.join(_POLL_SECONDS)
                raise RuntimeError(
                    f"the bank file reader stopped (exit code {self._process.exitcode})"
                ) from None
            if isinstance(received, BaseException):
                raise received
            yield received
            if received.last:
                return

    @property
    def running(self) -> bool:
        return self._process.is_alive()

    def close(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._parsed.close()

    def __enter__(self) -> ReaderProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
