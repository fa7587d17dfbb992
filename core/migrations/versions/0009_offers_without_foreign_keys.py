"""catalog offers: prices and stock without foreign keys and their second indexes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:30:00

prices and stock are written only by the catalog importer, whose merge joins every row to an
existing item, price type and warehouse; catalog rows are deactivated, never deleted. Their
four foreign keys cost a per-row check (a trigger, a lookup and a row lock) on 800,000 rows of a
100,000-item catalog: inserting the rows took 14.9 s with them and 3.5 s without
(bench/README.md). The indexes on price_type_id and warehouse_id served only those keys' cascades:
every read of prices and stock names the item, which the primary keys lead with.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, referenced table)
_KEYS = (
    ("prices", "product_id", "products"),
    ("prices", "price_type_id", "price_types"),
    ("stock", "product_id", "products"),
    ("stock", "warehouse_id", "warehouses"),
)
_INDEXES = (("prices", "price_type_id"), ("stock", "warehouse_id"))


def upgrade() -> None:
    for table in ("prices", "stock"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index_table, column in _INDEXES:
                if index_table == table:
                    batch_op.drop_index(f"ix_{table}_{column}")
            for key_table, column, target in _KEYS:
                if key_table == table:
                    batch_op.drop_constraint(f"fk_{table}_{column}_{target}", type_="foreignkey")


def downgrade() -> None:
    for table in ("prices", "stock"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for key_table, column, target in _KEYS:
                if key_table == table:
                    batch_op.create_foreign_key(
                        f"fk_{table}_{column}_{target}",
                        target,
                        [column],
                        ["id"],
                        ondelete="CASCADE",
                    )
            for index_table, column in _INDEXES:
                if index_table == table:
                    batch_op.create_index(f"ix_{table}_{column}", [column], unique=False)
