"""search indexes: trigram GIN on PostgreSQL, FTS5 trigram on SQLite

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 03:00:00

Name and article-substring search must answer in milliseconds at 100,000 items; a plain
LIKE '%...%' scans the table. PostgreSQL gets pg_trgm GIN indexes; SQLite gets an FTS5 table with
the trigram tokenizer kept in step with `products.search_text` by triggers.

SQLite note: a later batch migration that rebuilds `products` drops these triggers; such a
migration must call `create_sqlite_fts()` again.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE products_fts USING fts5("
    "search_text, content='products', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN "
    "INSERT INTO products_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER products_fts_au AFTER UPDATE OF search_text ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO products_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO products_fts(products_fts) VALUES ('rebuild')",
    "CREATE INDEX ix_products_article_prefix ON products (article_norm COLLATE NOCASE)",
]
SQLITE_DROP = [
    "DROP INDEX IF EXISTS ix_products_article_prefix",
    "DROP TRIGGER IF EXISTS products_fts_au",
    "DROP TRIGGER IF EXISTS products_fts_ad",
    "DROP TRIGGER IF EXISTS products_fts_ai",
    "DROP TABLE IF EXISTS products_fts",
]
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_products_search_trgm ON products USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX ix_products_article_prefix ON products (article_norm text_pattern_ops)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS ix_products_article_prefix",
    "DROP INDEX IF EXISTS ix_products_search_trgm",
]


def create_sqlite_fts() -> None:
    """Create the SQLite FTS table, its triggers and the article prefix index."""
    for statement in SQLITE_FTS:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        create_sqlite_fts()
    else:
        for statement in POSTGRES:
            op.execute(statement)


def downgrade() -> None:
    statements = SQLITE_DROP if op.get_bind().dialect.name == "sqlite" else POSTGRES_DROP
    for statement in statements:
        op.execute(statement)
