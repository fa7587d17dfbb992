"""Catalog search for a dealer: articles, barcodes, words, forgiving typing; a page at a time.

The pipeline (`search_products`):

1. `parse`: the query as article forms, a barcode, and name words (Russian words by stem, so
   "свеча" finds "Свечи"; any word order).
2. `_candidates`: every source, in one place — exact article and barcode and article prefix
   (`sources.by_codes`), the sources registered with `sources.register_source` (cross
   numbers), and words (`sources.by_words`).
3. `ranking.rank`: exact hits first, then priced before "цена по запросу", then by tier.
4. When nothing is found, the query is corrected word by word against the catalog's own words
   and brands (`vocabulary`): the other keyboard layout, Latin transliteration, a brand in the
   other alphabet ("гейтс" -> "gates"), one or two wrong letters. The page then says which
   query it shows (`SearchPage.corrected`).

A product with variants (1C `product#characteristic`) is shown as its variants, each with its
own price and stock; it is found by its barcode, article and name too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.crosses import cross_group_item_ids
from core.catalog.normalize import normalize_article, query_words
from core.catalog.offers import Offer, WarehouseStock, load_offers
from core.catalog.search import sources
from core.catalog.search.forms import stem, to_latin
from core.catalog.search.ranking import rank
from core.catalog.search.sources import (
    TIER_BARCODE,
    TIER_EXACT_ARTICLE,
    TIER_PREFIX,
    TIER_WORDS,
    Candidate,
    Query,
)
from core.catalog.search.vocabulary import vocabulary as catalog_vocabulary

SearchKind = Literal["barcode", "article", "name", "empty"]

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_PAGE_SIZE = 50
MAX_OFFSET = 1000  # deeper pages are empty: nobody pages that far, and it keeps queries cheap
_ARTICLE_LEN = 100  # products.article_norm is String(100)
_BARCODE = re.compile(r"\d{8,14}")
_KINDS: dict[int, SearchKind] = {
    TIER_EXACT_ARTICLE: "article",
    TIER_BARCODE: "barcode",
    sources.TIER_CROSSES: "article",
    TIER_PREFIX: "article",
    TIER_WORDS: "name",
}

__all__ = [
    "MAX_OFFSET",
    "MAX_PAGE_SIZE",
    "MAX_QUERY_CHARS",
    "SearchHit",
    "SearchKind",
    "SearchPage",
    "clean_query",
    "parse",
    "search_products",
]


async def _cross_numbers(session: AsyncSession, query: sources.Query, _limit: int) -> list[int]:
    """Items of every cross-number group holding the query (any spacing, dashes, case)."""
    return await cross_group_item_ids(session, query.text)


sources.register_source(sources.TIER_CROSSES, _cross_numbers)


@dataclass(frozen=True)
class SearchHit:
    """One found item with the dealer's price (None: "цена по запросу") and stock."""

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
    """One page of results; `kind` says how the query was understood, `corrected` the query
    shown instead when the one typed found nothing (None if it found something)."""

    items: list[SearchHit]
    page: int
    page_size: int
    has_more: bool
    kind: SearchKind
    corrected: str | None = None


def clean_query(query: str) -> str:
    """The query trimmed and length-capped, without control and invisible format characters
    (zero-width spaces, soft hyphens) or broken surrogates."""
    kept = "".join(map(_clean_char, query[: MAX_QUERY_CHARS * 2]))
    return kept.strip()[:MAX_QUERY_CHARS].strip()


def _clean_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Cc":
        return " "
    return "" if category in ("Cf", "Cs") else ch


def parse(cleaned: str, *, words: list[str] | None = None) -> Query:
    """A cleaned query as the sources read it; `words` replaces its name words (a correction)."""
    digits = "".join(cleaned.split())  # "4 600702 000014" as printed under the bars
    norm = normalize_article(cleaned)
    norms = [norm] if len(norm) <= _ARTICLE_LEN else []
    latin = normalize_article(to_latin(cleaned))  # "ЛФ-1003" for LF-1003
    if latin not in norms and len(latin) <= _ARTICLE_LEN and latin.isascii():
        norms.append(latin)
    found = (words if words is not None else query_words(cleaned))[:MAX_WORDS]
    return Query(
        text=cleaned,
        norms=tuple(norms),
        barcode=digits if _BARCODE.fullmatch(digits) else None,
        words=tuple(found),
        search_words=tuple(dict.fromkeys(stem(w) for w in found)),
        letters=any(ch.isalpha() for ch in cleaned),
    )


async def search_products(
    session: AsyncSession,
    query: str,
    *,
    price_type_id: int | None,
    page: int = 0,
    page_size: int = 10,
) -> SearchPage:
    """One page of active items found by `query`, best first, with prices of `price_type_id`
    and stock. `has_more` is known by fetching one row more than the page; pages past
    MAX_OFFSET items are empty."""
    page = max(page, 0)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    cleaned = clean_query(query)
    if not cleaned:
        return SearchPage([], page, page_size, False, "empty")
    offset = page * page_size
    want = min(offset, MAX_OFFSET) + page_size + 1
    parsed = parse(cleaned)
    found = await _candidates(session, parsed, want, price_type_id)
    corrected = None
    if not found:
        fixed = await correct(session, parsed)
        if fixed is not None:
            found = await _candidates(session, fixed, want, price_type_id)
            corrected = fixed.text if found else None
    kind = _KINDS.get(found[0].tier, "article") if found else _kind_of(parsed)
    if offset >= MAX_OFFSET:
        return SearchPage([], page, page_size, False, kind, corrected)
    rows = found[offset : offset + page_size + 1]
    offers = await load_offers(session, [c.row[0] for c in rows[:page_size]], price_type_id)
    hits = [_hit(c, offers[c.row[0]]) for c in rows[:page_size]]
    has_more = len(rows) > page_size and offset + page_size < MAX_OFFSET
    return SearchPage(hits, page, page_size, has_more, kind, corrected)


def _kind_of(query: Query) -> SearchKind:
    return "name" if query.letters and query.words else "article"


async def _candidates(
    session: AsyncSession, query: Query, want: int, price_type_id: int | None
) -> list[Candidate]:
    """THE list of candidate sources, ranked. A further source (cross numbers) registers with
    `sources.register_source` and is asked here, between the codes and the words."""
    found = await sources.by_codes(session, query, want, price_type_id)
    for tier, source in sources.SOURCES:
        ids = await source(session, query, want)
        found += await sources.rows_for_ids(session, ids, tier, price_type_id)
    if found and not query.letters:
        return rank(found)  # digits and marks only: an article or a code, not words of a name
    found += await sources.by_words(session, query, want + len(found), price_type_id)
    return rank(found)


async def correct(session: AsyncSession, query: Query) -> Query | None:
    """The query with each word the catalog does not know replaced by the one it means, or
    None when no word could be corrected."""
    words = list(query.words)
    if not words:
        return None
    known = await catalog_vocabulary(session)
    changed = False
    for n, word in enumerate(words):
        fixed = known.correct(word)
        if fixed is not None and fixed != word:
            words[n] = fixed
            changed = True
    if not changed:
        return None
    return parse(" ".join(words), words=words)


def _hit(candidate: Candidate, offer: Offer) -> SearchHit:
    pid, onec_id, article, name, unit, barcode = candidate.row
    return SearchHit(
        product_id=pid,
        onec_id=onec_id,
        article=article,
        name=name,
        unit=unit,
        barcode=barcode,
        price=offer.price,
        currency=offer.currency,
        stock_total=offer.stock_total,
        stock=list(offer.stock),
    )
