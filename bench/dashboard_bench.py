"""Rollout dashboard benchmark: `python -m bench.dashboard_bench [--orders 1000000] [--runs 5]`.

Fills a PostgreSQL database (--database-url, else BENCH_DATABASE_URL, else
postgresql+asyncpg://postgres@127.0.0.1:5432/dealerbot_dashboard_bench; created if missing,
migrated to head) with two years of history generated inside the database by INSERT ... SELECT
over generate_series: 2,000 dealers in three waves (10 % pilot, 40 % + 40 % later, 10 % not
onboarded), 40 managers, --orders orders (bot after the dealer's onboarding 80 % of the time,
1C-only otherwise), 1-9 lines each, status events, a claim on one order in 33 (a third of them
wrong items), satisfaction answers on one completed bot order in 10, and two NPS answers per
pilot dealer. A later run reuses the data when the order count matches.

Then times `core.metrics.rollout_dashboard` (every metric: current window, baseline period and
the checkpoints due) with no filter and with a wave, a manager and a dealer filter, --runs times
each after one warm-up, computing everything ("cold") and with a `WindowCache` holding the closed
windows (baseline, checkpoints) so that only the current window is computed; the same for what
the admin's dashboard page computes (the metrics and the 12-month chart, no filter; the pages and
the API share one cache per process); then the rules one by one for the unfiltered current
window. Prints the figures and a JSON summary; exits 1 when
the unfiltered cold median is above --target seconds (1.0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from core import migrate
from core.db import create_engine, create_sessionmaker
from core.metrics import MetricFilters, Period, RolloutConfig, WindowCache, rollout_dashboard
from core.metrics.compute import RULES
from core.metrics.rollout import metric_series

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/dealerbot_dashboard_bench"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAYS = 730
DEALERS = 2000
MANAGERS = 40
ZONE = ZoneInfo("Europe/Moscow")


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _ensure_database(url: str) -> None:
    base, name = _plain(url).rsplit("/", 1)
    conn = await asyncpg.connect(base + "/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


# Every statement runs inside the database; $1 = now, $2 = the number of orders.
FILL = [
    (
        "waves",
        """
        INSERT INTO pilot_waves (id, name, starts_on, criteria, thanks_text, created_at)
        VALUES (1, 'bench pilot', ($1::timestamptz - interval '450 days')::date, '', '', $1),
               (2, 'bench wave 2', ($1::timestamptz - interval '270 days')::date, '', '', $1),
               (3, 'bench wave 3', ($1::timestamptz - interval '120 days')::date, '', '', $1)
        """,
    ),
    (
        "managers",
        f"""
        INSERT INTO users (id, role, full_name, language, is_active, created_at)
        SELECT g, 'manager', 'Manager ' || g, 'ru', true, $1 - interval '800 days'
        FROM generate_series(1, {MANAGERS}) g
        """,
    ),
    (
        "dealers",
        f"""
        INSERT INTO dealers (id, name, city, region, manager_id, wave_id, status, features, tags,
                             onboarded_at, created_at)
        SELECT g, 'Dealer ' || g, '', '', 1 + g % {MANAGERS}, w, 'active', '{{}}', '{{}}',
               CASE WHEN w IS NULL THEN NULL
                    ELSE (SELECT starts_on FROM pilot_waves WHERE id = w)
                         + (g % 40) * interval '1 day' + interval '10 hours' END,
               $1 - interval '800 days'
        FROM (SELECT g, CASE g % 10 WHEN 0 THEN 1 WHEN 1 THEN 2 WHEN 2 THEN 2 WHEN 3 THEN 2
                                    WHEN 4 THEN 2 WHEN 9 THEN NULL ELSE 3 END AS w
              FROM generate_series(1, {DEALERS}) g) s
        """,
    ),
    (
        "dealer users",
        f"""
        INSERT INTO users (id, role, dealer_id, full_name, language, is_active, created_at)
        SELECT {MANAGERS} + g, 'dealer', g, 'Buyer ' || g, 'ru', true, $1 - interval '800 days'
        FROM generate_series(1, {DEALERS}) g
        """,
    ),
    (
        "orders",
        f"""
        INSERT INTO orders (number, dealer_id, author_id, status, source, placed_at,
                            is_after_hours, confirmed_at, comment, currency, total, sync_state,
                            is_paid, updated_at)
        SELECT 'B' || s.g, s.dealer, CASE WHEN s.bot THEN {MANAGERS} + s.dealer END,
               s.status, CASE WHEN s.bot THEN 'bot' ELSE '1c' END, s.placed,
               extract(isodow FROM s.placed AT TIME ZONE 'Europe/Moscow') > 5
                 OR extract(hour FROM s.placed AT TIME ZONE 'Europe/Moscow') NOT BETWEEN 9 AND 17,
               CASE WHEN s.status NOT IN ('new', 'rejected')
                    THEN s.placed + (5 + s.r3 * 600) * interval '1 minute' END,
               '', 'RUB', round((500 + s.r4 * 100000)::numeric, 2),
               CASE WHEN s.bot THEN 'acknowledged' ELSE 'n/a' END, s.status = 'completed',
               s.placed
        FROM (
            SELECT raw.*,
                   d.onboarded_at IS NOT NULL AND raw.placed > d.onboarded_at
                     AND raw.r1 < 0.8 AS bot,
                   CASE WHEN raw.r2 < 0.03 THEN 'rejected' WHEN raw.r2 < 0.08 THEN 'cancelled'
                        WHEN raw.placed > $1 - interval '3 days' THEN 'new'
                        ELSE 'completed' END AS status
            FROM (
                SELECT g, (1 + (g::bigint * 7919) % {DEALERS})::int AS dealer,
                       $1 - interval '{DAYS} days'
                         + (g - 1) * (interval '{DAYS} days' / $2::int) AS placed,
                       random() AS r1, random() AS r2, random() AS r3, random() AS r4
                FROM generate_series(1, $2::int) g
            ) raw
            JOIN dealers d ON d.id = raw.dealer
        ) s
        """,
    ),
    (
        "order lines",
        """
        INSERT INTO order_lines (order_id, line_no, article, name, unit, price, quantity, amount)
        SELECT o.id, n, 'ART-' || n, 'Item ' || n, 'шт', round(o.total / (1 + o.id % 9), 2), 1,
               round(o.total / (1 + o.id % 9), 2)
        FROM orders o CROSS JOIN LATERAL generate_series(1, 1 + o.id % 9) n
        """,
    ),
    ("analyze", "ANALYZE orders, order_lines"),
    (
        "status events",
        """
        INSERT INTO order_status_events (order_id, from_status, to_status, actor_kind, note, at)
        SELECT id, NULL, 'new', 'dealer', '', placed_at FROM orders
        UNION ALL
        SELECT id, 'new', 'confirmed', 'manager', '', confirmed_at
        FROM orders WHERE confirmed_at IS NOT NULL
        UNION ALL
        SELECT id, CASE WHEN status = 'rejected' THEN 'new' ELSE 'confirmed' END, status, '1c',
               '', COALESCE(confirmed_at, placed_at) + interval '2 days'
        FROM orders WHERE status IN ('rejected', 'cancelled', 'completed')
        """,
    ),
    (
        "claims",
        """
        INSERT INTO claims (number, dealer_id, order_id, status, comment, created_at,
                            decision_note)
        SELECT 'BC' || id, dealer_id, id, 'new', '', placed_at + interval '5 days', ''
        FROM orders WHERE status = 'completed' AND id % 33 = 0
          AND placed_at < $1 - interval '5 days'
        """,
    ),
    (
        "claim lines",
        """
        INSERT INTO claim_lines (claim_id, order_line_id, reason, quantity, comment)
        SELECT c.id, l.id, CASE WHEN c.id % 3 = 0 THEN 'wrong_item' ELSE 'defect' END, 1, ''
        FROM claims c JOIN order_lines l ON l.order_id = c.order_id AND l.line_no = 1
        """,
    ),
    (
        "satisfaction",
        f"""
        INSERT INTO satisfaction_responses (order_id, user_id, score, comment, created_at)
        SELECT id, {MANAGERS} + dealer_id, 1 + id % 5, '', placed_at + interval '4 days'
        FROM orders WHERE source = 'bot' AND status = 'completed' AND id % 10 = 0
          AND placed_at < $1 - interval '4 days'
        """,
    ),
    (
        "nps",
        f"""
        INSERT INTO nps_responses (survey, user_id, dealer_id, score, comment, created_at,
                                   updated_at)
        SELECT 'r' || r, {MANAGERS} + d.id, d.id, (d.id * 7 + r) % 11, '',
               $1 - (r * 90 + d.id % 30) * interval '1 day',
               $1 - (r * 90 + d.id % 30) * interval '1 day'
        FROM dealers d CROSS JOIN generate_series(0, 1) r WHERE d.wave_id = 1
        """,
    ),
]


async def fill(url: str, orders: int) -> dict[str, float]:
    """Generate the data unless the database already holds `orders` bench orders."""
    conn = await asyncpg.connect(_plain(url))
    try:
        have = await conn.fetchval("SELECT count(*) FROM orders")
        if have == orders and await conn.fetchval("SELECT count(*) FROM dealers") == DEALERS:
            print(f"reusing {have:,} orders")
            return {}
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'alembic_version'"
        )
        await conn.execute(
            "TRUNCATE " + ", ".join(r["tablename"] for r in tables) + " RESTART IDENTITY CASCADE"
        )
        await conn.execute("SELECT setseed(0.42)")
        timings: dict[str, float] = {}
        for name, sql in FILL:
            started = time.perf_counter()
            args = [NOW, orders][: 2 if "$2" in sql else 1 if "$1" in sql else 0]
            sql = sql.replace("$1::timestamptz", "$1").replace("$1", "$1::timestamptz")
            status = await conn.execute(sql, *args)
            timings[name] = time.perf_counter() - started
            print(f"  {name:15s} {status.split()[-1]:>10s} rows  {timings[name]:6.1f} s")
        for table, column in (("users", "id"), ("dealers", "id"), ("pilot_waves", "id")):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" (SELECT max({column}) FROM {table}))"
            )
        started = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - started
        return timings
    finally:
        await conn.close()


async def measure(url: str, runs: int) -> dict[str, object]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    config = RolloutConfig()
    variants = {
        "no filter": MetricFilters(),
        "wave 2": MetricFilters(wave_id=2),
        "manager 7": MetricFilters(manager_id=7),
        "dealer 1234": MetricFilters(dealer_id=1234),
    }
    result: dict[str, object] = {}
    try:
        async with sessions() as session:
            rows = await rollout_dashboard(session, now=NOW, zone=ZONE, config=config)
            checkpoints = sum(1 for c in rows[0].checkpoints if c.status != "pending")
            print(
                f"metrics: {len(rows)}; windows computed per call: current, baseline,"
                f" {checkpoints} checkpoint(s) due"
            )
            for row in rows:
                print(
                    f"  {row.key:27s} baseline {row.baseline!s:>10s}  target {row.target!s:>10s}"
                    f"  current {row.current!s:>10s}  {row.status}"
                )

        async def dashboard(
            session: AsyncSession, filters: MetricFilters, cache: WindowCache | None
        ) -> None:
            await rollout_dashboard(
                session, filters, now=NOW, zone=ZONE, config=config, cache=cache
            )

        async def page(
            session: AsyncSession, filters: MetricFilters, cache: WindowCache | None
        ) -> None:
            """What the admin's dashboard page computes: the metrics and the 12-month chart."""
            await dashboard(session, filters, cache)
            await metric_series(
                session, "bot_share", filters, now=NOW, months=12, zone=ZONE, cache=cache
            )

        cases = [("dashboard", name, filters, dashboard) for name, filters in variants.items()]
        cases.append(("page", "no filter", MetricFilters(), page))
        for kind, name, filters, call in cases:
            for cached in (False, True):
                cache = WindowCache() if cached else None
                times = []
                async with sessions() as session:
                    await call(session, filters, cache)
                    for _ in range(runs):
                        started = time.perf_counter()
                        await call(session, filters, cache)
                        times.append(time.perf_counter() - started)
                median = statistics.median(times)
                label = f"{name}{', cached' if cached else ''}"
                key = label if kind == "dashboard" else f"{kind}: {label}"
                result[key] = {"median_s": round(median, 3), "max_s": round(max(times), 3)}
                print(
                    f"{kind}, {label:22s} median {median * 1000:7.1f} ms"
                    f"  max {max(times) * 1000:7.1f} ms"
                )
        window = Period(NOW - timedelta(days=30), NOW)
        breakdown = {}
        async with sessions() as session:
            for keys, rule in RULES:
                await rule(session, MetricFilters(), window, frozenset(keys))
                started = time.perf_counter()
                await rule(session, MetricFilters(), window, frozenset(keys))
                breakdown[rule.__name__] = round((time.perf_counter() - started) * 1000, 1)
        print("one window, no filter, per rule (ms):", json.dumps(breakdown))
        result["rules_ms"] = breakdown
    finally:
        await engine.dispose()
    return result


async def prepare(url: str, orders: int, *, bench: str) -> dict[str, float]:
    """The bench database (PostgreSQL only) migrated and filled with `orders` orders once;
    returns the fill's timings (empty when it was filled before)."""
    if not url.startswith("postgresql"):
        raise SystemExit(f"the {bench} bench runs on PostgreSQL")
    await _ensure_database(url)
    await migrate.upgrade(url)
    started = time.perf_counter()
    timings = await fill(url, orders)
    if timings:
        print(f"generated in {time.perf_counter() - started:.1f} s")
    return timings


def within_target(result: dict[str, object], key: str, target: float) -> int:
    """Exit code: 0 when the median of `key` is at most `target` seconds."""
    worst = result[key]
    assert isinstance(worst, dict)
    return 0 if worst["median_s"] <= target else 1


def arguments(doc: str | None) -> argparse.Namespace:
    """The command line both order benches take."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--target", type=float, default=1.0, help="seconds, unfiltered median")
    return parser.parse_args()


async def main(args: argparse.Namespace) -> int:
    url = args.database_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    fill_timings = await prepare(url, args.orders, bench="dashboard")
    result = await measure(url, args.runs)
    summary = {"orders": args.orders, "fill_s": fill_timings, **result}
    print(json.dumps(summary, default=str))
    return within_target(result, "no filter", args.target)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(arguments(__doc__))))
