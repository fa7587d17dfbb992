"""rollout: NPS answers of pilot dealers, indexes for the rollout dashboard

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 06:00:00

nps_responses holds each person's 0-10 answer per survey round. The indexes let the dashboard
aggregate one window of orders (placed_at), find a dealer's first/earlier bot order
(dealer_id, source, placed_at), and count claims and poll answers by time, without reading
whole tables (bench/dashboard_bench.py: 1,000,000 orders).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nps_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("dealer_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_id"],
            ["dealers.id"],
            name=op.f("fk_nps_responses_dealer_id_dealers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_nps_responses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nps_responses")),
    )
    with op.batch_alter_table("nps_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nps_responses_dealer_id"), ["dealer_id"], unique=False)
        batch_op.create_index("ix_nps_responses_created_at", ["created_at"], unique=False)
        batch_op.create_index("uq_nps_responses_user_survey", ["user_id", "survey"], unique=True)
    op.create_index("ix_orders_placed_at", "orders", ["placed_at"], unique=False)
    op.create_index(
        "ix_orders_dealer_source_placed",
        "orders",
        ["dealer_id", "source", "placed_at"],
        unique=False,
    )
    op.create_index("ix_claims_created_at", "claims", ["created_at"], unique=False)
    op.create_index(
        "ix_satisfaction_responses_created_at",
        "satisfaction_responses",
        ["created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_satisfaction_responses_created_at", table_name="satisfaction_responses")
    op.drop_index("ix_claims_created_at", table_name="claims")
    op.drop_index("ix_orders_dealer_source_placed", table_name="orders")
    op.drop_index("ix_orders_placed_at", table_name="orders")
    with op.batch_alter_table("nps_responses", schema=None) as batch_op:
        batch_op.drop_index("uq_nps_responses_user_survey")
        batch_op.drop_index("ix_nps_responses_created_at")
        batch_op.drop_index(batch_op.f("ix_nps_responses_dealer_id"))
    op.drop_table("nps_responses")
