"""throttle_hits: failed logins counted per rule and key (admin account+IP, IP, 1C IP)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:30:00

core.throttle counts failed attempts in a sliding window from these rows, so every process
(and every worker behind a load balancer) sees the same counts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "throttle_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle_hits")),
    )
    op.create_index("ix_throttle_hits_rule_key_at", "throttle_hits", ["rule", "key", "at"])


def downgrade() -> None:
    op.drop_index("ix_throttle_hits_rule_key_at", table_name="throttle_hits")
    op.drop_table("throttle_hits")
