"""roles inside a dealer: buyer / approver / dealer admin, approval thresholds, people limit

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 16:00:00

`users.dealer_role` (buyer by default) says what a dealer's person may do inside the dealer;
`dealers.approval_threshold` (and `legal_entities.approval_threshold`, which overrides it) is the
order total above which a buyer's order waits for an approver; `dealers.max_people` caps how many
people the dealer's admin may have bound through their own invitations; `invitations.dealer_role`
is the role such an invitation gives.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dealer_role", sa.String(length=20), server_default="buyer", nullable=False)
        )
    with op.batch_alter_table("dealers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approval_threshold", sa.Numeric(precision=14, scale=2), nullable=True)
        )
        batch_op.add_column(
            sa.Column("max_people", sa.Integer(), server_default="5", nullable=False)
        )
    with op.batch_alter_table("legal_entities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approval_threshold", sa.Numeric(precision=14, scale=2), nullable=True)
        )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dealer_role", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("dealer_role")
    with op.batch_alter_table("legal_entities", schema=None) as batch_op:
        batch_op.drop_column("approval_threshold")
    with op.batch_alter_table("dealers", schema=None) as batch_op:
        batch_op.drop_column("max_people")
        batch_op.drop_column("approval_threshold")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("dealer_role")
