"""crosses (analog groups) and alerts (back in stock, price drops)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 16:00:00

`cross_numbers` holds every known number (normalised article + brand) with its group in
`cross_groups`; groups merge when a new pair joins two of them. `stock_alerts` are a person's
"tell me when it is back" (ended by `notified_at`), `alert_preferences` the price-drop opt-in,
`price_marks` the price each dealer was last measured against, so that a drop is told once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cross_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cross_groups")),
    )
    op.create_table(
        "cross_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("number_norm", sa.String(length=100), nullable=False),
        sa.Column("brand_norm", sa.String(length=100), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["cross_groups.id"],
            name=op.f("fk_cross_numbers_group_id_cross_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cross_numbers")),
        sa.UniqueConstraint(
            "number_norm", "brand_norm", name=op.f("uq_cross_numbers_number_norm_brand_norm")
        ),
    )
    op.create_index("ix_cross_numbers_group_id", "cross_numbers", ["group_id"])
    op.create_table(
        "stock_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("notified_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_stock_alerts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_stock_alerts_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_alerts")),
        sa.UniqueConstraint(
            "user_id", "product_id", name=op.f("uq_stock_alerts_user_id_product_id")
        ),
    )
    op.create_index(op.f("ix_stock_alerts_product_id"), "stock_alerts", ["product_id"])
    op.create_table(
        "alert_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("price_drops", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_alert_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_alert_preferences")),
    )
    op.create_table(
        "price_marks",
        sa.Column("dealer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_id"],
            ["dealers.id"],
            name=op.f("fk_price_marks_dealer_id_dealers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_price_marks_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dealer_id", "product_id", name=op.f("pk_price_marks")),
    )


def downgrade() -> None:
    op.drop_table("price_marks")
    op.drop_table("alert_preferences")
    op.drop_index(op.f("ix_stock_alerts_product_id"), table_name="stock_alerts")
    op.drop_table("stock_alerts")
    op.drop_index("ix_cross_numbers_group_id", table_name="cross_numbers")
    op.drop_table("cross_numbers")
    op.drop_table("cross_groups")
