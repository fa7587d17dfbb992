"""broadcasts: a photo uploaded from the admin instead of a URL or file_id

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 10:50:00

`broadcasts.photo_file_name` names an uploaded photo; its bytes are in `broadcast_photos`, apart
from the broadcasts table so that lists and the sender's per-message reads of a broadcast do not
carry them. The sender uploads the bytes with the first message and keeps the file_id Telegram
returns (`telegram_file_id`) for that `version` of the photo (a new photo on the draft is a new
version); every later message, test sends included, reuses it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_file_name", sa.String(length=200), nullable=True))
    op.create_table(
        "broadcast_photos",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("telegram_file_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_photos_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", name=op.f("pk_broadcast_photos")),
    )


def downgrade() -> None:
    op.drop_table("broadcast_photos")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_column("photo_file_name")
