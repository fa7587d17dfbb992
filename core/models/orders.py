"""Carts, orders with line snapshots, and order status history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, Money, Quantity, utcnow


class OrderStatus(StrEnum):
    """Life cycle of an order."""

    NEW = "new"
    AWAITING_APPROVAL = "awaiting_approval"  # a buyer's order above the threshold (на согласовании)
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class OrderSource(StrEnum):
    """Where an order was placed."""

    BOT = "bot"
    ONEC = "1c"


class SyncState(StrEnum):
    """Where an order stands in the exchange with 1C."""

    PENDING = "pending"
    EXPORTED = "exported"
    ACKNOWLEDGED = "acknowledged"
    NOT_APPLICABLE = "n/a"
    AWAITING_APPROVAL = "awaiting_approval"  # not offered to 1C until the dealer approves it


class Cart(Base):
    """A person's cart; one per Telegram user."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"), index=True)
    reorder_of_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", lazy="raise", order_by="CartLine.id", cascade="all, delete-orphan"
    )


class CartLine(Base):
    """An item and its quantity in a cart."""

    __tablename__ = "cart_lines"
    __table_args__ = (UniqueConstraint("cart_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="lines", lazy="raise")


class Order(Base):
    """An order of a dealer, placed through the bot or known from 1C."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_dealer_placed", "dealer_id", "placed_at"),
        Index("ix_orders_status", "status"),
        Index("ix_orders_sync_state", "sync_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    request_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    legal_entity_id: Mapped[int | None] = mapped_column(ForeignKey("legal_entities.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.NEW)
    source: Mapped[str] = mapped_column(String(10), default=OrderSource.BOT)
    reorder_of_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_after_hours: Mapped[bool] = mapped_column(default=False)
    is_sandbox: Mapped[bool] = mapped_column(default=False)  # made in /admin/sandbox
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text, default="")
    desired_date: Mapped[date | None]
    dealer_po: Mapped[str | None] = mapped_column(String(64))
    delivery_address: Mapped[str | None] = mapped_column(String(500))
    currency: Mapped[str] = mapped_column(String(10), default="RUB")
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    onec_number: Mapped[str | None] = mapped_column(String(64))
    onec_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    sync_state: Mapped[str] = mapped_column(String(20), default=SyncState.PENDING)
    exported_at: Mapped[datetime | None]
    is_paid: Mapped[bool] = mapped_column(default=False)
    # A credit hold (core.finance.credit): pending (the dealer's approver first), held (the
    # manager decides), approved, rejected; None for an order that was never held for credit.
    credit_hold: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The dealer changed quantities before confirmation (core.orders.amend): when and who.
    edited_at: Mapped[datetime | None]
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", lazy="raise", order_by="OrderLine.line_no"
    )


class OrderLine(Base):
    """A snapshot of an ordered item: what it was called and cost when ordered."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int]
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    product_onec_id: Mapped[str | None] = mapped_column(String(150))
    article: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str] = mapped_column(String(30), default="шт")
    price: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    amount: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")


class OrderStatusEvent(Base):
    """One status change of an order: who, from what, to what, when."""

    __tablename__ = "order_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_kind: Mapped[str] = mapped_column(String(20), default="system")
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SatisfactionResponse(Base):
    """A dealer's answer to the satisfaction poll after a completed order."""

    __tablename__ = "satisfaction_responses"
    __table_args__ = (UniqueConstraint("order_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
