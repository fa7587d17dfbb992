"""saved order lists of a dealer; who edited an order before confirmation

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:00:00

`saved_lists` are named lists of a dealer (shared by its people), unique by the folded name;
`saved_list_lines` keep each item with the price it had when saved (the diff shows then/now).
`orders.edited_at` / `orders.edited_by_id` record a dealer's change of quantities before a
manager confirmed the order (the manager's card shows it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dealer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_id"],
            ["dealers.id"],
            name=op.f("fk_saved_lists_dealer_id_dealers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_saved_lists_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_saved_lists_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_lists")),
        sa.UniqueConstraint(
            "dealer_id", "name_key", name=op.f("uq_saved_lists_dealer_id_name_key")
        ),
    )
    op.create_index(op.f("ix_saved_lists_dealer_id"), "saved_lists", ["dealer_id"], unique=False)
    op.create_table(
        "saved_list_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("product_onec_id", sa.String(length=150), nullable=True),
        sa.Column("article", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("unit", sa.String(length=30), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["saved_lists.id"],
            name=op.f("fk_saved_list_lines_list_id_saved_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_saved_list_lines_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_list_lines")),
    )
    op.create_index(
        op.f("ix_saved_list_lines_list_id"), "saved_list_lines", ["list_id"], unique=False
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("edited_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_orders_edited_by_id_users"),
            "users",
            ["edited_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_orders_edited_by_id_users"), type_="foreignkey")
        batch_op.drop_column("edited_by_id")
        batch_op.drop_column("edited_at")
    op.drop_index(op.f("ix_saved_list_lines_list_id"), table_name="saved_list_lines")
    op.drop_table("saved_list_lines")
    op.drop_index(op.f("ix_saved_lists_dealer_id"), table_name="saved_lists")
    op.drop_table("saved_lists")
