"""Dealers, their legal entities and addresses, people, staff accounts, pilot waves, invitations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, Money, utcnow


class Role(StrEnum):
    """What a Telegram person is to the service."""

    DEALER = "dealer"
    MANAGER = "manager"
    ADMIN = "admin"


class DealerStatus(StrEnum):
    """Where a dealer stands in the rollout."""

    PROSPECT = "prospect"
    INVITED = "invited"
    ACTIVE = "active"
    PAUSED = "paused"


class PilotWave(Base):
    """A rollout wave: the pilot group, then the next ones until everyone is on."""

    __tablename__ = "pilot_waves"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    criteria: Mapped[str] = mapped_column(Text, default="")
    thanks_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Dealer(Base):
    """A dealer company buying from the distributor."""

    __tablename__ = "dealers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    inn: Mapped[str | None] = mapped_column(String(12), index=True)
    onec_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    price_type_id: Mapped[int | None] = mapped_column(ForeignKey("price_types.id"))
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True), index=True
    )
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("pilot_waves.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=DealerStatus.PROSPECT)
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tags: Mapped[dict[str, Any]] = mapped_column(default=dict)
    onboarded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # roles inside the dealer (core.dealers.roles, core.orders.approval)
    approval_threshold: Mapped[Decimal | None] = mapped_column(Money)
    max_people: Mapped[int] = mapped_column(default=5, server_default="5")
    # while status is `paused`: since when and why (core.access tells the dealer's people)
    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # checkout over the free limit or with overdue debt: warn | hold | block (core.finance)
    credit_policy: Mapped[str] = mapped_column(String(10), default="warn", server_default="warn")

    legal_entities: Mapped[list[LegalEntity]] = relationship(
        back_populates="dealer", lazy="raise", order_by="LegalEntity.id"
    )


class LegalEntity(Base):
    """A legal entity (юрлицо) a dealer orders on behalf of."""

    __tablename__ = "legal_entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    inn: Mapped[str] = mapped_column(String(12))
    kpp: Mapped[str | None] = mapped_column(String(9))
    onec_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # overrides the dealer's approval threshold for orders of this entity
    approval_threshold: Mapped[Decimal | None] = mapped_column(Money)

    dealer: Mapped[Dealer] = relationship(back_populates="legal_entities", lazy="raise")


class DeliveryAddress(Base):
    """A delivery address of a dealer."""

    __tablename__ = "delivery_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(500))
    is_default: Mapped[bool] = mapped_column(default=False)


class User(Base):
    """A person known by Telegram: a dealer's employee, a manager or an admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.DEALER)
    dealer_id: Mapped[int | None] = mapped_column(
        ForeignKey("dealers.id", ondelete="SET NULL"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(255), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(5), default="ru")
    active_legal_entity_id: Mapped[int | None] = mapped_column(
        ForeignKey("legal_entities.id", ondelete="SET NULL")
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    # a sandbox person (core.sandbox) plays this real person, with their dealer and scope
    sandbox_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    blocked_bot_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # buyer | approver | admin inside the dealer (core.dealers.roles.DealerRole)
    dealer_role: Mapped[str] = mapped_column(String(20), default="buyer", server_default="buyer")
    # cut off by an admin (core.access): no invitation re-admits them until restored
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # managers of one group share their dealers (core.access.scope)
    manager_group: Mapped[str | None] = mapped_column(String(60))


class StaffAccount(Base):
    """A login to the web admin."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.ADMIN)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # where the admin's own test broadcasts go when the account has no linked bot user
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invitation(Base):
    """An invitation deep link: binds whoever redeems it to a dealer (or makes a manager)."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    dealer_id: Mapped[int | None] = mapped_column(
        ForeignKey("dealers.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), default=Role.DEALER)
    max_uses: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the role inside the dealer the person gets (set by a dealer admin's invitation)
    dealer_role: Mapped[str | None] = mapped_column(String(20))


class InvitationUse(Base):
    """One redemption of an invitation."""

    __tablename__ = "invitation_uses"
    __table_args__ = (UniqueConstraint("invitation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)


class Application(Base):
    """A request to join the pilot, sent from the bot by someone without an invitation."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    company: Mapped[str] = mapped_column(String(255))
    inn: Mapped[str] = mapped_column(String(12))
    city: Mapped[str] = mapped_column(String(100), default="")
    contact_name: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(5), default="ru")
    status: Mapped[str] = mapped_column(String(20), default="new")
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
