"""The migrations create exactly the tables the models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from paylater.db import Database, metadata

TABLES = {
    "jobs",
    "messages",
    "notices",
    "fees",
    "pauses",
    "problem_reports",
    "instalments",
    "payment_plans",
    "authorizations",
    "orders",
    "payment_methods",
    "autopay_settings",
    "card_charges",
    "collection_cases",
    "web_login_codes",
    "web_sessions",
    "web_addresses",
    "payment_references",
    "bank_files",
    "bank_entries",
    "bank_suggestions",
    "bank_audit",
    "bank_mandates",
    "bank_collections",
    "bank_exports",
    "merchant_settlement_settings",
    "merchant_fee_plans",
    "settlement_transactions",
    "payouts",
    "payout_runs",
    "payout_exports",
    "disputes",
    "dispute_attachments",
    "dispute_events",
    "merchant_users",
    "operators",
    "staff_sessions",
    "audit_log",
}


def _table_of(diff: Any) -> str | None:
    if isinstance(diff, list):  # column-level changes come grouped
        return _table_of(diff[0])
    for item in diff[1:]:
        name = getattr(item, "name", None) if not isinstance(item, str) else None
        table = getattr(item, "table", None)
        if table is not None:
            return str(table.name)
        if name in TABLES:
            return str(name)
    if len(diff) > 2 and isinstance(diff[2], str):
        return diff[2]
    return None


def test_migrated_tables_match_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, metadata)
    ours = [diff for diff in differences if _table_of(diff) in TABLES]
    assert ours == []
