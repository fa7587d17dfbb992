"""Small builders for test data; each returns the saved object (flushed, not committed)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.normalize import normalize_article, search_text
from core.models import (
    Cart,
    CartLine,
    Dealer,
    DealerStatus,
    LegalEntity,
    Price,
    PriceType,
    Product,
    Role,
    Stock,
    User,
    Warehouse,
)

_seq = itertools.count(1)


def next_id() -> int:
    """A number unique within the test run."""
    return next(_seq)


async def price_type(session: AsyncSession, name: str = "Дилерская") -> PriceType:
    item = PriceType(onec_id=f"pt-{next_id()}", name=name, currency="RUB")
    session.add(item)
    await session.flush()
    return item


async def warehouse(session: AsyncSession, name: str = "Основной склад") -> Warehouse:
    item = Warehouse(onec_id=f"wh-{next_id()}", name=name)
    session.add(item)
    await session.flush()
    return item


async def product(
    session: AsyncSession,
    article: str,
    name: str = "Товар",
    *,
    prices: dict[PriceType, str] | None = None,
    stock: dict[Warehouse, str] | None = None,
    unit: str = "шт",
    unit_code: str | None = "796",
    barcode: str | None = None,
    is_active: bool = True,
) -> Product:
    item = Product(
        onec_id=f"p-{next_id()}",
        article=article,
        article_norm=normalize_article(article),
        name=name,
        search_text=search_text(article, name, barcode),
        unit=unit,
        unit_code=unit_code,
        barcode=barcode,
        is_active=is_active,
    )
    session.add(item)
    await session.flush()
    for pt, value in (prices or {}).items():
        session.add(Price(product_id=item.id, price_type_id=pt.id, value=Decimal(value)))
    for wh, qty in (stock or {}).items():
        session.add(Stock(product_id=item.id, warehouse_id=wh.id, quantity=Decimal(qty)))
    await session.flush()
    return item


async def dealer(
    session: AsyncSession,
    name: str = "ООО Автодеталь",
    *,
    price_type: PriceType | None = None,
    entities: int = 1,
    manager: User | None = None,
) -> Dealer:
    n = next_id()
    item = Dealer(
        name=name,
        inn=f"77{n:08d}",
        price_type_id=price_type.id if price_type else None,
        manager_id=manager.id if manager else None,
        status=DealerStatus.ACTIVE,
    )
    session.add(item)
    await session.flush()
    for i in range(entities):
        session.add(
            LegalEntity(dealer_id=item.id, name=f"{name} ЮЛ{i + 1}", inn=f"50{n:06d}{i:02d}")
        )
    await session.flush()
    return item


async def user(
    session: AsyncSession, *, dealer: Dealer | None = None, role: str = Role.DEALER
) -> User:
    item = User(
        telegram_id=1_000_000 + next_id(),
        role=role,
        dealer_id=dealer.id if dealer else None,
        full_name=f"Пользователь {role}",
    )
    session.add(item)
    await session.flush()
    return item


async def cart(session: AsyncSession, owner: User, lines: dict[Product, str]) -> Cart:
    """Put lines straight into the person's cart (cart rules are tested in test_cart*)."""
    assert owner.dealer_id is not None
    item = await session.scalar(select(Cart).where(Cart.user_id == owner.id))
    if item is None:
        item = Cart(user_id=owner.id, dealer_id=owner.dealer_id)
        session.add(item)
        await session.flush()
    session.add_all(
        CartLine(cart_id=item.id, product_id=p.id, quantity=Decimal(q)) for p, q in lines.items()
    )
    await session.flush()
    return item
