"""ledger: busy accounts' balances in shards (PostgreSQL)

Every capture posts to its merchant's payable account and to fee income. The posting trigger
updated those accounts' balance rows, so on PostgreSQL concurrent captures queued on the same
row from their posting until their commit (its WAL flush included): sampled at 32 connections,
41 % of the active server processes were waiting on that row lock. Postings to accounts other
than a consumer's own now add to a shard of the balance chosen by the server process, and an
account's balance is its row's balance plus its shards'. On SQLite, which has one writer, the
table stays empty and the trigger is unchanged.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paylater.ledger import triggers

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_balance_shards",
        sa.Column("account_key", sa.String(120), nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_key"],
            ["ledger_accounts.key"],
            name="fk_ledger_balance_shards_account_key_ledger_accounts",
        ),
        sa.PrimaryKeyConstraint("account_key", "shard", name="pk_ledger_balance_shards"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(triggers.POSTGRESQL_SHARDED_POSTING)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Fold the shards back into the accounts' own rows first.
        op.execute(
            """
            UPDATE ledger_accounts SET balance = ledger_accounts.balance + folded.total
            FROM (SELECT account_key, sum(balance) AS total FROM ledger_balance_shards
                  GROUP BY account_key) AS folded
            WHERE ledger_accounts.key = folded.account_key
            """
        )
        op.execute(triggers.POSTGRESQL_SINGLE_ROW_POSTING)
    op.drop_table("ledger_balance_shards")
