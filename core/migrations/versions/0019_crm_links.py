"""crm_links, crm_errors, crm_pause: CRM ids of our objects, failed calls, the sync's pause

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 15:40:00

The CRM worker (integrations/crm) remembers the CRM id of each dealer, order, claim, contact
and person it pushed, so a retry or a restart never creates a second company or deal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crm_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("local_id", sa.Integer(), nullable=False),
        sa.Column("crm_id", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_links")),
        sa.UniqueConstraint("entity", "local_id", name="uq_crm_links_entity_local"),
    )
    op.create_table(
        "crm_errors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("local_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_errors")),
    )
    op.create_index("ix_crm_errors_at", "crm_errors", ["at"])
    op.create_table(
        "crm_pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_pause")),
    )


def downgrade() -> None:
    op.drop_table("crm_pause")
    op.drop_index("ix_crm_errors_at", table_name="crm_errors")
    op.drop_table("crm_errors")
    op.drop_table("crm_links")
