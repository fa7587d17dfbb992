"""What the sandbox's chats show: every Bot API call the bot made to a sandbox chat, as
messages (kept in the database, so any admin worker draws the same chat)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class SandboxMessage(Base):
    """One message of a sandbox chat (the bot's or the person's), or a toast of a button."""

    __tablename__ = "sandbox_messages"
    __table_args__ = (Index("ix_sandbox_messages_chat", "chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column()
    from_bot: Mapped[bool] = mapped_column(default=True)
    kind: Mapped[str] = mapped_column(String(20), default="text")  # text|photo|document|toast
    text: Mapped[str] = mapped_column(Text, default="")
    markup: Mapped[dict[str, Any] | None] = mapped_column()
    file_id: Mapped[str | None] = mapped_column(String(100))
    file_name: Mapped[str | None] = mapped_column(String(255))
    deleted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SandboxFile(Base):
    """A file of the sandbox: one the person uploaded or one the bot sent."""

    __tablename__ = "sandbox_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="file")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
