"""products: an index on updated_at, for the search vocabulary's change check

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 16:20:00

The search corrects queries against the catalog's own words and brands, kept in memory and
rebuilt when the catalog changed; the check reads max(id) and max(updated_at) of products,
which this index (and the primary key) answer without reading the table.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_products_updated_at", "products", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_products_updated_at", table_name="products")
