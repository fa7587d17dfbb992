"""Broadcasts: one message an admin sends to many dealers' people at once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class BroadcastState(StrEnum):
    """draft -> scheduled -> sending -> done; cancelled from any state before done."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Broadcast(Base):
    """A message (Telegram HTML text, optional photo and link button) to an audience.

    Each recipient gets one `deliveries` row (kind "broadcast", `broadcast_id` set, dedupe key
    `bc:<broadcast>:<user>`), created when the broadcast starts; progress and the report are
    queries over those rows. `queued_at` is set once every row exists, so a start interrupted by
    a restart is finished (idempotently) by the next drain.
    """

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_state_scheduled", "state", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(500))  # file_id or URL
    # The name of an uploaded photo (its bytes are in broadcast_photos), or None.
    photo_file_name: Mapped[str | None] = mapped_column(String(200))
    button_text: Mapped[str | None] = mapped_column(String(64))
    button_url: Mapped[str | None] = mapped_column(String(500))
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(20), default=BroadcastState.DRAFT)
    scheduled_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    queued_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    recipients: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    blocked: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BroadcastPhoto(Base):
    """A photo uploaded for a broadcast: its bytes (the admin's preview shows them) and the
    file_id Telegram gave the first upload of this `version`, which later messages reuse."""

    __tablename__ = "broadcast_photos"

    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int]
    height: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)  # a new photo on the draft: the next one
    telegram_file_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
