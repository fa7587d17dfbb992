"""Where search candidates come from: the SQL of each tier, and the hook for more sources.

Tiers, best first (`ranking.TIERS`): exact normalised article, exact barcode (a variant is found
by its own barcode or its product's), article prefix, words of the name. Every source shows
variants instead of a product that has active variants (`_shown`), and says whether the item
has a price of the dealer's price type (`has_price`), so priceless items can sort last.

PostgreSQL answers the words through the pg_trgm GIN index (`LIKE '%word%'`), SQLite through the
FTS5 trigram table `products_fts`. A word shorter than three characters has no trigram: it only
filters the rows the longer words found.

More sources (cross numbers, ...) register with `register_source`: each gives product ids for
a query; `rows_for_ids` turns them into rows of the same shape, variants and all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    Label,
    Select,
    and_,
    bindparam,
    column,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.models import Price, Product

MIN_PREFIX = 2  # a one-character article is matched exactly, not as a prefix
MIN_TRIGRAM = 3
NAME_CANDIDATES = 1051  # article-prefix rows handed over to be sorted (every reachable page)
# Rows the words index hands over to be sorted: a broad word ("фильтр") matches a fifth of the
# catalog; 60 pages of the bot are enough, and each candidate costs a price and variant probe.
WORD_CANDIDATES = 300

TIER_EXACT_ARTICLE = 0
TIER_BARCODE = 10
TIER_CROSSES = 20  # items of the query's cross-number groups (core.catalog.crosses)
TIER_PREFIX = 30
TIER_WORDS = 40

_fts = table("products_fts", column("rowid"), column("search_text"))
_COLUMNS = (
    Product.id,
    Product.onec_id,
    Product.article,
    Product.name,
    Product.unit,
    Product.barcode,
)


@dataclass(frozen=True)
class Query:
    """A query as the sources read it."""

    text: str  # what is searched, as shown to the dealer when it was corrected
    norms: tuple[str, ...]  # normalised article forms; the first one is also a prefix
    barcode: str | None  # 8-14 digits, spaces removed
    words: tuple[str, ...]  # name words, as typed (normalised)
    search_words: tuple[str, ...]  # the words as looked up: Russian words by their stem
    letters: bool  # whether the query holds a letter (digits only are codes, not words)


@dataclass(frozen=True)
class Candidate:
    """A found row: the item's columns, whether it has a price for the dealer, its tier."""

    row: tuple[Any, ...]  # id, onec_id, article, name, unit, barcode
    has_price: bool
    tier: int


# A further source: (session, query, limit) -> ids of active items, best first.
Source = Callable[[AsyncSession, Query, int], Awaitable[Sequence[int]]]
SOURCES: list[tuple[int, Source]] = []


def register_source(tier: int, source: Source) -> None:
    """Add a candidate source whose ids rank at `tier` (between the built-in tiers' numbers).

    THE place to plug cross numbers in: e.g. `register_source(20, cross_ids)` puts items found
    by a cross number after exact articles and barcodes, before article prefixes.
    """
    SOURCES.append((tier, source))


_STATEMENTS: dict[tuple[object, ...], Executable] = {}


def _statement(key: tuple[object, ...], build: Callable[[], Executable]) -> Executable:
    """Statements built once per shape: building one costs more than running it."""
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = build()
    return stmt


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _shown() -> list[ColumnElement[bool]]:
    """Active, and not a product shown as its variants (one with an active variant)."""
    variant = aliased(Product)
    return [
        Product.is_active.is_(True),
        ~exists().where(variant.parent_id == Product.id, variant.is_active.is_(True)),
    ]


def _has_price() -> Label[bool]:
    return (
        exists()
        .where(Price.product_id == Product.id, Price.price_type_id == bindparam("price_type_id"))
        .label("has_price")
    )


def _tiered(tier: int) -> Label[int]:
    return literal(tier).label("tier")


def _article_condition(sqlite: bool) -> ColumnElement[bool]:
    """Articles starting with the normalised query (bound by `_prefix_params`).

    On PostgreSQL the prefix is also a range of the index's operator class: a prepared
    statement's generic plan cannot derive the range from `LIKE $1`.
    """
    like = Product.article_norm.like(bindparam("prefix"))
    if sqlite:
        return like
    return and_(
        Product.article_norm.op("~>=~")(bindparam("prefix_from")),
        Product.article_norm.op("~<~")(bindparam("prefix_to")),
        like,
    )


def _prefix_params(norm: str) -> dict[str, str]:
    # normalised articles hold letters and digits only: no LIKE escaping needed
    return {"prefix": norm + "%", "prefix_from": norm, "prefix_to": norm + "\U0010ffff"}


def _article_order(sqlite: bool) -> ColumnElement[Any]:
    """The prefix index's order, so a short prefix reads only one page of it."""
    if sqlite:
        return Product.article_norm.collate("NOCASE")
    return literal_column("products.article_norm USING ~<~")


def _codes_query(sqlite: bool, prefix: bool, barcode: bool) -> Executable:
    """Exact articles, exact barcodes (and their variants) and article prefixes, one statement."""
    parts: list[Select[*tuple[Any, ...]]] = [
        select(*_COLUMNS, _has_price(), _tiered(TIER_EXACT_ARTICLE))
        .where(Product.article_norm.in_(bindparam("norms", expanding=True)), *_shown())
        .limit(bindparam("limit"))
    ]
    if barcode:
        # Two index look-ups (the item's own barcode; the variants of the product that has it):
        # an OR of both would read the whole table.
        parent = aliased(Product)
        with_code = select(parent.id).where(parent.barcode == bindparam("barcode"))
        for condition in (
            Product.barcode == bindparam("barcode"),
            Product.parent_id.in_(with_code.scalar_subquery()),
        ):
            parts.append(
                select(*_COLUMNS, _has_price(), _tiered(TIER_BARCODE))
                .where(condition, *_shown())
                .limit(bindparam("limit"))
            )
    if prefix:
        parts.append(
            select(*_COLUMNS, _has_price(), _tiered(TIER_PREFIX))
            .where(_article_condition(sqlite), *_shown())
            .order_by(_article_order(sqlite), Product.id)
            .limit(NAME_CANDIDATES)
        )
    subs = [part.subquery() for part in parts]
    both = union_all(*(select(*sub.c) for sub in subs)).subquery()
    return select(*both.c).order_by(both.c.tier, both.c.has_price.desc(), both.c.article, both.c.id)


async def by_codes(
    session: AsyncSession, query: Query, limit: int, price_type_id: int | None
) -> list[Candidate]:
    """Exact article, barcode and article prefix candidates, each tier at most `limit` rows."""
    norms = [n for n in query.norms if n]
    if not norms and not query.barcode:
        return []
    sqlite = _dialect(session) == "sqlite"
    prefix = bool(norms) and len(norms[0]) >= MIN_PREFIX
    stmt = _statement(
        ("codes", sqlite, prefix, query.barcode is not None),
        lambda: _codes_query(sqlite, prefix, query.barcode is not None),
    )
    params: dict[str, object] = {
        "norms": norms or [""],
        "limit": limit,
        "price_type_id": price_type_id,
        "barcode": query.barcode,
    }
    if prefix:
        params.update(_prefix_params(norms[0]))
    rows = await session.execute(stmt, params)
    by_tier: dict[int, list[Candidate]] = {}
    for row in rows:
        found = by_tier.setdefault(row.tier, [])
        if len(found) < limit:
            found.append(Candidate(tuple(row[:6]), bool(row.has_price), row.tier))
    return [c for tier in sorted(by_tier) for c in by_tier[tier]]


def _words_query(sqlite: bool, long_words: int, short_words: int) -> Executable:
    """Items holding every word: the first WORD_CANDIDATES by the index, then priced first and
    by name. Only those candidates are probed for a price and for variants."""
    found = select(Product.id).where(Product.is_active.is_(True))
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
    candidates = found.limit(WORD_CANDIDATES).subquery()
    has_price = _has_price()
    return (
        select(*_COLUMNS, has_price)
        .join(candidates, candidates.c.id == Product.id)
        .where(*_shown())
        .order_by(has_price.desc(), Product.name, Product.id)
        .limit(bindparam("limit"))
    )


_SEQSCAN_OFF = text(
    "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
)
_SEQSCAN_RESTORE = text("SELECT set_config('enable_seqscan', :value, true)")


async def by_words(
    session: AsyncSession, query: Query, limit: int, price_type_id: int | None
) -> list[Candidate]:
    """Items whose search text holds every word (Russian words by their stem)."""
    words = list(query.search_words)
    long_words = [w for w in words if indexable(w)]
    if not long_words or limit <= 0:
        return []
    short_words = [w for w in words if not indexable(w)]
    sqlite = _dialect(session) == "sqlite"
    stmt = _statement(
        ("words", sqlite, len(long_words), len(short_words)),
        lambda: _words_query(sqlite, len(long_words), len(short_words)),
    )
    params: dict[str, object] = {"limit": limit, "price_type_id": price_type_id}
    if sqlite:
        params["fts"] = " ".join(_fts_phrase(w) for w in long_words)
    else:
        params.update((f"w{i}", f"%{_like_escape(w)}%") for i, w in enumerate(long_words))
    params.update((f"s{i}", w) for i, w in enumerate(short_words))
    if sqlite:
        rows = list(await session.execute(stmt, params))
    else:
        # The trigram index, never a table scan: the planner guesses the share of rows holding
        # several words as if they were independent, and a scan for words that never meet
        # reads the whole table.
        previous = await session.scalar(_SEQSCAN_OFF)
        try:
            rows = list(await session.execute(stmt, params))
        finally:
            await session.execute(_SEQSCAN_RESTORE, {"value": previous})
    return [Candidate(tuple(row[:6]), bool(row.has_price), TIER_WORDS) for row in rows]


def _ids_query() -> Executable:
    ids = bindparam("ids", type_=Integer, expanding=True)
    return select(*_COLUMNS, _has_price(), Product.parent_id).where(
        or_(Product.id.in_(ids), Product.parent_id.in_(ids)), *_shown()
    )


async def rows_for_ids(
    session: AsyncSession, ids: Sequence[int], tier: int, price_type_id: int | None
) -> list[Candidate]:
    """Candidates of `tier` for item ids a further source found, in its order; a product with
    variants comes as its variants."""
    if not ids:
        return []
    stmt = _statement(("ids",), _ids_query)
    rows = await session.execute(stmt, {"ids": list(ids), "price_type_id": price_type_id})
    order = {pid: n for n, pid in enumerate(ids)}
    found = sorted(
        rows, key=lambda row: (order.get(row.id, order.get(row.parent_id, len(order))), row.id)
    )
    return [Candidate(tuple(row[:6]), bool(row.has_price), tier) for row in found]


def indexable(word: str) -> bool:
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
