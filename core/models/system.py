"""Cross-cutting tables: the outbox, the working calendar, the 1C exchange log, manager actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class OutboxEvent(Base):
    """An event emitted by core in the same transaction as the change; adapters deliver it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_available", "state", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(150), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    is_sandbox: Mapped[bool] = mapped_column(default=False)  # emitted while playing the sandbox
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarDay(Base):
    """An exception to the weekly schedule: a holiday, a shortened day, or a working weekend."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # holiday | shortened | workday
    note: Mapped[str] = mapped_column(String(200), default="")


class ExchangeSession(Base):
    """One 1C exchange session: its files, counts, duration and errors."""

    __tablename__ = "exchange_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_type: Mapped[str] = mapped_column(String(20))  # catalog | sale | offline
    cookie: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    files: Mapped[dict[str, Any]] = mapped_column(default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class ManagerAction(Base):
    """A manager's action on an order or claim, for operations-per-manager metrics."""

    __tablename__ = "manager_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    # a logged contact (core.contacts): action "contact.logged"
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("dealer_contacts.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(20), default="bot")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ThrottleHit(Base):
    """One failed attempt counted by a throttle (core.throttle): which rule, whose key, when."""

    __tablename__ = "throttle_hits"
    __table_args__ = (Index("ix_throttle_hits_rule_key_at", "rule", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
