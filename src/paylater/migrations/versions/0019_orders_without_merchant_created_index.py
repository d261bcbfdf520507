"""orders: no index on (merchant_id, created_at) alone

``ix_orders_merchant_created_id`` (merchant, creation time, id) serves every query the shorter
index served, yet every order created wrote both: one more page in each commit of the checkout.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_orders_merchant_created", table_name="orders")


def downgrade() -> None:
    op.create_index("ix_orders_merchant_created", "orders", ["merchant_id", "created_at"])
