"""Catalog search for a dealer: by barcode, by article, by words of the name; one page at a time.

A query is tried, in this order:

1. as a barcode (8-14 digits, spaces allowed), exact; if an item has it, only such items are shown;
2. as an article: the normalised query (`normalize_article`) equal to `products.article_norm`,
   then articles that start with it (ordered by article, so the exact match comes first);
3. by the words of the name (`query_words`): every word must occur in `products.search_text`.
   Name matches follow the article matches (never repeating them), ordered by name, then id;
   a query of digits and marks only that matched articles is not searched by name.

PostgreSQL answers the words through the pg_trgm GIN index (`LIKE '%word%'`), SQLite through the
FTS5 trigram table `products_fts`. A word shorter than three characters has no trigram: it only
filters the rows the longer words found, so a query needs a word of three or more characters to
be searched by name. Prices and stock come from `core.catalog.offers`: `load_offers`, or its
columns joined to the query that finds the items.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Executable,
    Row,
    Select,
    Subquery,
    and_,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.crosses import cross_group_item_ids
from core.catalog.normalize import normalize_article, query_words
from core.catalog.offers import (
    OFFER_ORDER,
    Offer,
    OfferSelect,
    WarehouseStock,
    add_offer_row,
    load_offers,
    with_offer_columns,
)
from core.models import Product

SearchKind = Literal["barcode", "article", "name", "empty"]

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_PAGE_SIZE = 50
MAX_OFFSET = 1000  # deeper pages are empty: nobody pages that far, and it keeps queries cheap
MIN_PREFIX = 2  # a one-character article is matched exactly, not as a prefix
MIN_TRIGRAM = 3
NAME_CANDIDATES = MAX_OFFSET + MAX_PAGE_SIZE + 1
_ARTICLE_LEN = 100  # products.article_norm is String(100)
_BARCODE = re.compile(r"\d{8,14}")

_fts = table("products_fts", column("rowid"), column("search_text"))
# What a hit shows of the product; fetched by the query that finds it (no second round trip).
_COLUMNS = (
    Product.id,
    Product.onec_id,
    Product.article,
    Product.name,
    Product.unit,
    Product.barcode,
)
_Found = Row[int, str, str, str, str, str | None]


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
    """The query trimmed and length-capped, without control and invisible format characters
    (zero-width spaces, soft hyphens) or broken surrogates."""
    kept = "".join(map(_clean_char, query[: MAX_QUERY_CHARS * 2]))
    return kept.strip()[:MAX_QUERY_CHARS].strip()


def _clean_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Cc":
        return " "
    return "" if category in ("Cf", "Cs") else ch


async def search_products(
    session: AsyncSession,
    query: str,
    *,
    price_type_id: int | None,
    page: int = 0,
    page_size: int = 10,
) -> SearchPage:
    """One page of active items found by `query`, with prices of `price_type_id` and stock.

    `has_more` is known by fetching one row more than the page; nothing is counted. Pages past
    MAX_OFFSET items are empty.
    """
    page = max(page, 0)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    cleaned = clean_query(query)
    if not cleaned:
        return SearchPage([], page, page_size, False, "empty")
    offset = page * page_size
    if offset >= MAX_OFFSET:
        _, kind, _ = await _find(session, cleaned, 0, 1, price_type_id)
        return SearchPage([], page, page_size, False, kind)
    rows, kind, offers = await _find(session, cleaned, offset, page_size + 1, price_type_id)
    if offers is None:
        offers = await load_offers(session, [row[0] for row in rows[:page_size]], price_type_id)
    hits = _hits(rows[:page_size], offers)
    has_more = len(rows) > page_size and offset + page_size < MAX_OFFSET
    return SearchPage(hits, page, page_size, has_more, kind)


async def _find(
    session: AsyncSession, cleaned: str, offset: int, want: int, price_type_id: int | None
) -> tuple[list[_Found], SearchKind, dict[int, Offer] | None]:
    """Rows offset..offset+want of the result, how the query was understood, and the rows'
    offers when the query that found them brought them along."""
    digits = "".join(cleaned.split())  # "4 600702 000014" as printed under the bars
    if _BARCODE.fullmatch(digits):
        found = await _by_barcode(session, digits)
        if found:
            return found[offset : offset + want], "barcode", None
    norm = normalize_article(cleaned)
    if len(norm) > _ARTICLE_LEN:
        norm = ""
    words = query_words(cleaned)[:MAX_WORDS]
    letters = any(ch.isalpha() for ch in cleaned)
    if norm and letters and any(_indexable(w) for w in words):
        # Could be an article or words: both searches, and the offers, in one round trip.
        articles, named, offers = await _by_article_and_name(
            session, norm, words, offset + want, price_type_id
        )
    else:
        articles = await _by_article(session, norm, offset + want) if norm else []
        named, offers = None, None
    cross_ids = await cross_group_item_ids(session, cleaned)  # the crosses hook (issue 15)
    if cross_ids:
        articles, named, offers = await _with_crosses(session, norm, articles, named, cross_ids)
    if len(articles) >= offset + want:
        return articles[offset : offset + want], "article", offers
    taken = articles[offset:]
    if articles and not letters:
        # Digits and marks only: an article or a code, not words of a name.
        return taken, "article", offers
    skip = max(offset - len(articles), 0)
    if named is None:
        named = await _by_name(
            session,
            words,
            exclude_article=norm if articles else None,
            offset=skip,
            limit=want - len(taken),
        )
        if cross_ids:
            in_groups = set(cross_ids)
            named = [row for row in named if row[0] not in in_groups]
    else:
        named = named[skip : skip + want - len(taken)]
    return taken + named, ("article" if articles else "name"), offers


async def _with_crosses(
    session: AsyncSession,
    norm: str,
    articles: list[_Found],
    named: list[_Found] | None,
    cross_ids: list[int],
) -> tuple[list[_Found], list[_Found] | None, None]:
    """Article matches with the items of the query's cross groups right after the exact ones
    (none twice); name matches without them. Offers are loaded afterwards for the page."""
    exact = [row for row in articles if normalize_article(row[2]) == norm]
    shown = {row[0] for row in articles}
    wanted = [pid for pid in cross_ids if pid not in shown]
    found = {
        row[0]: row
        for row in await session.execute(select(*_COLUMNS).where(Product.id.in_(wanted)))
    }
    crosses = [found[pid] for pid in wanted if pid in found]
    rest = [row for row in articles if row not in exact]
    drop = set(cross_ids)
    if named is not None:
        named = [row for row in named if row[0] not in drop]
    return exact + crosses + rest, named, None


# Statements are built once per shape (dialect, number of words, ...) with bound parameters:
# building and cache-keying a statement costs more Python time than running it.
_STATEMENTS: dict[tuple[object, ...], Executable] = {}


def _statement(key: tuple[object, ...], build: Callable[[], Executable]) -> Executable:
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = build()
    return stmt


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def _by_barcode(session: AsyncSession, barcode: str) -> list[_Found]:
    stmt = _statement(
        ("barcode",),
        lambda: (
            select(*_COLUMNS)
            .where(Product.barcode == bindparam("barcode"), Product.is_active.is_(True))
            .order_by(Product.id)
            .limit(MAX_OFFSET)
        ),
    )
    return list(await session.execute(stmt, {"barcode": barcode}))


def _article_condition(norm: str, sqlite: bool) -> ColumnElement[bool]:
    """Exact normalised article, or articles starting with it (served by the prefix index).

    `norm` holds only letters and digits, so it needs no LIKE escaping. The condition reads
    the bound parameters that `_article_params` gives. On PostgreSQL the prefix is also a range
    of the index's operator class: a prepared statement's generic plan cannot derive the range
    from `LIKE $1` and would read the whole index.
    """
    if len(norm) < MIN_PREFIX:
        return Product.article_norm == bindparam("article")
    like = Product.article_norm.like(bindparam("article"))
    if sqlite:
        return like
    return and_(
        Product.article_norm.op("~>=~")(bindparam("article_from")),
        Product.article_norm.op("~<~")(bindparam("article_to")),
        like,
    )


def _article_params(norm: str) -> dict[str, str]:
    if len(norm) < MIN_PREFIX:
        return {"article": norm}
    # Every string that starts with `norm` sorts (by code point) from `norm` to `norm` + the
    # last code point; normalised articles hold letters and digits only.
    return {"article": norm + "%", "article_from": norm, "article_to": norm + "\U0010ffff"}


async def _by_article(session: AsyncSession, norm: str, limit: int) -> list[_Found]:
    dialect = _dialect(session)
    stmt = _statement(
        ("article", dialect, len(norm) < MIN_PREFIX),
        lambda: (
            select(*_COLUMNS)
            .where(_article_condition(norm, dialect == "sqlite"), Product.is_active.is_(True))
            .order_by(_article_order(dialect), Product.id)
            .limit(bindparam("limit"))
        ),
    )
    return list(await session.execute(stmt, {**_article_params(norm), "limit": limit}))


def _article_order(dialect: str) -> ColumnElement[Any]:
    """Articles in the order of the prefix index, so a short prefix reads only one page of it.

    Both orders are by code point (articles hold upper-case letters and digits only), and
    an exact match sorts before the longer articles it begins.
    """
    if dialect == "sqlite":
        return Product.article_norm.collate("NOCASE")
    return literal_column("products.article_norm USING ~<~")


_SEQSCAN_OFF = text(
    "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
)
_SEQSCAN_RESTORE = text("SELECT set_config('enable_seqscan', :value, true)")


async def _by_name(
    session: AsyncSession,
    words: list[str],
    *,
    exclude_article: str | None,
    offset: int,
    limit: int,
) -> list[_Found]:
    """Active items whose search text holds every word, by name then id; items whose article
    matches `exclude_article` (a normalised article) are left out.

    The words index finds the first NAME_CANDIDATES matches (by id on SQLite, in table order on
    PostgreSQL) and only those are sorted: a broad word such as "фильтр" matches a fifth of the
    catalog, and sorting all of it would take tens of milliseconds. Pages never go past
    MAX_OFFSET, so every reachable page comes from the candidates.
    """
    long_words = [w for w in words if _indexable(w)]
    if not long_words or limit <= 0:
        return []
    short_words = [w for w in words if not _indexable(w)]
    dialect = _dialect(session)
    sqlite = dialect == "sqlite"
    stmt = _statement(
        (
            "name",
            dialect,
            len(long_words),
            len(short_words),
            None if exclude_article is None else len(exclude_article) < MIN_PREFIX,
        ),
        lambda: _name_query(sqlite, len(long_words), len(short_words), exclude_article),
    )
    params = _name_params(sqlite, words)
    params.update(offset=offset, limit=limit)
    if exclude_article is not None:
        params.update(_article_params(exclude_article))
    return await _run_name_search(session, stmt, params, sqlite)


def _name_candidates(
    sqlite: bool, long_words: int, short_words: int, exclude_article: str | None
) -> Subquery:
    """The first NAME_CANDIDATES items holding every word: parameters w0.. (or fts) and s0..;
    items whose article matches the parameter `article` are left out if `exclude_article`."""
    found: Select[int, str, str, str, str, str | None] = select(*_COLUMNS).where(
        Product.is_active.is_(True)
    )
    if sqlite:
        found = (
            found.join(_fts, _fts.c.rowid == Product.id)
            .where(_fts.c.search_text.match(bindparam("fts")))
            .order_by(_fts.c.rowid)
        )
        position = func.instr
    else:
        found = found.where(
            *(Product.search_text.like(bindparam(f"w{i}")) for i in range(long_words))
        )
        position = func.strpos
    found = found.where(
        *(position(Product.search_text, bindparam(f"s{i}")) > 0 for i in range(short_words))
    )
    if exclude_article is not None:
        found = found.where(~_article_condition(exclude_article, sqlite))
    return found.limit(NAME_CANDIDATES).subquery()


def _name_query(
    sqlite: bool, long_words: int, short_words: int, exclude_article: str | None
) -> Select[int, str, str, str, str, str | None]:
    """The name search of one shape, by name then id, from `offset`, `limit` rows."""
    candidates = _name_candidates(sqlite, long_words, short_words, exclude_article)
    return (
        select(*candidates.c)
        .order_by(candidates.c.name, candidates.c.id)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


def _name_params(sqlite: bool, words: list[str]) -> dict[str, object]:
    long_words = [w for w in words if _indexable(w)]
    params: dict[str, object] = {}
    if sqlite:
        params["fts"] = " ".join(_fts_phrase(w) for w in long_words)
    else:
        params.update((f"w{i}", f"%{_like_escape(w)}%") for i, w in enumerate(long_words))
    params.update((f"s{i}", w) for i, w in enumerate(w for w in words if not _indexable(w)))
    return params


async def _by_article_and_name(
    session: AsyncSession, norm: str, words: list[str], limit: int, price_type_id: int | None
) -> tuple[list[_Found], list[_Found], dict[int, Offer]]:
    """The first `limit` article matches (as `_by_article`), the first `limit` name matches
    that are not article matches (as `_by_name` from offset 0), and the offers of all of them
    (as `load_offers`), in one statement."""
    dialect = _dialect(session)
    sqlite = dialect == "sqlite"
    long_words = sum(1 for w in words if _indexable(w))
    short_words = len(words) - long_words
    with_price = price_type_id is not None
    stmt = _statement(
        ("article+name", dialect, len(norm) < MIN_PREFIX, long_words, short_words, with_price),
        lambda: _article_and_name_query(dialect, norm, long_words, short_words, with_price),
    )
    params = _name_params(sqlite, words)
    params.update(_article_params(norm), limit=limit, price_type_id=price_type_id)
    rows = await _run_name_search(session, stmt, params, sqlite)
    articles: list[_Found] = []
    named: list[_Found] = []
    offers: dict[int, Offer] = {}
    item: tuple[int, int] | None = None
    offer: Offer | None = None
    for row in rows:  # an item's rows follow each other, one per warehouse holding it
        if (row.part, row.rank) != item:
            item = (row.part, row.rank)
            (named if row.part else articles).append(row)
            offer = None if row[0] in offers else offers.setdefault(row[0], Offer(row[0]))
        if offer is not None:
            add_offer_row(offer, *row[_OFFER_COLUMNS])
    return articles, named, offers


_OFFER_COLUMNS = slice(len(_COLUMNS) + 2, len(_COLUMNS) + 7)  # after the part and rank


def _article_and_name_query(
    dialect: str, norm: str, long_words: int, short_words: int, with_price: bool
) -> OfferSelect:
    by_article = (
        select(
            *_COLUMNS,
            literal(0).label("part"),
            func.row_number().over(order_by=(_article_order(dialect), Product.id)).label("rank"),
        )
        .where(_article_condition(norm, dialect == "sqlite"), Product.is_active.is_(True))
        .order_by(_article_order(dialect), Product.id)
        .limit(bindparam("limit"))
        .subquery()
    )
    candidates = _name_candidates(dialect == "sqlite", long_words, short_words, norm)
    by_name = (
        select(
            *candidates.c,
            literal(1).label("part"),
            func.row_number().over(order_by=(candidates.c.name, candidates.c.id)).label("rank"),
        )
        .order_by(candidates.c.name, candidates.c.id)
        .limit(bindparam("limit"))
        .subquery()
    )
    both = union_all(select(*by_article.c), select(*by_name.c)).subquery()
    found: OfferSelect = select(*both.c)
    return with_offer_columns(found, both.c.id, with_price=with_price).order_by(
        both.c.part, both.c.rank, *OFFER_ORDER
    )


async def _run_name_search(
    session: AsyncSession, stmt: Executable, params: dict[str, object], sqlite: bool
) -> list[Any]:
    """Run a statement that searches by words: on PostgreSQL through the trigram index only."""
    if sqlite:
        return list(await session.execute(stmt, params))
    # The trigram index, never a table scan: the planner guesses the share of rows holding
    # several words as if the words were independent, and a scan for words that never meet
    # ("фильтр тормозные") reads the whole table.
    previous = await session.scalar(_SEQSCAN_OFF)
    try:
        return list(await session.execute(stmt, params))
    finally:
        await session.execute(_SEQSCAN_RESTORE, {"value": previous})


def _indexable(word: str) -> bool:
    """Whether the trigram indexes can look the word up: three characters, a letter or digit.

    pg_trgm takes trigrams from letters and digits only; a word of marks alone ("---") would
    make it read the whole index. Such words, and shorter ones, only filter the rows found.
    """
    return len(word) >= MIN_TRIGRAM and any(ch.isalnum() for ch in word)


def _fts_phrase(word: str) -> str:
    """An FTS5 string: the word in double quotes, inner quotes doubled (no query syntax)."""
    return '"' + word.replace('"', '""') + '"'


def _like_escape(word: str) -> str:
    """The word as a literal part of a PostgreSQL LIKE pattern (backslash is its escape)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _hits(rows: Sequence[_Found], offers: dict[int, Offer]) -> list[SearchHit]:
    hits = []
    for row in rows:
        pid, onec_id, article, name, unit, barcode = row[:6]
        offer = offers[pid]
        hits.append(
            SearchHit(
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
        )
    return hits
