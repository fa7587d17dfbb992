"""Claims (рекламации) against delivered orders, their lines, photos and history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, Quantity, utcnow


class ClaimStatus(StrEnum):
    """Life cycle of a claim."""

    NEW = "new"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RESOLVED = "resolved"


class ClaimReason(StrEnum):
    """Why a line is claimed."""

    WRONG_ITEM = "wrong_item"
    DEFECT = "defect"
    SHORTAGE = "shortage"
    DAMAGE = "damage"
    OTHER = "other"


class Claim(Base):
    """A claim filed by a dealer against one of their orders."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    request_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=ClaimStatus.NEW)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_sandbox: Mapped[bool] = mapped_column(default=False)  # made in /admin/sandbox
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_note: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[ClaimLine]] = relationship(lazy="raise", order_by="ClaimLine.id")
    attachments: Mapped[list[ClaimAttachment]] = relationship(
        lazy="raise", order_by="ClaimAttachment.id"
    )


class ClaimLine(Base):
    """A claimed order line: reason and quantity."""

    __tablename__ = "claim_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    reason: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    comment: Mapped[str] = mapped_column(Text, default="")


class ClaimAttachment(Base):
    """A photo or file attached to a claim, kept as a Telegram file id."""

    __tablename__ = "claim_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    telegram_file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="photo")


class ClaimStatusEvent(Base):
    """One status change of a claim."""

    __tablename__ = "claim_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
