"""api_tokens.role and api_tokens.user_id: an API token reads in an admin's or a manager's scope

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 15:00:00

Tokens made before this revision keep the admin scope they had (role "admin").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=20), nullable=False, server_default="admin")
        )
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_api_tokens_user_id_users"), "users", ["user_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("fk_api_tokens_user_id_users"), type_="foreignkey")
        batch.drop_column("user_id")
        batch.drop_column("role")
