"""Reconciliation benchmark: a camt.054 with N credit entries against N open instalments.

    .venv/bin/python bench/reconcile.py --entries 1000000 [--database URL] [--workdir DIR] [--reuse]

Sets up N one-instalment orders (with their payment references) in a fresh database and writes a
camt.054.001.08 whose every entry pays one instalment by its RF reference. Then, each phase in its
own process so that peak memory is the phase's own:

* parse: the raw lxml ``iterparse`` rate over the file (``Ntry`` end events, cleared), and the rate
  of paylater's reader, which also extracts every field;
* import: ``paylater.bank.statements.import_file`` in one transaction — entries stored, put in
  suspense, matched, applied (instalments paid, ledger postings, "payment received" e-mails
  queued) and committed; as the CLI and the back office run it, the commit leaves copying the
  WAL back into the database file to a passive checkpoint, timed and printed on its own. A file
  this large is parsed by a second process (see
  ``paylater.bank.reading``), whose CPU time and peak memory are printed beside the importing
  process's.

Prints entries/s and peak RSS for each, then checks the ledger. ``--phase reader`` times the
reader process on its own (batches parsed, prepared, sent and dropped; no database).
``--reuse`` keeps a copy of the set-up SQLite database (and the file) in ``--workdir`` and starts
the next run from it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import Connection, func, insert, select

NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
AT = datetime(2027, 1, 21, 9, 0, tzinfo=UTC)
PER_CONSUMER = 100
CHUNK = 20_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_cpu() -> float:
    """CPU seconds of this process's finished child processes (the bank file reader's)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def setup(url: str, entries: int, camt_path: Path) -> None:
    from paylater.bank.models import payment_references
    from paylater.bank.references import rf_reference
    from paylater.billing.models import instalments, payment_plans
    from paylater.consumers.models import consumers
    from paylater.db import Database
    from paylater.kit.money import Money
    from paylater.ledger.service import AccountKind, Posting, account, post
    from paylater.merchants import service as merchants
    from paylater.orders.models import captures, orders
    from paylater.schema import import_models, migrate

    import_models()
    database = Database(url)
    migrate(database)
    due = date(2027, 1, 19)

    def people(connection: Connection) -> str:
        merchant = merchants.create_merchant(connection, name="Bench", country="FR", at=AT).id
        count = (entries + PER_CONSUMER - 1) // PER_CONSUMER
        connection.execute(
            insert(consumers),
            [
                {
                    "id": f"con_{n:08d}",
                    "email": f"c{n}@example.com",
                    "given_name": f"Given{n}",
                    "family_name": f"Family{n}",
                    "country": "FR",
                    "locale": "fr-FR",
                    "phone": "",
                    "created_at": AT,
                }
                for n in range(count)
            ],
        )
        for n in range(count):
            amount = sum(
                1000 + i % 5000
                for i in range(n * PER_CONSUMER, min(entries, (n + 1) * PER_CONSUMER))
            )
            post(
                connection,
                kind="capture",
                reference=f"bench-{n}",
                at=AT,
                entry_postings=[
                    Posting(
                        account(AccountKind.CONSUMER_RECEIVABLE, "EUR", f"con_{n:08d}"),
                        Money(amount, "EUR"),
                    ),
                    Posting(
                        account(AccountKind.MERCHANT_PAYABLE, "EUR", merchant),
                        Money(-amount, "EUR"),
                    ),
                ],
            )
        return merchant

    merchant = database.run(people)
    with camt_path.open("w", encoding="utf-8") as out:
        out.write(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}">'
            "<BkToCstmrDbtCdtNtfctn>"
            "<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2027-01-21T06:00:00</CreDtTm></GrpHdr>"
            "<Ntfctn><Id>BENCH-N</Id><CreDtTm>2027-01-21T06:00:00</CreDtTm>"
            "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>\n"
        )
        for start in range(0, entries, CHUNK):
            block = range(start, min(entries, start + CHUNK))
            refs = {i: rf_reference(f"B{i:012d}") for i in block}

            def work(
                connection: Connection, block: range = block, refs: dict[int, str] = refs
            ) -> None:
                connection.execute(
                    insert(orders),
                    [
                        {
                            "id": f"o{i:012d}",
                            "merchant_id": merchant,
                            "consumer_id": f"con_{i // PER_CONSUMER:08d}",
                            "status": "CAPTURED",
                            "fraud_status": "ACCEPTED",
                            "plan": "pay_later",
                            "purchase_country": "FR",
                            "purchase_currency": "EUR",
                            "locale": "fr-FR",
                            "order_amount": 1000 + i % 5000,
                            "original_order_amount": 1000 + i % 5000,
                            "captured_amount": 1000 + i % 5000,
                            "refunded_amount": 0,
                            "details": {},
                            "fees_agreed": True,
                            "created_at": AT,
                            "expires_at": AT + timedelta(days=28),
                        }
                        for i in block
                    ],
                )
                connection.execute(
                    insert(captures),
                    [
                        {
                            "id": f"c{i:012d}",
                            "order_id": f"o{i:012d}",
                            "captured_amount": 1000 + i % 5000,
                            "fee_amount": 0,
                            "order_lines": [],
                            "shipping_info": [],
                            "captured_at": AT,
                        }
                        for i in block
                    ],
                )
                connection.execute(
                    insert(payment_plans),
                    [
                        {
                            "id": f"p{i:012d}",
                            "order_id": f"o{i:012d}",
                            "capture_id": f"c{i:012d}",
                            "consumer_id": f"con_{i // PER_CONSUMER:08d}",
                            "plan": "pay_later",
                            "currency": "EUR",
                            "country": "FR",
                            "principal": 1000 + i % 5000,
                            "interest": 0,
                            "status": "active",
                            "created_at": AT,
                        }
                        for i in block
                    ],
                )
                connection.execute(
                    insert(instalments),
                    [
                        {
                            "id": f"i{i:012d}",
                            "plan_id": f"p{i:012d}",
                            "consumer_id": f"con_{i // PER_CONSUMER:08d}",
                            "order_id": f"o{i:012d}",
                            "country": "FR",
                            "seq": 0,
                            "due_date": due,
                            "original_amount": 1000 + i % 5000,
                            "amount": 1000 + i % 5000,
                            "interest": 0,
                            "paid_amount": 0,
                            "fee_amount": 0,
                            "processing_until": None,
                            "currency": "EUR",
                            "status": "open",
                            "paid_at": None,
                        }
                        for i in block
                    ],
                )
                connection.execute(
                    insert(payment_references),
                    [
                        {
                            "reference": refs[i],
                            "instalment_id": f"i{i:012d}",
                            "order_id": f"o{i:012d}",
                            "consumer_id": f"con_{i // PER_CONSUMER:08d}",
                            "scheme": "rf",
                            "created_at": AT,
                        }
                        for i in block
                    ],
                )

            database.run(work)
            for i in block:
                amount = 1000 + i % 5000
                n = i // PER_CONSUMER
                out.write(
                    f'<Ntry><Amt Ccy="EUR">{amount // 100}.{amount % 100:02d}</Amt>'
                    "<CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
                    "<BookgDt><Dt>2027-01-20</Dt></BookgDt><ValDt><Dt>2027-01-20</Dt></ValDt>"
                    f"<AcctSvcrRef>B{i:012d}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly>"
                    "<Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
                    "<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
                    f'<Amt Ccy="EUR">{amount // 100}.{amount % 100:02d}</Amt>'
                    f"<RltdPties><Dbtr><Pty><Nm>Given{n} Family{n}</Nm></Pty></Dbtr></RltdPties>"
                    f"<RmtInf><Strd><CdtrRefInf><Ref>{refs[i]}</Ref></CdtrRefInf></Strd></RmtInf>"
                    "</TxDtls></NtryDtls></Ntry>\n"
                )
        out.write("</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n")
    database.dispose()


def parse(camt_path: Path) -> dict[str, Any]:
    from paylater.bank.camt import MessageReader

    started = time.process_time()
    count = 0
    for _event, element in etree.iterparse(
        str(camt_path),
        events=("end",),
        tag=f"{{{NS}}}Ntry",
        resolve_entities=False,
        no_network=True,
    ):
        count += 1
        element.clear(keep_tail=False)
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]
    raw = time.process_time() - started
    started = time.process_time()
    with camt_path.open("rb") as handle:
        extracted = sum(1 for _ in MessageReader(handle, max_bytes=1 << 40).items())
    reader = time.process_time() - started
    assert extracted == count
    return {
        "entries": count,
        "raw_lxml_per_s": round(count / raw),
        "reader_per_s": round(count / reader),
        "peak_rss_mb": round(_peak_mb()),
    }


def read_only(camt_path: Path) -> dict[str, Any]:
    """The reader process on its own: every batch parsed, prepared and sent, then dropped."""
    from functools import partial

    from paylater.bank.reading import ReaderProcess
    from paylater.bank.statements import prepare

    started, cpu, reader_cpu = time.perf_counter(), time.process_time(), _children_cpu()
    count = 0
    ready = partial(prepare, file_id="bench", at=AT)
    with ReaderProcess(camt_path, 1 << 40, prepare=ready) as process:
        for batch in process.batches():
            count += len(batch.items)
    return {
        "entries": count,
        "seconds": round(time.perf_counter() - started, 1),
        "reader_process_cpu_seconds": round(_children_cpu() - reader_cpu, 1),
        "receiving_cpu_seconds": round(time.process_time() - cpu, 1),
    }


def run_import(url: str, camt_path: Path) -> dict[str, Any]:
    from paylater.bank.models import bank_entries
    from paylater.bank.statements import import_file
    from paylater.db import Database
    from paylater.ledger.service import verify
    from paylater.schema import import_models, migrate

    import_models()
    database = Database(url)
    migrate(database)  # a saved setup (--reuse) may predate the latest migrations
    baseline = _peak_mb()
    started, cpu, reader_cpu = time.perf_counter(), time.process_time(), _children_cpu()
    report = database.run(
        lambda c: import_file(c, camt_path, at=AT, name=camt_path.name, max_bytes=1 << 40),
        checkpoint_later=True,  # as the CLI and the upload pages run it
    )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    reader_cpu = _children_cpu() - reader_cpu
    # What the commit left for later: the WAL copied back into the database file (the API
    # server does this in the background; the CLI when it closes the database).
    copying = time.perf_counter()
    database.checkpoint()
    copy_back = time.perf_counter() - copying
    peak = _peak_mb()
    applied = database.run(
        lambda c: c.execute(
            select(func.count()).where(bank_entries.c.state == "applied")
        ).scalar_one(),
        readonly=True,
    )
    ok = database.run(verify, readonly=True).ok
    database.dispose()
    return {
        "entries": report.entries,
        "applied": int(applied),
        "seconds": round(elapsed, 1),
        "copy_back_seconds": round(copy_back, 1),
        "cpu_seconds": round(cpu, 1),
        "entries_per_s": round(report.entries / elapsed),
        "entries_per_cpu_s": round(report.entries / cpu),
        "reader_process_cpu_seconds": round(reader_cpu, 1),
        # the largest finished child's peak: the reader process's, if there was one
        "reader_process_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        ),
        "peak_rss_mb": round(peak),
        "rss_before_mb": round(baseline),
        "ledger_ok": ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--database", default="")
    parser.add_argument("--workdir", default="")
    parser.add_argument(
        "--phase", default="all", choices=["all", "setup", "parse", "reader", "import"]
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a copy of the set-up SQLite database in --workdir and start from it next time",
    )
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="reconcile-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = args.database or f"sqlite:///{workdir / 'bench.db'}"
    camt_path = workdir / "camt054.xml"
    if args.phase == "setup":
        setup(url, args.entries, camt_path)
        return
    if args.phase == "parse":
        print(json.dumps(parse(camt_path)))
        return
    if args.phase == "import":
        print(json.dumps(run_import(url, camt_path)))
        return
    if args.phase == "reader":
        print(json.dumps(read_only(camt_path)))
        return
    me = [sys.executable, __file__, "--entries", str(args.entries), "--workdir", str(workdir)]
    me += ["--database", url]
    started = time.perf_counter()
    saved = workdir / f"setup-{args.entries}.db"
    if args.reuse and not args.database and saved.exists() and camt_path.exists():
        shutil.copyfile(saved, workdir / "bench.db")
        os.sync()  # the copy's writeback is not measured with the import
    else:
        for stale in workdir.glob("bench.db*"):
            stale.unlink()
        subprocess.run([*me, "--phase", "setup"], check=True)
        if args.reuse and not args.database:
            shutil.copyfile(workdir / "bench.db", saved)
    print(
        f"setup: {args.entries} open instalments and the file in "
        f"{time.perf_counter() - started:.0f} s;"
        f" file {camt_path.stat().st_size / 1e6:.0f} MB"
    )
    parsed = json.loads(
        subprocess.run([*me, "--phase", "parse"], check=True, capture_output=True, text=True).stdout
    )
    print(
        f"parse:  raw lxml {parsed['raw_lxml_per_s']:,} entries/s, paylater reader "
        f"{parsed['reader_per_s']:,} entries/s, peak {parsed['peak_rss_mb']} MB"
    )
    imported = json.loads(
        subprocess.run(
            [*me, "--phase", "import"], check=True, capture_output=True, text=True
        ).stdout
    )
    print(
        f"import: {imported['entries']:,} entries ({imported['applied']:,} applied) in "
        f"{imported['seconds']} s = {imported['entries_per_s']:,} entries/s "
        f"(CPU {imported['cpu_seconds']} s = {imported['entries_per_cpu_s']:,} entries per CPU-s, "
        f"reader process CPU {imported['reader_process_cpu_seconds']} s), peak "
        f"{imported['peak_rss_mb']} MB (before {imported['rss_before_mb']} MB; reader process "
        f"{imported['reader_process_peak_rss_mb']} MB), "
        f"ledger verify {'ok' if imported['ledger_ok'] else 'FAILED'}"
    )
    print(
        f"then the WAL copied back into the database file (a passive checkpoint, after the "
        f"commit) in {imported['copy_back_seconds']} s"
    )


if __name__ == "__main__":
    main()
