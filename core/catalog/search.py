"""Catalog search for a dealer: by barcode, by article, by words of the name; one page at a time.

A query is tried, in this order:

1. as a barcode (8-14 digits), exact; if an item has it, only such items are shown;
2. as an article: the normalised query (`normalize_article`) equal to `products.article_norm`,
   then articles that start with it (ordered by article, so the exact match comes first);
3. by the words of the name (`query_words`): every word must occur in `products.search_text`.
   Name matches follow the article matches (never repeating them), ordered by name, then id.

PostgreSQL answers the words through the pg_trgm GIN index (`LIKE '%word%'`), SQLite through the
FTS5 trigram table `products_fts`. A word shorter than three characters has no trigram: it only
filters the rows the longer words found, so a query needs a word of three or more characters to
be searched by name. Prices and stock come from `core.catalog.offers.load_offers`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from sqlalchemy import ColumnElement, Select, column, func, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.normalize import normalize_article, query_words
from core.catalog.offers import WarehouseStock, load_offers
from core.models import Product
from core.models.base import ZERO

SearchKind = Literal["barcode", "article", "name", "empty"]

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_PAGE_SIZE = 50
MAX_OFFSET = 1000  # deeper pages are empty: nobody pages that far, and it keeps queries cheap
MIN_PREFIX = 2  # a one-character article is matched exactly, not as a prefix
MIN_TRIGRAM = 3
_ARTICLE_LEN = 100  # products.article_norm is String(100)
_BARCODE = re.compile(r"\d{8,14}")

_fts = table("products_fts", column("rowid"), column("search_text"))


@dataclass(frozen=True)
class SearchHit:
    """One found item with the dealer's price (None if there is none) and stock."""

    product_id: int
    onec_id: str
    article: str
    name: str
    unit: str
    barcode: str | None
    price: Decimal | None
    currency: str
    stock_total: Decimal
    stock: list[WarehouseStock] = field(default_factory=list)


@dataclass(frozen=True)
class SearchPage:
    """One page of results; `kind` says how the query was understood."""

    items: list[SearchHit]
    page: int
    page_size: int
    has_more: bool
    kind: SearchKind


def clean_query(query: str) -> str:
    """The query without control characters and broken surrogates, trimmed and length-capped."""
    kept = (
        ch if unicodedata.category(ch) not in ("Cc", "Cs") else " "
        for ch in query[: MAX_QUERY_CHARS * 2]
    )
    return "".join(kept).strip()[:MAX_QUERY_CHARS].strip()


async def search_products(
    session: AsyncSession,
    query: str,
    *,
    price_type_id: int | None,
    page: int = 0,
    page_size: int = 10,
) -> SearchPage:
    """One page of active items found by `query`, with prices of `price_type_id` and stock.

    `has_more` is known by fetching one row more than the page; nothing is counted.
    """
    page = max(page, 0)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    text = clean_query(query)
    if not text:
        return SearchPage([], page, page_size, False, "empty")
    offset = page * page_size
    want = page_size + 1
    ids, kind = await _find_ids(session, text, offset, want)
    if offset >= MAX_OFFSET:
        ids = []
    hits = await _hits(session, ids[:page_size], price_type_id)
    return SearchPage(hits, page, page_size, len(ids) > page_size, kind)


async def _find_ids(
    session: AsyncSession, text: str, offset: int, want: int
) -> tuple[list[int], SearchKind]:
    """Ids of rows offset..offset+want of the result, and the kind of the query."""
    if _BARCODE.fullmatch(text):
        found = await _barcode_ids(session, text)
        if found:
            return found[offset : offset + want], "barcode"
    norm = normalize_article(text)
    by_article: ColumnElement[bool] | None = None
    article_ids: list[int] = []
    if norm and len(norm) <= _ARTICLE_LEN:
        by_article = _article_condition(norm)
        article_ids = await _article_ids(session, by_article, min(offset + want, MAX_OFFSET + want))
    if len(article_ids) >= offset + want:
        return article_ids[offset : offset + want], "article"
    taken = article_ids[offset:]
    name_ids = await _name_ids(
        session,
        query_words(text)[:MAX_WORDS],
        exclude=by_article if article_ids else None,
        offset=max(offset - len(article_ids), 0),
        limit=want - len(taken),
    )
    return taken + name_ids, ("article" if article_ids else "name")


async def _barcode_ids(session: AsyncSession, barcode: str) -> list[int]:
    rows = await session.scalars(
        select(Product.id)
        .where(Product.barcode == barcode, Product.is_active.is_(True))
        .order_by(Product.id)
        .limit(MAX_OFFSET)
    )
    return list(rows)


def _article_condition(norm: str) -> ColumnElement[bool]:
    """Exact normalised article, or articles starting with it (served by the prefix index).

    `norm` holds only letters and digits, so it needs no LIKE escaping.
    """
    if len(norm) < MIN_PREFIX:
        return Product.article_norm == norm
    return Product.article_norm.like(norm + "%")


async def _article_ids(
    session: AsyncSession, condition: ColumnElement[bool], limit: int
) -> list[int]:
    rows = await session.scalars(
        select(Product.id)
        .where(condition, Product.is_active.is_(True))
        .order_by(Product.article_norm, Product.id)
        .limit(limit)
    )
    return list(rows)


async def _name_ids(
    session: AsyncSession,
    words: list[str],
    *,
    exclude: ColumnElement[bool] | None,
    offset: int,
    limit: int,
) -> list[int]:
    """Ids of active items whose search text holds every word, by name then id."""
    long_words = [w for w in words if len(w) >= MIN_TRIGRAM]
    if not long_words or limit <= 0:
        return []
    short_words = [w for w in words if len(w) < MIN_TRIGRAM]
    stmt: Select[tuple[int]] = select(Product.id).where(Product.is_active.is_(True))
    if session.get_bind().dialect.name == "sqlite":
        stmt = stmt.join(_fts, _fts.c.rowid == Product.id).where(
            _fts.c.search_text.match(" ".join(_fts_phrase(w) for w in long_words))
        )
        position = func.instr
    else:
        stmt = stmt.where(*(Product.search_text.like(f"%{_like_escape(w)}%") for w in long_words))
        position = func.strpos
    stmt = stmt.where(*(position(Product.search_text, w) > 0 for w in short_words))
    if exclude is not None:
        stmt = stmt.where(~exclude)
    stmt = stmt.order_by(Product.name, Product.id).offset(offset).limit(limit)
    return list(await session.scalars(stmt))


def _fts_phrase(word: str) -> str:
    """An FTS5 string: the word in double quotes, inner quotes doubled (no query syntax)."""
    return '"' + word.replace('"', '""') + '"'


def _like_escape(word: str) -> str:
    """The word as a literal part of a PostgreSQL LIKE pattern (backslash is its escape)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _hits(
    session: AsyncSession, ids: list[int], price_type_id: int | None
) -> list[SearchHit]:
    if not ids:
        return []
    products = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(ids)))}
    offers = await load_offers(session, ids, price_type_id)
    hits = []
    for pid in ids:
        product, offer = products[pid], offers[pid]
        hits.append(
            SearchHit(
                product_id=pid,
                onec_id=product.onec_id,
                article=product.article,
                name=product.name,
                unit=product.unit,
                barcode=product.barcode,
                price=offer.price,
                currency=offer.currency,
                stock_total=offer.stock_total if offer.stock else ZERO,
                stock=list(offer.stock),
            )
        )
    return hits
