"""The manager's contact log: a dealer's call, e-mail or messenger request, logged by hand."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class ContactChannel(StrEnum):
    """How the dealer reached the manager (outside the bot's own flows)."""

    CALL = "call"
    EMAIL = "email"
    MESSENGER = "messenger"
    FORWARDED = "forwarded"
    VISIT = "visit"
    OTHER = "other"


class ContactTopic(StrEnum):
    """What the dealer asked about."""

    PRICES = "prices"
    STOCK = "stock"
    ORDER = "order"
    CLAIM = "claim"
    FINANCE = "finance"
    OTHER = "other"


class DealerContact(Base):
    """One logged contact: which dealer, who logged it, how, about what, how long, a note."""

    __tablename__ = "dealer_contacts"
    __table_args__ = (Index("ix_dealer_contacts_dealer_occurred", "dealer_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # the dealer's person whose forwarded message was logged, when known
    person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(20))
    duration_minutes: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10), default="bot")  # bot | admin
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
