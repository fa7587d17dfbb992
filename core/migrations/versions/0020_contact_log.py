"""dealer_contacts: the manager's contact log; manager_actions.contact_id

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 15:00:00

A manager logs a dealer's call, e-mail or messenger request (core.contacts); each logged
contact is also a manager action ("contact.logged"), counted in operations per manager.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dealer_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dealer_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_id"],
            ["dealers.id"],
            name=op.f("fk_dealer_contacts_dealer_id_dealers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["users.id"],
            name=op.f("fk_dealer_contacts_manager_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["users.id"],
            name=op.f("fk_dealer_contacts_person_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dealer_contacts")),
    )
    op.create_index(
        "ix_dealer_contacts_dealer_occurred", "dealer_contacts", ["dealer_id", "occurred_at"]
    )
    op.create_index(
        op.f("ix_dealer_contacts_occurred_at"), "dealer_contacts", ["occurred_at"], unique=False
    )
    with op.batch_alter_table("manager_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_manager_actions_contact_id_dealer_contacts"),
            "dealer_contacts",
            ["contact_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("manager_actions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_manager_actions_contact_id_dealer_contacts"), type_="foreignkey"
        )
        batch_op.drop_column("contact_id")
    op.drop_index(op.f("ix_dealer_contacts_occurred_at"), table_name="dealer_contacts")
    op.drop_index("ix_dealer_contacts_dealer_occurred", table_name="dealer_contacts")
    op.drop_table("dealer_contacts")
