"""Saved order lists of a dealer ("заказ на неделю"): a named set of items and quantities."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, Money, Quantity, utcnow


class SavedList(Base):
    """A named list of a dealer, shared by all its people."""

    __tablename__ = "saved_lists"
    __table_args__ = (UniqueConstraint("dealer_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    # The name folded for uniqueness: "Заказ на неделю" and "заказ  на НЕДЕЛЮ" are one list.
    name_key: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[SavedListLine]] = relationship(
        back_populates="saved_list",
        lazy="raise",
        order_by="SavedListLine.line_no",
        cascade="all, delete-orphan",
    )


class SavedListLine(Base):
    """An item of a saved list with the price it had when the list was saved."""

    __tablename__ = "saved_list_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("saved_lists.id", ondelete="CASCADE"), index=True
    )
    line_no: Mapped[int]
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    product_onec_id: Mapped[str | None] = mapped_column(String(150))
    article: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str] = mapped_column(String(30), default="шт")
    price: Mapped[Decimal | None] = mapped_column(Money)
    quantity: Mapped[Decimal] = mapped_column(Quantity)

    saved_list: Mapped[SavedList] = relationship(back_populates="lines", lazy="raise")
