"""post / reverse / verify, through the service (PRODUCT.md §10)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select, text, update

from paylater.db import Database
from paylater.kit.money import Money
from paylater.ledger.models import journal_entries, ledger_accounts, postings
from paylater.ledger.service import (
    AccountKind,
    LedgerError,
    Posting,
    account,
    balance,
    balances_by_kind,
    insert_missing_accounts,
    post,
    reverse,
    verify,
)

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RECEIVABLE = account(AccountKind.CONSUMER_RECEIVABLE, "SEK", "con_1")
PAYABLE = account(AccountKind.MERCHANT_PAYABLE, "SEK", "mer_1")
FEES = account(AccountKind.FEE_INCOME, "SEK")
BANK_EUR = account(AccountKind.BANK_CLEARING, "EUR")
SUSPENSE_EUR = account(AccountKind.SUSPENSE, "EUR")


def _capture(connection: Connection, amount: int = 10000, fee: int = 290) -> str:
    return post(
        connection,
        kind="capture",
        reference="order-1",
        at=AT,
        entry_postings=[
            Posting(RECEIVABLE, Money(amount, "SEK")),
            Posting(PAYABLE, Money(-(amount - fee), "SEK")),
            Posting(FEES, Money(-fee, "SEK")),
        ],
    )


def _counts(database: Database) -> tuple[int, int]:
    def work(connection: Connection) -> tuple[int, int]:
        entries = connection.execute(text("SELECT COUNT(*) FROM journal_entries")).scalar_one()
        rows = connection.execute(text("SELECT COUNT(*) FROM postings")).scalar_one()
        return int(entries), int(rows)

    return database.run(work, readonly=True)


def test_account_keys() -> None:
    assert RECEIVABLE == "consumer_receivable/con_1/SEK"
    assert FEES == "fee_income//SEK"


def test_post_writes_a_balanced_entry(database: Database) -> None:
    entry_id = database.run(_capture)
    assert database.run(lambda c: balance(c, RECEIVABLE)) == 10000
    assert database.run(lambda c: balance(c, PAYABLE)) == -9710
    assert database.run(lambda c: balance(c, FEES)) == -290
    assert database.run(lambda c: balance(c, "bank_clearing//SEK")) == 0  # no such account
    header = database.run(
        lambda c: c.execute(select(journal_entries).where(journal_entries.c.id == entry_id)).one()
    )
    assert (header.kind, header.reference, header.reverses) == ("capture", "order-1", None)
    assert header.created_at == AT
    rows = database.run(
        lambda c: c.execute(
            select(postings.c.account_key, postings.c.amount)
            .where(postings.c.entry_id == entry_id)
            .order_by(postings.c.id)
        ).all()
    )
    assert [tuple(r) for r in rows] == [(RECEIVABLE, 10000), (PAYABLE, -9710), (FEES, -290)]
    report = database.run(verify)
    assert report.ok
    assert (report.accounts, report.entries, report.postings) == (3, 1, 3)
    assert report.totals == {"SEK": 0}


def test_zero_postings_are_dropped(database: Database) -> None:
    entry_id = database.run(lambda c: _capture(c, fee=0))
    count = database.run(
        lambda c: c.execute(select(postings.c.id).where(postings.c.entry_id == entry_id)).all()
    )
    assert len(count) == 2


def test_accounts_are_created_once_from_their_keys(database: Database) -> None:
    database.run(_capture)
    database.run(_capture)  # the same three accounts, which exist now
    rows = database.run(
        lambda c: c.execute(
            select(
                ledger_accounts.c.key,
                ledger_accounts.c.kind,
                ledger_accounts.c.owner,
                ledger_accounts.c.currency,
                ledger_accounts.c.balance,
            ).order_by(ledger_accounts.c.key)
        ).all()
    )
    assert [tuple(row) for row in rows] == [
        (RECEIVABLE, "consumer_receivable", "con_1", "SEK", 20000),
        (FEES, "fee_income", "", "SEK", -580),
        (PAYABLE, "merchant_payable", "mer_1", "SEK", -19420),
    ]


def test_a_new_account_does_not_wait_for_a_busy_one(database: Database) -> None:
    """PostgreSQL: while another transaction holds the fee income and merchant rows (updating
    their balances), a capture creates its new consumer's account at once."""
    if database.is_sqlite:
        pytest.skip("SQLite has one writer at a time")
    database.run(_capture)
    newcomer = account(AccountKind.CONSUMER_RECEIVABLE, "SEK", "con_2")
    with database.transaction() as holding:
        # A capture's commit updating the fee income and merchant balances: their rows stay
        # locked until this block ends.
        holding.execute(
            update(ledger_accounts)
            .where(ledger_accounts.c.key.in_([FEES, PAYABLE]))
            .values(balance=ledger_accounts.c.balance + 1)
        )
        with database.transaction() as other:
            other.execute(text("SET LOCAL lock_timeout = '2s'"))
            keys = {"b_key_0": newcomer, "b_key_1": FEES, "b_key_2": PAYABLE}
            other.execute(insert_missing_accounts(3), keys)
            created = other.execute(
                select(ledger_accounts.c.key).where(ledger_accounts.c.key == newcomer)
            ).scalar_one()
    assert created == newcomer


def test_balances_are_applied_at_commit_on_postgresql(database: Database) -> None:
    """PostgreSQL adds postings to the stored balances as the transaction commits, so the busy
    fee income and merchant rows are locked only for the commit (migration 0018)."""
    if database.is_sqlite:
        pytest.skip("SQLite applies each posting as it is inserted (one writer at a time)")
    database.run(_capture)
    with database.transaction() as connection:
        _capture(connection)
        assert balance(connection, FEES) == -290  # not yet
    assert database.run(lambda c: balance(c, FEES)) == -580
    assert database.run(verify).ok


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            [Posting(RECEIVABLE, Money(100, "SEK")), Posting(PAYABLE, Money(-99, "SEK"))],
            "does not balance",
        ),
        ([Posting(RECEIVABLE, Money(100, "SEK"))], "at least two"),
        (
            [Posting(RECEIVABLE, Money(100, "SEK")), Posting(PAYABLE, Money(0, "SEK"))],
            "at least two",
        ),
        (
            [Posting(RECEIVABLE, Money(100, "SEK")), Posting(BANK_EUR, Money(-100, "EUR"))],
            "does not balance",
        ),
        (
            [Posting(RECEIVABLE, Money(100, "EUR")), Posting(PAYABLE, Money(-100, "EUR"))],
            "cannot hold EUR",
        ),
    ],
)
def test_post_refuses_a_bad_entry(database: Database, entry: list[Posting], message: str) -> None:
    with pytest.raises(LedgerError, match=message):
        database.run(lambda c: post(c, kind="bad", reference="", at=AT, entry_postings=entry))
    assert _counts(database) == (0, 0)


def test_post_refuses_an_unknown_account_kind(database: Database) -> None:
    entry = [Posting("petty_cash//SEK", Money(5, "SEK")), Posting(FEES, Money(-5, "SEK"))]
    with pytest.raises(ValueError, match="petty_cash"):
        database.run(lambda c: post(c, kind="bad", reference="", at=AT, entry_postings=entry))
    assert _counts(database) == (0, 0)


def test_entries_in_two_currencies_balance_per_currency(database: Database) -> None:
    database.run(
        lambda c: post(
            c,
            kind="fx",
            reference="x",
            at=AT,
            entry_postings=[
                Posting(RECEIVABLE, Money(100, "SEK")),
                Posting(FEES, Money(-100, "SEK")),
                Posting(BANK_EUR, Money(9, "EUR")),
                Posting(SUSPENSE_EUR, Money(-9, "EUR")),
            ],
        )
    )
    report = database.run(verify)
    assert report.ok
    assert report.totals == {"SEK": 0, "EUR": 0}
    assert database.run(balances_by_kind) == {
        ("bank_clearing", "EUR"): 9,
        ("suspense", "EUR"): -9,
        ("consumer_receivable", "SEK"): 100,
        ("fee_income", "SEK"): -100,
    }


def test_reverse_mirrors_an_entry_and_keeps_the_original(database: Database) -> None:
    original = database.run(_capture)
    later = datetime(2026, 12, 2, tzinfo=UTC)
    reversal = database.run(lambda c: reverse(c, original, at=later, memo="wrong amount"))
    assert reversal != original
    for key in (RECEIVABLE, PAYABLE, FEES):
        assert database.run(lambda c, key=key: balance(c, key)) == 0
    header = database.run(
        lambda c: c.execute(select(journal_entries).where(journal_entries.c.id == reversal)).one()
    )
    assert (header.kind, header.reverses, header.reference, header.memo) == (
        "reversal:capture",
        original,
        "order-1",
        "wrong amount",
    )
    amounts = database.run(
        lambda c: c.execute(
            select(postings.c.entry_id, postings.c.amount).order_by(postings.c.id)
        ).all()
    )
    assert [(e == original, a) for e, a in amounts] == [
        (True, 10000),
        (True, -9710),
        (True, -290),
        (False, -10000),
        (False, 9710),
        (False, 290),
    ]
    report = database.run(verify)
    assert report.ok and (report.entries, report.postings) == (2, 6)


def test_reverse_of_an_unknown_entry(database: Database) -> None:
    with pytest.raises(LedgerError, match="no journal entry"):
        database.run(lambda c: reverse(c, "nope", at=AT))


def test_verify_reports_drift_in_a_stored_balance(database: Database) -> None:
    database.run(_capture)
    database.run(
        lambda c: c.execute(
            text("UPDATE ledger_accounts SET balance = balance + 1 WHERE key = :k"), {"k": PAYABLE}
        )
    )
    report = database.run(verify)
    assert not report.ok
    assert report.drift == [(PAYABLE, -9709, -9710)]
    assert report.unbalanced == []
    # The stored cache can be put right again; the postings never changed.
    database.run(
        lambda c: c.execute(
            text("UPDATE ledger_accounts SET balance = balance - 1 WHERE key = :k"), {"k": PAYABLE}
        )
    )
    assert database.run(verify).ok


LEDGER_ACCOUNTS = [
    account(kind, "SEK", owner)
    for kind, owner in [
        (AccountKind.CONSUMER_RECEIVABLE, "con_a"),
        (AccountKind.CONSUMER_RECEIVABLE, "con_b"),
        (AccountKind.MERCHANT_PAYABLE, "mer_a"),
        (AccountKind.FEE_INCOME, ""),
        (AccountKind.BANK_CLEARING, ""),
        (AccountKind.SUSPENSE, ""),
    ]
]


@st.composite
def balanced_entries(draw: st.DrawFn) -> list[Posting]:
    keys = draw(st.lists(st.sampled_from(LEDGER_ACCOUNTS), min_size=1, max_size=5))
    amounts = draw(st.lists(st.integers(-(10**9), 10**9), min_size=len(keys), max_size=len(keys)))
    last = draw(st.sampled_from(LEDGER_ACCOUNTS))
    entry = [Posting(k, Money(a, "SEK")) for k, a in zip(keys, amounts, strict=True)]
    entry.append(Posting(last, Money(-sum(amounts), "SEK")))
    return entry


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=st.lists(balanced_entries(), min_size=1, max_size=6))
def test_stored_balances_always_equal_the_postings(
    database: Database, entries: list[list[Posting]]
) -> None:
    expected = database.run(lambda c: {key: balance(c, key) for key in LEDGER_ACCOUNTS})
    for entry in entries:
        kept = [p for p in entry if p.amount.minor]
        if len(kept) < 2:
            with pytest.raises(LedgerError):
                database.run(
                    lambda c, entry=entry: post(
                        c, kind="prop", reference="", at=AT, entry_postings=entry
                    )
                )
            continue
        database.run(
            lambda c, entry=entry: post(c, kind="prop", reference="", at=AT, entry_postings=entry)
        )
        for posting in entry:
            expected[posting.account] += posting.amount.minor
    assert database.run(lambda c: {key: balance(c, key) for key in LEDGER_ACCOUNTS}) == expected
    report = database.run(verify)
    assert report.ok, report
    assert sum(expected.values()) == 0
