"""access: a dealer paused with a reason, a person revoked, managers' groups

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:00:00

`dealers.paused_at` / `pause_reason`: when and why the distributor paused the dealer (status
`paused`); the dealer's people are told the reason. `users.revoked_at` / `revoke_reason`: the
person was cut off by an admin; no invitation brings them back until an admin restores them.
`users.manager_group`: managers with the same group share each other's dealers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dealers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pause_reason", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("revoke_reason", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("manager_group", sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("manager_group")
        batch_op.drop_column("revoke_reason")
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("dealers", schema=None) as batch_op:
        batch_op.drop_column("pause_reason")
        batch_op.drop_column("paused_at")
