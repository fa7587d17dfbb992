"""Catalog search latency (p50/p95) by kind of query, on PostgreSQL and on SQLite.

    python -m bench.search_bench [--items 100000] [--database-url URL ...] [--queries 200]

Each database (default: PostgreSQL at BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
postgresql+asyncpg://postgres@127.0.0.1:5432/dealerbot_bench, created if missing; and the SQLite
file var/bench/search.sqlite3) is migrated to head with core.migrate.upgrade and filled once with
`--items` generated auto-parts items (dealerbot.fakedata), 3 price types and 5 warehouses, by
bulk inserts; later runs reuse the catalog. Then `--queries` queries of each kind go through
core.catalog.search.search_products (the dealer's price and stock by warehouse included), one
session per query as the bot does. Kinds: barcode, article, name (words), and the forgiving
ones: word forms ("фильтры масляные" for "Фильтр масляный"), typos (a letter dropped, swapped
or wrong), the Russian words typed in the Latin layout (layout_ru_en), the article typed in the
Russian layout (layout_en_ru), the brand written in Cyrillic (translit_brand). Target: p95 <= 8 ms
for every kind (on PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import migrate  # noqa: E402
from core.catalog.normalize import normalize_article, search_text  # noqa: E402
from core.catalog.search import search_products  # noqa: E402
from core.catalog.search.forms import has_cyrillic, other_layout  # noqa: E402
from core.catalog.search.vocabulary import warm  # noqa: E402
from core.db import create_engine, create_sessionmaker, is_sqlite  # noqa: E402
from core.models import Price, PriceType, Product, Stock, Warehouse  # noqa: E402
from dealerbot.fakedata import FakeProduct, iter_products, price_for, stock_for  # noqa: E402

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/dealerbot_bench"
DEFAULT_SQLITE = f"sqlite+aiosqlite:///{ROOT / 'var' / 'bench' / 'search.sqlite3'}"
TARGET_MS = 8.0
PREFIX = "bench:"  # onec_id prefix of everything the bench adds
PRICE_TYPES = ("Бенч розничная", "Бенч оптовая", "Бенч дилерская")
WAREHOUSES = 5
CHUNK = 5000
SEED = 7
KINDS = (
    "barcode",
    "article",
    "name",
    "word_forms",
    "typos",
    "layout_ru_en",
    "layout_en_ru",
    "translit_brand",
)
LOOKALIKE = str.maketrans("ABCEHKMOPTX", "АВСЕНКМОРТХ")


async def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database of `url` if it does not exist."""
    parsed = make_url(url)
    engine = create_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database},
            )
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
                print(f"  created database {parsed.database}", flush=True)
    finally:
        await engine.dispose()


async def fill_catalog(sessionmaker: async_sessionmaker[AsyncSession], items: int) -> int:
    """Bench items, price types and warehouses; refilled unless exactly `items` are there.

    Returns the id of the dealer price type the queries use.
    """
    async with sessionmaker() as s:
        have = await s.scalar(
            select(func.count()).select_from(Product).where(Product.onec_id.like(f"{PREFIX}%"))
        )
        types = await s.scalar(
            select(func.count()).select_from(PriceType).where(PriceType.onec_id.like(f"{PREFIX}%"))
        )
        if have != items or types != len(PRICE_TYPES):
            print(f"  filling {items} items (found {have})", flush=True)
            for model in (Product, PriceType, Warehouse):
                await s.execute(delete(model).where(model.onec_id.like(f"{PREFIX}%")))
            await s.commit()
            await _insert_catalog(s, items)
        dealer_type = await s.scalar(
            select(PriceType.id).where(PriceType.onec_id == f"{PREFIX}pt-{len(PRICE_TYPES) - 1}")
        )
    assert dealer_type is not None
    return dealer_type


async def _insert_catalog(s: AsyncSession, items: int) -> None:
    price_types = [
        PriceType(onec_id=f"{PREFIX}pt-{i}", name=name) for i, name in enumerate(PRICE_TYPES)
    ]
    warehouses = [
        Warehouse(onec_id=f"{PREFIX}wh-{i}", name=f"Бенч склад {i + 1}") for i in range(WAREHOUSES)
    ]
    s.add_all([*price_types, *warehouses])
    await s.flush()
    started = time.perf_counter()
    products = iter_products(items, seed=SEED)
    done = 0
    while done < items:
        chunk = [p for _, p in zip(range(CHUNK), products, strict=False)]
        rows = [
            {
                "onec_id": PREFIX + p.onec_id,
                "article": p.article,
                "article_norm": normalize_article(p.article),
                "name": p.name,
                "search_text": search_text(p.article, p.name, p.barcode),
                "unit": p.unit,
                "unit_code": p.unit_code,
                "barcode": p.barcode,
                "properties": {"manufacturer": p.brand},
                # One item in fifty is no longer sold: search must skip it.
                "is_active": (done + n) % 50 != 49,
            }
            for n, p in enumerate(chunk)
        ]
        ids = list(await s.scalars(insert(Product).returning(Product.id), rows))
        prices, stock = [], []
        for pid, p in zip(ids, chunk, strict=True):
            for i, pt in enumerate(price_types):
                if i == 0 or _stable(p, 10):  # a few items lack the wholesale/dealer price
                    prices.append(
                        {"product_id": pid, "price_type_id": pt.id, "value": price_for(p, i)}
                    )
            for i, wh in enumerate(warehouses):
                quantity = stock_for(p, i)
                if quantity:
                    stock.append({"product_id": pid, "warehouse_id": wh.id, "quantity": quantity})
        await s.execute(insert(Price), prices)
        await s.execute(insert(Stock), stock)
        await s.commit()
        done += len(chunk)
        print(f"  {done}/{items} items, {time.perf_counter() - started:.0f} s", flush=True)


def _stable(product: FakeProduct, one_in: int) -> bool:
    """False for about one item in `one_in`, the same item every run."""
    return zlib.crc32(product.onec_id.encode()) % one_in != 0


def queries(items: int, count: int) -> dict[str, list[str]]:
    """Realistic queries of each kind, the same for every run and database."""
    rng = random.Random(SEED * 31)
    sample = _sample(items, count * 3, rng)
    barcodes = [p.barcode for p in sample[:count]]
    for i in range(0, count, 10):  # one in ten: a barcode not in the catalog
        barcodes[i] = f"99{rng.randrange(10**11):011d}"
    lettered = [p for p in sample if any(ch.isalpha() and ch.isascii() for ch in p.article)]
    latin_brands = [p for p in sample if not has_cyrillic(p.brand) and p.brand.isalpha()]
    return {
        "barcode": barcodes,
        "article": [_article_query(p, rng) for p in sample[count : 2 * count]],
        "name": [_name_query(p, rng) for p in sample[2 * count :]],
        "word_forms": [_form_query(p) for p in sample[:count]],
        "typos": [_typo_query(p, rng) for p in sample[count : 2 * count]],
        "layout_ru_en": [
            " ".join([*map(other_layout, _noun(p)), p.brand.lower()]) for p in sample[2 * count :]
        ],
        "layout_en_ru": [other_layout(p.article) for p in lettered[:count]],
        "translit_brand": [" ".join([*_noun(p), _cyrillic(p.brand)]) for p in latin_brands[:count]],
    }


_TO_CYRILLIC = str.maketrans(
    dict(zip("abcdefghiklmnopqrstuvwyz", "абкдефгхиклмнопкрстуввйз", strict=True))
    | {"j": "дж", "x": "кс"}
)
_ENDINGS = (("ый", "ые"), ("ий", "ие"), ("ая", "ие"), ("ки", "ка"), ("ча", "чи"), ("ь", "и"))


def _noun(p: FakeProduct) -> list[str]:
    """The first words of the name, before the brand: what the part is."""
    words = p.name.split(p.brand, 1)[0].lower().split()
    return words[:2] or p.name.lower().split()[:1]


def _cyrillic(brand: str) -> str:
    """The brand as a Russian speaker might write it ("гатес" for GATES)."""
    return brand.lower().translate(_TO_CYRILLIC)


def _form_query(p: FakeProduct) -> str:
    """The part in another number or case ("фильтры масляные" for "Фильтр масляный")."""
    forms = []
    for word in _noun(p):
        for ending, other in _ENDINGS:
            if word.endswith(ending):
                word = word[: -len(ending)] + other
                break
        else:
            if word[-1:].isalpha() and word[-1] not in "аеёиоуыэюяй":
                word += "ы"
        forms.append(word)
    return " ".join([*forms, p.brand.lower()])


def _typo_query(p: FakeProduct, rng: random.Random) -> str:
    """The part with one letter dropped, swapped or wrong in its longest word, and the brand."""
    words = _noun(p)
    at_word = max(range(len(words)), key=lambda n: len(words[n]))
    word = words[at_word]
    if len(word) >= 5:
        at = rng.randrange(1, len(word) - 1)
        how = rng.randrange(3)
        if how == 0:
            word = word[:at] + word[at + 1 :]
        elif how == 1:
            word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
        else:
            word = word[:at] + rng.choice("аеиоуклмнпрст") + word[at + 1 :]
    words[at_word] = word
    return " ".join([*words, p.brand.lower()])


def _sample(items: int, count: int, rng: random.Random) -> list[FakeProduct]:
    wanted = set(rng.sample(range(items), count))
    picked = [p for i, p in enumerate(iter_products(items, seed=SEED)) if i in wanted]
    rng.shuffle(picked)
    return picked


def _article_query(p: FakeProduct, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return p.article  # copied from a price list
    if roll < 0.6:
        return p.article.lower().replace(" ", "")  # typed on a phone
    if roll < 0.7:
        return p.article.upper().translate(LOOKALIKE)  # Cyrillic layout
    if roll < 0.8:
        return p.article.replace(" ", "-").replace("/", ".")
    if roll < 0.92:
        norm = normalize_article(p.article)
        return norm[: max(3, len(norm) * 2 // 3)]  # the beginning of it
    return f"ZQ{rng.randrange(10**6):06d}"  # unknown


def _name_query(p: FakeProduct, rng: random.Random) -> str:
    noun = p.name.lower().split()
    words = noun[: rng.choice((1, 2, 2, 3))]
    roll = rng.random()
    if roll < 0.3:
        words.append(p.brand.lower())
    elif roll < 0.6:
        rest = p.name.split(p.article, 1)[-1].split()
        if rest:
            words.append(rng.choice(rest).lower())
    if rng.random() < 0.2:
        rng.shuffle(words)
    if rng.random() < 0.3:  # people type the beginnings of words
        words = [w[: max(4, len(w) - 2)] if len(w) > 5 else w for w in words]
    return " ".join(words)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the sorted values lie (nearest rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def measure(
    sessionmaker: async_sessionmaker[AsyncSession], price_type_id: int, texts: list[str]
) -> dict[str, float]:
    """Latency of search_products over `texts`, in milliseconds, after a warm-up pass."""

    async def once(query: str) -> tuple[float, int, bool]:
        async with sessionmaker() as s:
            started = time.perf_counter()
            page = await search_products(s, query, price_type_id=price_type_id)
            elapsed = (time.perf_counter() - started) * 1000
        return elapsed, len(page.items), page.corrected is not None

    async with sessionmaker() as s:
        await warm(s)  # the catalog's words, built once (a service builds it at first need)
    for query in texts[:20]:
        await once(query)
    times, found, corrected = [], [], []
    for query in texts:
        elapsed, hits, fixed = await once(query)
        times.append(elapsed)
        found.append(hits)
        corrected.append(fixed)
    return {
        "queries": len(texts),
        "p50_ms": round(percentile(times, 0.50), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
        "mean_hits": round(statistics.fmean(found), 1),
        "empty_share": round(sum(1 for n in found if n == 0) / len(found), 2),
        "corrected_share": round(sum(1 for c in corrected if c) / len(corrected), 2),
    }


async def bench_database(url: str, items: int, mix: dict[str, list[str]]) -> dict[str, object]:
    """Migrate, fill and measure one database."""
    name = "sqlite" if is_sqlite(url) else "postgresql"
    print(f"{name}: {make_url(url).render_as_string(hide_password=True)}", flush=True)
    if name == "postgresql":
        await ensure_postgres_database(url)
    await migrate.upgrade(url)
    engine = create_engine(url)
    try:
        sessionmaker = create_sessionmaker(engine)
        price_type_id = await fill_catalog(sessionmaker, items)
        if name == "postgresql":
            # The steady state autovacuum reaches: statistics, and the GIN pending list merged.
            async with engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE"))
        result: dict[str, object] = {"database": name, "items": items}
        for kind in KINDS:
            figures = await measure(sessionmaker, price_type_id, mix[kind])
            figures["meets_target"] = figures["p95_ms"] <= TARGET_MS
            result[kind] = figures
            print(
                f"  {kind:<14} p50 {figures['p50_ms']:6.2f} ms  p95 {figures['p95_ms']:6.2f} ms"
                f"  max {figures['max_ms']:6.2f} ms  hits/query {figures['mean_hits']:4.1f}"
                f"  empty {figures['empty_share']:.2f}  corrected {figures['corrected_share']:.2f}",
                flush=True,
            )
        return result
    finally:
        await engine.dispose()


def default_urls() -> list[str]:
    """PostgreSQL (BENCH_DATABASE_URL, TEST_DATABASE_URL or the local default) and SQLite."""
    postgres = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not postgres or is_sqlite(postgres):
        postgres = DEFAULT_POSTGRES
    return [postgres, DEFAULT_SQLITE]


def iter_results(results: list[dict[str, object]]) -> Iterator[bool]:
    for result in results:
        for kind in KINDS:
            figures = result[kind]
            assert isinstance(figures, dict)
            yield bool(figures["meets_target"])


async def run(args: argparse.Namespace) -> list[dict[str, object]]:
    mix = queries(args.items, args.queries)
    return [
        await bench_database(url, args.items, mix) for url in args.database_url or default_urls()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url", action="append", help="repeat for several; default PostgreSQL + SQLite"
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    ok = all(iter_results(results))
    print(json.dumps({"target_p95_ms": TARGET_MS, "meets_target": ok, "results": results}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
