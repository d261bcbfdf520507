"""ledger on PostgreSQL: account balances updated at commit

A posting used to add its amount to its account's stored balance as it was inserted, which locks
the account's row until the transaction ends. Every capture posts to the lender's fee income
account and to the merchant's payable account, so with many merchant requests at once those two
rows were held from the capture's postings through its last statements, the round trips between
them and the commit, and the other captures queued behind them. The balance is now added by a
deferred constraint trigger, which runs inside the commit itself: the rows are locked only for
the commit. The checks on each posting (entry not sealed yet, the account's currency) still run
as it is inserted. Nothing reads a stored balance in the transaction that posts to it; `ledger
verify` compares the stored balances, as committed, with the postings.

SQLite has one writer at a time and keeps its triggers as they are.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_CHECK_ONLY = """
CREATE OR REPLACE FUNCTION ledger_check_posting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM journal_entries WHERE id = NEW.entry_id) THEN
        RAISE EXCEPTION 'ledger: entry already sealed';
    END IF;
    IF NEW.currency <> (SELECT currency FROM ledger_accounts WHERE key = NEW.account_key) THEN
        RAISE EXCEPTION 'ledger: posting currency differs from its account';
    END IF;
    RETURN NEW;
END $$
"""

_CHECK_AND_APPLY = """
CREATE OR REPLACE FUNCTION ledger_check_posting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM journal_entries WHERE id = NEW.entry_id) THEN
        RAISE EXCEPTION 'ledger: entry already sealed';
    END IF;
    IF NEW.currency <> (SELECT currency FROM ledger_accounts WHERE key = NEW.account_key) THEN
        RAISE EXCEPTION 'ledger: posting currency differs from its account';
    END IF;
    UPDATE ledger_accounts SET balance = balance + NEW.amount WHERE key = NEW.account_key;
    RETURN NEW;
END $$
"""

_APPLY = """
CREATE FUNCTION ledger_apply_posting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_accounts SET balance = balance + NEW.amount WHERE key = NEW.account_key;
    RETURN NULL;
END $$
"""

_APPLY_AT_COMMIT = """
CREATE CONSTRAINT TRIGGER postings_update_balance AFTER INSERT ON postings
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION ledger_apply_posting()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_CHECK_ONLY)
    op.execute(_APPLY)
    op.execute(_APPLY_AT_COMMIT)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS postings_update_balance ON postings")
    op.execute("DROP FUNCTION IF EXISTS ledger_apply_posting()")
    op.execute(_CHECK_AND_APPLY)
