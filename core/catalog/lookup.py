"""Active products by id or by normalised article (pasted lists, buttons that carry an id)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.normalize import normalize_article
from core.models import Product

# An article longer than the column can hold matches nothing; keep IN lists of sane size.
_MAX_ARTICLE = 100
_MAX_ID = 2**31 - 1  # ids are 32-bit integers; a forged bigger id is simply not found


async def products_by_articles(
    session: AsyncSession, articles: Iterable[str]
) -> dict[str, Product]:
    """Active products whose normalised article equals one of `articles`, in one query.

    Keyed by the normalised article (`normalize_article`); articles not found are absent. When
    several active items share a normalised article, the one with the lowest id is returned.
    """
    wanted = {normalize_article(a) for a in articles}
    wanted = {a for a in wanted if a and len(a) <= _MAX_ARTICLE}
    if not wanted:
        return {}
    rows = await session.scalars(
        select(Product)
        .where(Product.article_norm.in_(sorted(wanted)), Product.is_active.is_(True))
        .order_by(Product.id)
    )
    found: dict[str, Product] = {}
    for product in rows:
        found.setdefault(product.article_norm, product)
    return found


async def product_by_id(session: AsyncSession, product_id: int) -> Product | None:
    """The active product with this id, or None (unknown or no longer sold)."""
    if not 0 < product_id <= _MAX_ID:
        return None
    return await session.scalar(
        select(Product).where(Product.id == product_id, Product.is_active.is_(True))
    )
