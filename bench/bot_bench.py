"""Updates per second of a dealer's search through the whole bot, against a bare echo bot.

    python -m bench.bot_bench [--database-url URL] [--items 100000] [--updates 1000] [--rounds 3]
                              [--queries mixed|words|articles|forgiving|all] [--breakdown]
                              [--latency RATE [--latency-seconds 10]]

Both bots are the real aiogram Dispatcher polling the same fake Bot API (tests/bot/fake_api.py,
schema checks off) in the same run, in alternating rounds (echo, search, echo, search, ...) so
that both see the same load on a shared machine; the medians over the rounds are reported, and
the ratio is the median of the rounds' ratios. The full stack is: fake API -> aiogram -> middlewares
(session, user, locale, FSM with per-user isolation) -> core.catalog.search on PostgreSQL with
`--items` products (prices and stock in three warehouses) -> a rendered reply with buttons.
The echo bot answers each message with its text. Target: search rate >= 0.5 x echo rate.

`--latency RATE` then pushes messages at RATE a second (round robin over the dealers) for
`--latency-seconds` to each bot and prints the milliseconds from a push to its reply (p50,
p95, max): the figure a dealer feels, at a steady load rather than a burst.

`--breakdown` adds two bots to each round, so that where a search update's time goes is
measured rather than guessed: "menu" is the dealer bot answering the Catalog menu button with
its one-line prompt (middlewares, the person's lookup, routing, FSM and a short reply; no
search), and "search-from-memory" is the full search handler with the catalog's answers taken
from memory (each query's page fetched from PostgreSQL once before the rounds): everything but
the search statements. The per-update milliseconds of the four bots and their differences are
printed.

The database (BENCH_DATABASE_URL, else TEST_DATABASE_URL) is migrated to head; the catalog is
filled once with `bench-` items and reused by later runs. Nothing else in it is touched.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from aiogram import Bot, Dispatcher, Router
from aiogram.types import Message
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bot.handlers.catalog as catalog_handlers
from bot.factory import create_bot, create_dispatcher
from bot.i18n import DEFAULT_LOCALE, read_catalog
from core import migrate
from core.catalog.normalize import normalize_article, search_text
from core.catalog.search import SearchPage, search_products
from core.catalog.search.forms import other_layout
from core.db import create_engine, create_sessionmaker, is_sqlite
from core.models import (
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
from core.settings import Settings, get_settings
from tests.bot.fake_api import SCHEMA_FILE, FakeTelegram, Schema, TgUser

KINDS = [
    "Фильтр масляный",
    "Фильтр воздушный",
    "Фильтр салонный",
    "Колодки тормозные",
    "Диск тормозной",
    "Свеча зажигания",
    "Ремень ГРМ",
    "Ролик натяжной",
    "Амортизатор",
    "Стойка стабилизатора",
    "Подшипник ступицы",
    "Помпа",
    "Термостат",
    "Датчик ABS",
    "Щётка стеклоочистителя",
    "Лампа H7",
]
BRANDS = ["MANN", "BOSCH", "KNECHT", "FEBI", "SKF", "GATES", "NGK", "TRW", "LEMFORDER", "MAHLE"]
CARS = ["Lada Vesta", "Kia Rio", "Hyundai Solaris", "VW Polo", "Renault Logan", "Skoda Octavia"]
BENCH_TG_BASE = 880_000_000
CHUNK = 5000


def forgiving_query(query: str, n: int) -> str:
    """A words query as typed carelessly: the other layout, a letter dropped, or the brand in
    Cyrillic (in turn), so that the search corrects it."""
    noun, brand = query.rsplit(" ", 1)
    if n % 3 == 0:
        return f"{other_layout(noun)} {brand}"
    if n % 3 == 1:
        return f"{noun[:2]}{noun[3:]} {brand}"
    return f"{noun} {brand.translate(_TO_CYRILLIC)}"


_TO_CYRILLIC = str.maketrans(
    dict(zip("abcdefghiklmnopqrstuvwyz", "абкдефгхиклмнопкрстуввйз", strict=True))
    | {"j": "дж", "x": "кс"}
)


async def fill_catalog(sessionmaker: async_sessionmaker[AsyncSession], items: int) -> int:
    """Add `bench-` products up to `items`; returns how many there are."""
    async with sessionmaker() as s:
        pt = await s.scalar(select(PriceType).where(PriceType.onec_id == "bench-pt"))
        if pt is None:
            pt = PriceType(onec_id="bench-pt", name="Бенч дилерская")
            s.add(pt)
            s.add_all(Warehouse(onec_id=f"bench-wh-{i}", name=f"Склад {i}") for i in range(3))
            await s.commit()
        warehouses = list(
            await s.scalars(select(Warehouse.id).where(Warehouse.onec_id.like("bench-wh-%")))
        )
        have = (
            await s.scalar(select(func.count(Product.id)).where(Product.onec_id.like("bench-p-%")))
            or 0
        )
    rnd = random.Random(42)
    for start in range(have, items, CHUNK):
        stop = min(start + CHUNK, items)
        products, prices, stock = [], [], []
        for n in range(start, stop):
            article = f"{rnd.choice(BRANDS)[:2]}-{n:06d}"
            name = f"{rnd.choice(KINDS)} {rnd.choice(BRANDS)} {rnd.choice(CARS)}"
            products.append(
                {
                    "onec_id": f"bench-p-{n}",
                    "article": article,
                    "article_norm": normalize_article(article),
                    "name": name,
                    "search_text": search_text(article, name, f"46{n:011d}"),
                    "barcode": f"46{n:011d}",
                    "unit": "шт",
                    "unit_code": "796",
                    "properties": {},
                    "is_active": True,
                }
            )
        async with sessionmaker() as s:
            ids = list(await s.scalars(insert(Product).returning(Product.id), products))
            for pid in ids:
                prices.append(
                    {
                        "product_id": pid,
                        "price_type_id": pt.id,
                        "value": Decimal(rnd.randint(100, 90000)) / 10,
                        "currency": "RUB",
                    }
                )
                for wid in rnd.sample(warehouses, rnd.randint(0, 3)):
                    stock.append(
                        {
                            "product_id": pid,
                            "warehouse_id": wid,
                            "quantity": Decimal(rnd.randint(1, 500)),
                        }
                    )
            await s.execute(insert(Price), prices)
            if stock:
                await s.execute(insert(Stock), stock)
            await s.commit()
        print(f"  catalog: {stop}/{items}", flush=True)
    return max(have, items)


async def bench_dealer(sessionmaker: async_sessionmaker[AsyncSession], users: int) -> list[TgUser]:
    """A bench dealer on the bench price type with `users` bound people."""
    async with sessionmaker() as s:
        dealer = await s.scalar(select(Dealer).where(Dealer.onec_id == "bench-dealer"))
        if dealer is None:
            pt = await s.scalar(select(PriceType).where(PriceType.onec_id == "bench-pt"))
            assert pt is not None
            dealer = Dealer(
                name="ООО Бенч",
                inn="7700000000",
                onec_id="bench-dealer",
                price_type_id=pt.id,
                status=DealerStatus.ACTIVE,
            )
            s.add(dealer)
            await s.flush()
            s.add(LegalEntity(dealer_id=dealer.id, name="ООО Бенч", inn="7700000000"))
        known = set(await s.scalars(select(User.telegram_id).where(User.dealer_id == dealer.id)))
        for i in range(users):
            if BENCH_TG_BASE + i not in known:
                s.add(
                    User(
                        telegram_id=BENCH_TG_BASE + i,
                        dealer_id=dealer.id,
                        role=Role.DEALER,
                        full_name=f"Бенч {i}",
                    )
                )
        await s.commit()
    return [TgUser(id=BENCH_TG_BASE + i, username=f"bench{i}") for i in range(users)]


@dataclass
class Bench:
    """A bot measured in each round: its dispatcher, the text of the i-th message, and what is
    swapped in while it runs."""

    name: str
    dispatcher: Dispatcher
    texts: Callable[[int], str]
    patch: Callable[[], AbstractContextManager[None]] = nullcontext


def echo_dispatcher() -> Dispatcher:
    """The bare echo bot: one handler, no middlewares of ours."""
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


@asynccontextmanager
async def running(settings: Settings, bench: Bench) -> AsyncIterator[Bot]:
    """A fresh Bot for one measurement of `bench`, with its patch applied."""
    bot = create_bot(settings)
    try:
        with bench.patch():
            yield bot
    finally:
        await bot.session.close()


async def remembered_pages(
    sessionmaker: async_sessionmaker[AsyncSession], queries: list[str]
) -> dict[str, SearchPage]:
    """The first page of each query as the search handler asks for it, from the database."""
    async with sessionmaker() as s:
        pt = await s.scalar(select(PriceType.id).where(PriceType.onec_id == "bench-pt"))
        return {
            q: await search_products(
                s, q, price_type_id=pt, page=0, page_size=catalog_handlers.PAGE_SIZE
            )
            for q in queries
        }


@contextmanager
def search_from_memory(pages: dict[str, SearchPage]) -> Iterator[None]:
    """While open, the search handler's catalog query is answered from `pages`."""

    async def from_memory(_session: AsyncSession, query: str, **_kwargs: object) -> SearchPage:
        return pages[query]

    real = catalog_handlers.search_products
    catalog_handlers.search_products = from_memory  # type: ignore[assignment]
    try:
        yield
    finally:
        catalog_handlers.search_products = real


async def measure(
    fake: FakeTelegram,
    bot: Bot,
    dispatcher: Dispatcher,
    people: list[TgUser],
    texts: Callable[[int], str],
    updates: int,
    warmup: int,
) -> float:
    """Updates per second: `updates` messages pushed at once, until every reply was sent."""
    base = fake.counts.get("sendMessage", 0)
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, polling_timeout=5, handle_signals=False, close_bot_session=False
        )
    )
    push: Callable[[int], Awaitable[int]] = lambda i: fake.push(  # noqa: E731
        "message", fake.message(people[i % len(people)], text=texts(i))
    )
    for i in range(warmup):
        await push(i)
    await fake.wait_count("sendMessage", base + warmup)
    started = time.perf_counter()
    for i in range(updates):
        await push(warmup + i)
    await fake.wait_count("sendMessage", base + warmup + updates)
    elapsed = time.perf_counter() - started
    await dispatcher.stop_polling()
    await polling
    return updates / elapsed


async def latency(
    fake: FakeTelegram,
    bot: Bot,
    dispatcher: Dispatcher,
    people: list[TgUser],
    texts: Callable[[int], str],
    rate: float,
    seconds: float,
) -> dict[str, float]:
    """Milliseconds from pushing a message to the bot's reply, messages pushed at `rate` a
    second (round robin over the people) for `seconds`: p50, p95, max."""
    calls = len(fake.calls)
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, polling_timeout=5, handle_signals=False, close_bot_session=False
        )
    )
    pushed: dict[int, list[float]] = {}
    count = max(int(rate * seconds), 1)
    started = time.monotonic()
    for i in range(count):
        await asyncio.sleep(max(started + i / rate - time.monotonic(), 0))
        person = people[i % len(people)]
        pushed.setdefault(person.id, []).append(time.monotonic())
        await fake.push("message", fake.message(person, text=texts(i)))
    deadline = time.monotonic() + 60
    replies: dict[int, list[float]] = {}
    while time.monotonic() < deadline:
        replies = {}
        for call in fake.calls[calls:]:
            if call.method == "sendMessage" and call.chat_id is not None:
                replies.setdefault(call.chat_id, []).append(call.at)
        if sum(map(len, replies.values())) >= count:
            break
        await asyncio.sleep(0.05)
    await dispatcher.stop_polling()
    await polling
    waits = sorted(
        (reply - push) * 1000
        for chat, times in pushed.items()
        for push, reply in zip(times, replies.get(chat, []), strict=False)
    )
    if len(waits) < count:
        raise RuntimeError(f"{count - len(waits)} of {count} messages got no reply")
    return {
        "p50_ms": round(statistics.median(waits), 1),
        "p95_ms": round(waits[int(0.95 * (len(waits) - 1))], 1),
        "max_ms": round(waits[-1], 1),
    }


async def run(args: argparse.Namespace) -> dict[str, object]:
    url = (
        args.database_url
        or os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
    )
    if not url:
        raise SystemExit("set --database-url, BENCH_DATABASE_URL or TEST_DATABASE_URL (PostgreSQL)")
    if is_sqlite(url):
        print("warning: SQLite; the target is measured on PostgreSQL", flush=True)
    await migrate.upgrade(url)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    items = await fill_catalog(sessionmaker, args.items)
    people = await bench_dealer(sessionmaker, args.users)

    fake = FakeTelegram(Schema.load(SCHEMA_FILE), validate=False)
    await fake.start()
    settings = get_settings(
        _env_file=None,
        database_url=url,
        bot_token=fake.token,
        telegram_api_url=fake.url,
        redis_url=None,
    )
    rnd = random.Random(7)
    words = [
        f"{rnd.choice(KINDS).split()[0].lower()} {rnd.choice(BRANDS).lower()}" for _ in range(50)
    ]
    articles = [f"{rnd.choice(BRANDS)[:2]}-{rnd.randrange(args.items):06d}" for _ in range(50)]
    forgiving = [forgiving_query(words[n], n) for n in range(len(words))]
    queries = {
        "words": words,
        "articles": articles,
        "mixed": words + articles,
        "forgiving": forgiving,
        "all": words + articles + forgiving,
    }[args.queries]

    bots: list[Bench] = [
        Bench("echo", echo_dispatcher(), lambda i: f"echo {i}"),
        Bench(
            "search", create_dispatcher(settings, sessionmaker), lambda i: queries[i % len(queries)]
        ),
    ]
    if args.breakdown:
        pages = await remembered_pages(sessionmaker, queries)
        catalog_button = read_catalog(DEFAULT_LOCALE)["menu.catalog"]
        bots[1:1] = [
            Bench("menu", create_dispatcher(settings, sessionmaker), lambda i: catalog_button),
            Bench(
                "search-from-memory",
                create_dispatcher(settings, sessionmaker),
                lambda i: queries[i % len(queries)],
                lambda: search_from_memory(pages),
            ),
        ]
    rounds: list[dict[str, float]] = []
    try:
        for number in range(1, args.rounds + 1):
            results: dict[str, float] = {}
            for bench in bots:
                async with running(settings, bench) as bot:
                    results[bench.name] = await measure(
                        fake, bot, bench.dispatcher, people, bench.texts, args.updates, args.warmup
                    )
            results["ratio"] = results["search"] / results["echo"]
            rounds.append(results)
            rates = ", ".join(f"{b.name} {results[b.name]:.1f}" for b in bots)
            print(f"  round {number}: {rates} updates/s; ratio {results['ratio']:.3f}", flush=True)
        waits: dict[str, dict[str, float]] = {}
        for bench in bots if args.latency else []:
            async with running(settings, bench) as bot:
                waits[bench.name] = await latency(
                    fake,
                    bot,
                    bench.dispatcher,
                    people,
                    bench.texts,
                    args.latency,
                    args.latency_seconds,
                )
            print(f"  latency at {args.latency:g}/s, {bench.name}: {waits[bench.name]}", flush=True)
    finally:
        await fake.close()
        await engine.dispose()
    ratio = statistics.median(r["ratio"] for r in rounds)
    summary: dict[str, object] = {
        "items": items,
        "updates": args.updates,
        "users": args.users,
        "queries": args.queries,
        "rounds": args.rounds,
        "echo_updates_per_s": round(statistics.median(r["echo"] for r in rounds), 1),
        "search_updates_per_s": round(statistics.median(r["search"] for r in rounds), 1),
        "ratio": round(ratio, 3),
        "ratio_min": round(min(r["ratio"] for r in rounds), 3),
        "ratio_max": round(max(r["ratio"] for r in rounds), 3),
        "target": 0.5,
        "meets_target": ratio >= 0.5,
        "database": url.split("@")[-1],
    }
    if args.breakdown:
        summary["breakdown"] = breakdown(rounds, [b.name for b in bots])
    if waits:
        summary["latency"] = {"updates_per_s": args.latency, **waits}
    return summary


def breakdown(rounds: list[dict[str, float]], names: list[str]) -> dict[str, float]:
    """Median milliseconds per update of each bot, what each step from one to the next adds
    (our stack over bare aiogram; the search handler, its rendering and its reply with buttons
    over the menu's one line; the search statements), and the menu bot's rate over echo's."""
    ms = {name: statistics.median(1000 / r[name] for r in rounds) for name in names}
    steps = {
        "stack_over_echo": ms["menu"] - ms["echo"],
        "search_handler_over_menu": ms["search-from-memory"] - ms["menu"],
        "search_statements": ms["search"] - ms["search-from-memory"],
    }
    return {
        **{f"{k}_ms": round(v, 3) for k, v in ms.items()},
        **{f"{k}_ms": round(v, 3) for k, v in steps.items()},
        "menu_ratio": round(statistics.median(r["menu"] / r["echo"] for r in rounds), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="alternating echo/search rounds")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--queries", choices=["mixed", "words", "articles", "forgiving", "all"], default="mixed"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0,
        metavar="RATE",
        help="after the rounds, push messages at RATE a second and report reply latency",
    )
    parser.add_argument("--latency-seconds", type=float, default=10)
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also measure the dealer bot's menu button and the search answered from memory",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False))


if __name__ == "__main__":
    main()
