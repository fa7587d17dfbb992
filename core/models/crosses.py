"""Cross numbers (analogs) and the alerts a dealer person asks for (back in stock, price drops)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Money, utcnow


class CrossGroup(Base):
    """A set of interchangeable numbers: every number in it is an analog of every other."""

    __tablename__ = "cross_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrossNumber(Base):
    """One number (article + brand, both normalised) and the group it belongs to.

    An item of the catalog is in a group when its normalised article is a number of the group
    and the brands do not contradict (see core.catalog.crosses).
    """

    __tablename__ = "cross_numbers"
    __table_args__ = (
        UniqueConstraint("number_norm", "brand_norm"),
        Index("ix_cross_numbers_group_id", "group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("cross_groups.id", ondelete="CASCADE"))
    number_norm: Mapped[str] = mapped_column(String(100))
    brand_norm: Mapped[str] = mapped_column(String(100), default="")
    number: Mapped[str] = mapped_column(String(100))  # as first written
    brand: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(10), default="csv")  # csv | 1c
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StockAlert(Base):
    """A person's wish to hear when an item is back in stock; ends when it is told."""

    __tablename__ = "stock_alerts"
    __table_args__ = (UniqueConstraint("user_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_at: Mapped[datetime | None]  # None while the alert waits


class AlertPreference(Base):
    """A person's opt-in to price-drop alerts for items of their dealer's recent orders."""

    __tablename__ = "alert_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    price_drops: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PriceMark(Base):
    """The last price of an item a dealer was measured against (for "once per drop")."""

    __tablename__ = "price_marks"

    dealer_id: Mapped[int] = mapped_column(
        ForeignKey("dealers.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    price: Mapped[Decimal] = mapped_column(Money)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
