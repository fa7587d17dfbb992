"""sandbox: marks on orders, claims, outbox events and people; the sandbox chats and files

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-03 15:50:00

What /admin/sandbox creates is marked (core.sandbox) so that 1C, the CRM, broadcasts, real
chats and the metrics skip it and a reset removes exactly it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGGED = ("orders", "claims", "outbox")


def upgrade() -> None:
    for table in FLAGGED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("is_sandbox", sa.Boolean(), nullable=False, server_default=sa.false())
            )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("sandbox_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_users_sandbox_of_id_users", "users", ["sandbox_of_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index("ix_users_sandbox_of_id", ["sandbox_of_id"])
    op.create_table(
        "sandbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("from_bot", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("markup", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")),
        sa.Column("file_id", sa.String(length=100)),
        sa.Column("file_name", sa.String(length=255)),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_messages")),
    )
    op.create_index("ix_sandbox_messages_chat", "sandbox_messages", ["chat_id", "message_id"])
    op.create_table(
        "sandbox_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_files")),
        sa.UniqueConstraint("file_id", name=op.f("uq_sandbox_files_file_id")),
    )


def downgrade() -> None:
    op.drop_table("sandbox_files")
    op.drop_index("ix_sandbox_messages_chat", table_name="sandbox_messages")
    op.drop_table("sandbox_messages")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_sandbox_of_id")
        batch.drop_constraint("fk_users_sandbox_of_id_users", type_="foreignkey")
        batch.drop_column("sandbox_of_id")
    for table in FLAGGED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("is_sandbox")
