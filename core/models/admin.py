"""Tables of the web admin: the audit log, runtime settings and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class AuditEntry(Base):
    """One change made through the admin: who, what, on which object, when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    staff_login: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class AdminSetting(Base):
    """A runtime setting changed from the admin (managers' chat, after-hours policy, ...)."""

    __tablename__ = "admin_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )


class ApiToken(Base):
    """A token of the JSON API; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # whose scope the token reads with (core.access.scope.owner_scope): "admin" = every dealer,
    # "manager" = the dealers of the person `user_id` (none once that person is gone or revoked)
    role: Mapped[str] = mapped_column(String(20), default="admin", server_default="admin")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


async def get_setting(session: AsyncSession, key: str) -> str | None:
    """The stored value of a runtime setting, or None when it was never set."""
    return await session.scalar(select(AdminSetting.value).where(AdminSetting.key == key))


async def set_setting(
    session: AsyncSession, key: str, value: str, *, staff_id: int | None = None
) -> AdminSetting:
    """Store a runtime setting (flushed, not committed)."""
    row = await session.get(AdminSetting, key)
    if row is None:
        row = AdminSetting(key=key, value=value, updated_by_id=staff_id, updated_at=utcnow())
        session.add(row)
    else:
        row.value = value
        row.updated_by_id = staff_id
        row.updated_at = utcnow()
    await session.flush()
    return row
