"""Database-side ledger rules, as DDL for SQLite and PostgreSQL (applied by the migrations).

These are the rules as the first migration installs them. On PostgreSQL, migration 0018 then
moves the balance update out of ``ledger_check_posting`` into a deferred constraint trigger
(``postings_update_balance``), so balances are added as the transaction commits.
"""

from __future__ import annotations

SQLITE = [
    """
    CREATE TRIGGER postings_checked BEFORE INSERT ON postings
    BEGIN
        SELECT RAISE(ABORT, 'ledger: entry already sealed')
        WHERE EXISTS (SELECT 1 FROM journal_entries WHERE id = NEW.entry_id);
        SELECT RAISE(ABORT, 'ledger: posting currency differs from its account')
        WHERE NEW.currency <> (SELECT currency FROM ledger_accounts WHERE key = NEW.account_key);
    END
    """,
    """
    CREATE TRIGGER postings_update_balance AFTER INSERT ON postings
    BEGIN
        UPDATE ledger_accounts SET balance = balance + NEW.amount WHERE key = NEW.account_key;
    END
    """,
    """
    CREATE TRIGGER journal_entries_balanced BEFORE INSERT ON journal_entries
    BEGIN
        SELECT RAISE(ABORT, 'ledger: an entry needs at least two postings')
        WHERE (SELECT COUNT(*) FROM postings WHERE entry_id = NEW.id) < 2;
        SELECT RAISE(ABORT, 'ledger: entry does not balance')
        WHERE EXISTS (
            SELECT 1 FROM postings WHERE entry_id = NEW.id
            GROUP BY currency HAVING SUM(amount) <> 0
        );
    END
    """,
    """
    CREATE TRIGGER postings_immutable_update BEFORE UPDATE ON postings
    BEGIN SELECT RAISE(ABORT, 'ledger: postings are immutable'); END
    """,
    """
    CREATE TRIGGER postings_immutable_delete BEFORE DELETE ON postings
    BEGIN SELECT RAISE(ABORT, 'ledger: postings are immutable'); END
    """,
    """
    CREATE TRIGGER journal_entries_immutable_update BEFORE UPDATE ON journal_entries
    BEGIN SELECT RAISE(ABORT, 'ledger: journal entries are immutable'); END
    """,
    """
    CREATE TRIGGER journal_entries_immutable_delete BEFORE DELETE ON journal_entries
    BEGIN SELECT RAISE(ABORT, 'ledger: journal entries are immutable'); END
    """,
]

POSTGRESQL = [
    """
    CREATE FUNCTION ledger_check_posting() RETURNS trigger LANGUAGE plpgsql AS $$
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
    """,
    """
    CREATE TRIGGER postings_checked BEFORE INSERT ON postings
    FOR EACH ROW EXECUTE FUNCTION ledger_check_posting()
    """,
    """
    CREATE FUNCTION ledger_check_entry() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT COUNT(*) FROM postings WHERE entry_id = NEW.id) < 2 THEN
            RAISE EXCEPTION 'ledger: an entry needs at least two postings';
        END IF;
        IF EXISTS (
            SELECT 1 FROM postings WHERE entry_id = NEW.id
            GROUP BY currency HAVING SUM(amount) <> 0
        ) THEN
            RAISE EXCEPTION 'ledger: entry does not balance';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER journal_entries_balanced BEFORE INSERT ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry()
    """,
    """
    CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger: % rows are immutable', TG_TABLE_NAME;
    END $$
    """,
    """
    CREATE TRIGGER postings_immutable BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
    """,
    """
    CREATE TRIGGER journal_entries_immutable BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS " + name
    for name in (
        "postings_checked",
        "postings_update_balance",
        "journal_entries_balanced",
        "postings_immutable_update",
        "postings_immutable_delete",
        "journal_entries_immutable_update",
        "journal_entries_immutable_delete",
    )
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS postings_checked ON postings",
    "DROP TRIGGER IF EXISTS journal_entries_balanced ON journal_entries",
    "DROP TRIGGER IF EXISTS postings_immutable ON postings",
    "DROP TRIGGER IF EXISTS journal_entries_immutable ON journal_entries",
    "DROP FUNCTION IF EXISTS ledger_check_posting()",
    "DROP FUNCTION IF EXISTS ledger_check_entry()",
    "DROP FUNCTION IF EXISTS ledger_refuse_change()",
]


def install(dialect: str) -> list[str]:
    return POSTGRESQL if dialect == "postgresql" else SQLITE


def uninstall(dialect: str) -> list[str]:
    return POSTGRESQL_DROP if dialect == "postgresql" else SQLITE_DROP
