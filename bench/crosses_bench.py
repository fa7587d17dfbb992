"""Cross numbers: CSV import time, and the cost crosses add to search (p50/p95).

    python -m bench.crosses_bench [--items 100000] [--database-url URL ...] [--queries 300]

The database (default: the SQLite file var/bench/crosses.sqlite3; pass a PostgreSQL URL with
--database-url) is migrated to head and filled once with `--items` generated items (dealerbot.
fakedata) with a price and stock. A CSV links half of them to OEM numbers, three or four items
per number, and chains one group in twenty to the next (merges). Measured: the import of that
file (parse, check, link, commit), and, one session per query as the bot does,
`cross_group_item_ids` for an OEM number and for an article that is no cross number (the hook's
cost on every search), `search_products` for an OEM number, and `analogs_of` for a page of five.
The catalog's tables are analyzed first on PostgreSQL; `cross_numbers` is not: the import
refreshes its statistics itself, and the figures show that it does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import migrate  # noqa: E402
from core.catalog.crosses import analogs_of, cross_group_item_ids  # noqa: E402
from core.catalog.crosses_csv import import_crosses  # noqa: E402
from core.catalog.normalize import normalize_article, search_text  # noqa: E402
from core.catalog.search import search_products  # noqa: E402
from core.db import create_engine, create_sessionmaker, is_sqlite  # noqa: E402
from core.models import CrossGroup, CrossNumber, Price, PriceType, Product, Stock, Warehouse  # noqa: E402
from dealerbot.fakedata import iter_products, price_for, stock_for  # noqa: E402

DEFAULT_SQLITE = f"sqlite+aiosqlite:///{ROOT / 'var' / 'bench' / 'crosses.sqlite3'}"
PREFIX = "xbench:"
CHUNK = 5000
SEED = 11


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def fill(sessionmaker: async_sessionmaker[AsyncSession], items: int) -> tuple[int, list[str]]:
    """The items (refilled unless exactly `items` are there); the price type id and articles."""
    products = list(iter_products(items, seed=SEED))
    async with sessionmaker() as s:
        have = await s.scalar(
            select(func.count()).select_from(Product).where(Product.onec_id.like(f"{PREFIX}%"))
        )
        pt_id = await s.scalar(select(PriceType.id).where(PriceType.onec_id == f"{PREFIX}pt"))
        if have != items or pt_id is None:
            print(f"  filling {items} items", flush=True)
            for model in (Product, PriceType, Warehouse):
                await s.execute(delete(model).where(model.onec_id.like(f"{PREFIX}%")))
            pt = PriceType(onec_id=f"{PREFIX}pt", name="Кросс-бенч дилерская")
            wh = Warehouse(onec_id=f"{PREFIX}wh", name="Кросс-бенч склад")
            s.add_all([pt, wh])
            await s.flush()
            pt_id = pt.id
            for start in range(0, items, CHUNK):
                chunk = products[start : start + CHUNK]
                rows = [
                    {
                        "onec_id": PREFIX + p.onec_id,
                        "article": p.article,
                        "article_norm": normalize_article(p.article),
                        "name": p.name,
                        "search_text": search_text(p.article, p.name, p.barcode),
                        "unit": p.unit,
                        "barcode": p.barcode,
                        "properties": {},
                        "is_active": True,
                    }
                    for p in chunk
                ]
                ids = list(await s.scalars(insert(Product).returning(Product.id), rows))
                await s.execute(
                    insert(Price),
                    [
                        {"product_id": i, "price_type_id": pt.id, "value": price_for(p, 2)}
                        for i, p in zip(ids, chunk, strict=True)
                    ],
                )
                stock = [
                    {"product_id": i, "warehouse_id": wh.id, "quantity": stock_for(p, 0)}
                    for i, p in zip(ids, chunk, strict=True)
                ]
                await s.execute(insert(Stock), stock)
            await s.commit()
    return pt_id, [p.article for p in products]


def cross_file(articles: list[str]) -> tuple[bytes, list[str]]:
    """The CSV and its OEM numbers: half the items, 3-4 items per OEM number, some chained."""
    rng = random.Random(SEED)
    linked = articles[: len(articles) // 2]
    lines = ["article;brand;cross_article;cross_brand"]
    oems: list[str] = []
    i = 0
    while i < len(linked):
        size = rng.choice((3, 4))
        oem = f"{rng.randrange(10**4):04d}.{rng.choice('ABCDEFGH')}{rng.randrange(10**4):04d}"
        oems.append(oem)
        lines += [f"{a};;{oem};OEM" for a in linked[i : i + size]]
        if len(oems) > 1 and len(oems) % 20 == 0:
            lines.append(f"{oems[-2]};OEM;{oem};OEM")  # a merge of two groups
        i += size
    return ("\n".join(lines) + "\n").encode("cp1251"), oems


async def timed(
    sessionmaker: async_sessionmaker[AsyncSession], inputs: list[object], work: object
) -> dict[str, float]:
    """p50/p95/max in ms of `work(session, input)` over inputs, after a warm-up."""
    call = work  # type: ignore[assignment]

    async def once(value: object) -> float:
        async with sessionmaker() as s:
            started = time.perf_counter()
            await call(s, value)  # type: ignore[operator]
            return (time.perf_counter() - started) * 1000

    for value in inputs[:20]:
        await once(value)
    times = [await once(value) for value in inputs]
    return {
        "n": len(times),
        "p50_ms": round(percentile(times, 0.5), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
    }


async def bench(url: str, items: int, queries: int) -> dict[str, object]:
    name = "sqlite" if is_sqlite(url) else "postgresql"
    print(f"{name}: {make_url(url).render_as_string(hide_password=True)}", flush=True)
    await migrate.upgrade(url)
    engine = create_engine(url)
    try:
        sessionmaker = create_sessionmaker(engine)
        pt_id, articles = await fill(sessionmaker, items)
        data, oems = cross_file(articles)
        if name == "postgresql":  # the catalog as autovacuum leaves it (the crosses: see below)
            async with engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("ANALYZE products, prices, stock"))
        async with sessionmaker() as s:
            await s.execute(delete(CrossNumber))
            await s.execute(delete(CrossGroup))
            await s.commit()
        async with sessionmaker() as s:
            started = time.perf_counter()
            report = await import_crosses(s, data)
            await s.commit()
            seconds = time.perf_counter() - started
        assert report.imported, report.summary()
        lines = report.lines
        print(f"  import {lines} lines: {seconds:.2f} s ({report.summary()})", flush=True)
        rng = random.Random(SEED * 7)
        oem_queries = [rng.choice(oems).lower().replace(".", " ") for _ in range(queries)]
        plain = [rng.choice(articles[len(articles) // 2 :]) for _ in range(queries)]
        async with sessionmaker() as s:
            pages = []
            for q in plain[: queries // 5]:
                ids = list(
                    await s.scalars(
                        select(Product.id)
                        .where(Product.article_norm >= normalize_article(q))
                        .order_by(Product.article_norm)
                        .limit(5)
                    )
                )
                pages.append(ids)
        result: dict[str, object] = {
            "database": name,
            "items": items,
            "import_lines": lines,
            "import_seconds": round(seconds, 2),
            "hook_cross_number": await timed(sessionmaker, oem_queries, cross_group_item_ids),
            "hook_no_cross": await timed(sessionmaker, plain, cross_group_item_ids),
            "search_cross_number": await timed(
                sessionmaker,
                oem_queries,
                lambda s, q: search_products(s, q, price_type_id=pt_id),
            ),
            "analogs_page_of_5": await timed(
                sessionmaker, pages, lambda s, ids: analogs_of(s, ids, pt_id)
            ),
        }
        for key, value in result.items():
            if isinstance(value, dict):
                print(
                    f"  {key:<20} p50 {value['p50_ms']:6.2f} ms  p95 {value['p95_ms']:6.2f} ms",
                    flush=True,
                )
        return result
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", action="append")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    async def run() -> list[dict[str, object]]:
        return [
            await bench(url, args.items, args.queries)
            for url in args.database_url or [DEFAULT_SQLITE]
        ]

    print(json.dumps({"results": asyncio.run(run())}))


if __name__ == "__main__":
    main()
