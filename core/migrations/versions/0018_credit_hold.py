"""credit hold of an order: orders.credit_hold (pending | held | approved | rejected)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 15:40:00

An order over the free limit (or with overdue debt) of a dealer whose credit policy is "hold"
waits for the distributor's manager; the column says where that decision stands.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credit_hold", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("credit_hold")
