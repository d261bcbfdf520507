"""A property of reconciliation: for any invoices and any bank file made from them (partial, over,
duplicate, typo'd and missing references), applied + suspense = credited, no instalment is paid
beyond its amount, a re-import changes nothing, and the ledger verifies."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, func, select, text

from paylater.bank.models import bank_entries
from paylater.bank.references import reference_for_instalment
from paylater.bank.statements import import_file
from paylater.billing.models import instalments
from paylater.db import Database, metadata
from paylater.ledger.service import AccountKind, account, balance, verify
from tests.bank.camtfiles import Tx, camt
from tests.bank.conftest import AT, make_consumer, make_invoice, make_merchant
from tests.conftest import PG_URL

SUSPENSE = account(AccountKind.SUSPENSE, "EUR")


@dataclass
class Payment:
    invoice: int  # index of the invoice paid
    instalment: int
    how: str  # exact | partial | over | typo | missing | stranger | duplicate
    delta: int


payments = st.builds(
    Payment,
    invoice=st.integers(0, 9),
    instalment=st.integers(0, 2),
    how=st.sampled_from(["exact", "partial", "over", "typo", "missing", "stranger", "duplicate"]),
    delta=st.integers(1, 5000),
)
invoices = st.lists(
    st.lists(st.integers(100, 50_000), min_size=1, max_size=3), min_size=1, max_size=6
)


def _typo(reference: str, delta: int) -> str:
    position = 4 + delta % (len(reference) - 4)
    digit = "9" if reference[position] != "9" else "1"
    return reference[:position] + digit + reference[position + 1 :]


class _Fresh:
    """A freshly migrated database per example (a copy of the session's SQLite template, or the
    PostgreSQL test database emptied)."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.folder = Path(tempfile.mkdtemp())

    def __enter__(self) -> Database:
        if PG_URL:
            self.database = Database(self.template, pool_size=2)
            tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            with self.database.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            path = self.folder / "p.db"
            shutil.copyfile(self.template, path)
            self.database = Database(f"sqlite:///{path}")
        return self.database

    def __exit__(self, *_: object) -> None:
        self.database.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plans=invoices,
    paid=st.lists(payments, max_size=25),
    version=st.sampled_from(["001.02", "001.08"]),
)
def test_reconciliation_invariants(
    database_template: str, plans: list[list[int]], paid: list[Payment], version: str
) -> None:
    with _Fresh(database_template) as database:

        def setup(connection: Connection) -> list[tuple[list[str], list[int], list[str]]]:
            shop = make_merchant(connection)
            made = []
            for index, amounts in enumerate(plans):
                who = make_consumer(connection, f"Given{index}", f"Family{index}")
                invoice = make_invoice(connection, shop, who, amounts)
                refs = [reference_for_instalment(connection, i, AT) for i in invoice.instalment_ids]
                made.append((invoice.instalment_ids, amounts, refs))
            return made

        made = database.run(setup)
        txs: list[Tx] = []
        for number, payment in enumerate(paid):
            ids, amounts, refs = made[payment.invoice % len(made)]
            slot = payment.instalment % len(ids)
            amount, reference = amounts[slot], refs[slot]
            tx = Tx(
                amount,
                reference=reference,
                servicer_ref=f"S{number}",
                payer=f"Given{payment.invoice % len(made)} Family{payment.invoice % len(made)}",
            )
            if payment.how == "partial":
                tx.amount = max(1, amount - payment.delta)
            elif payment.how == "over":
                tx.amount = amount + payment.delta
            elif payment.how == "typo":
                tx.reference = _typo(reference, payment.delta)
            elif payment.how == "missing":
                tx.reference = ""
            elif payment.how == "stranger":
                tx.reference, tx.payer, tx.amount = "", "Someone Else", payment.delta
            elif payment.how == "duplicate" and txs:
                tx = txs[payment.delta % len(txs)]  # the same booking twice in the file
            txs.append(tx)
        document = camt(txs, version=version)
        credited = sum(tx.amount for tx in {tx.servicer_ref: tx for tx in txs}.values())

        first = database.run(lambda c: import_file(c, document, at=AT))
        assert first.new_entries == len({tx.servicer_ref for tx in txs})
        assert first.duplicates == len(txs) - first.new_entries

        def state(connection: Connection) -> tuple[int, int, int, list[tuple[int, int]], bool]:
            applied = connection.execute(
                select(func.coalesce(func.sum(bank_entries.c.amount), 0)).where(
                    bank_entries.c.state == "applied"
                )
            ).scalar_one()
            total = connection.execute(
                select(func.coalesce(func.sum(bank_entries.c.amount), 0))
            ).scalar_one()
            rows = connection.execute(select(instalments.c.amount, instalments.c.paid_amount)).all()
            return (
                int(applied),
                -balance(connection, SUSPENSE),
                int(total),
                [(int(r.amount), int(r.paid_amount)) for r in rows],
                verify(connection).ok,
            )

        applied, suspense, total, rows, ok = database.run(state, readonly=True)
        assert total == credited
        assert applied + suspense == credited
        assert all(paid <= amount for amount, paid in rows)
        assert ok
        again = database.run(lambda c: import_file(c, document, at=AT))
        assert again.already_imported
        # The same bookings in another file (another message id): all duplicates, nothing moves.
        other = camt(txs, version=version, message_id="MSG-2")
        overlap = database.run(lambda c: import_file(c, other, at=AT))
        assert overlap.new_entries == 0
        assert database.run(state, readonly=True) == (applied, suspense, total, rows, ok)
