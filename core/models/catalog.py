"""Catalog as 1C sends it: groups, products and variants, price types, prices, warehouses, stock."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, Money, Quantity, utcnow


class ProductGroup(Base):
    """A node of the 1C product group tree."""

    __tablename__ = "product_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    onec_id: Mapped[str] = mapped_column(String(100), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_groups.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)


class Product(Base):
    """A sellable item; a 1C variant `product#characteristic` is its own row under its parent."""

    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_article_norm", "article_norm"),
        Index("ix_products_updated_at", "updated_at"),  # the search vocabulary's change check
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    onec_id: Mapped[str] = mapped_column(String(150), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    article: Mapped[str] = mapped_column(String(100), default="")
    article_norm: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(500))
    search_text: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(30), default="шт")
    unit_code: Mapped[str | None] = mapped_column(String(10))
    barcode: Mapped[str | None] = mapped_column(String(64), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_groups.id", ondelete="SET NULL"), index=True
    )
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    group: Mapped[ProductGroup | None] = relationship(lazy="raise")


class PriceType(Base):
    """A 1C price type (e.g. wholesale, dealer, retail)."""

    __tablename__ = "price_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    onec_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    currency: Mapped[str] = mapped_column(String(10), default="RUB")


class Price(Base):
    """The price of one item for one price type.

    No foreign keys, like `Stock`: both are written only by the catalog importer, whose merge
    joins every row to an existing item, price type or warehouse (catalog rows are deactivated,
    never deleted). Per-row key checks cost the 1C import more than half its time (migration 0009).
    """

    __tablename__ = "prices"

    product_id: Mapped[int] = mapped_column(primary_key=True)
    price_type_id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(10), default="RUB")


class Warehouse(Base):
    """A 1C warehouse (склад)."""

    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    onec_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    is_active: Mapped[bool] = mapped_column(default=True)


class Stock(Base):
    """Quantity of one item at one warehouse (no foreign keys: see `Price`)."""

    __tablename__ = "stock"

    product_id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
