"""What the CRM knows of our objects: remembered CRM ids, sync state, errors, the pause."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class CrmLink(Base):
    """One of our objects (dealer, order, claim, contact, person) and its id in the CRM."""

    __tablename__ = "crm_links"
    __table_args__ = (UniqueConstraint("entity", "local_id", name="uq_crm_links_entity_local"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))  # dealer | order | claim | contact | person
    local_id: Mapped[int]
    crm_id: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending|synced|failed
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    synced_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrmError(Base):
    """A failed CRM call, for the admin's page of last errors."""

    __tablename__ = "crm_errors"
    __table_args__ = (Index("ix_crm_errors_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    entity: Mapped[str] = mapped_column(String(20))
    local_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(20))  # network | server | auth | rejected
    message: Mapped[str] = mapped_column(Text, default="")


class CrmPause(Base):
    """The sync stopped on a refused webhook (one row, id 1) until an admin retries."""

    __tablename__ = "crm_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    paused_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
