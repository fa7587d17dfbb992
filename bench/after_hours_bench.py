"""The after-hours figures (core.metrics.after_hours) on 1,000,000 generated orders (PostgreSQL).

Fills its own database (--database-url, else BENCH_AFTER_HOURS_URL, else
postgresql+asyncpg://postgres@127.0.0.1:5432/dealerbot_after_hours_bench) with the generator of
bench.dashboard_bench (2,000 dealers, 730 days), then times `after_hours_stats` over 30 and 90
days, with and without filters, and the weekly digest's figures. Prints medians; the exit code
is 1 when the unfiltered 30-day median exceeds --target seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import timedelta

from bench.dashboard_bench import NOW, ZONE, arguments, prepare, within_target
from core.calendar import WorkingCalendar
from core.db import create_engine, create_sessionmaker
from core.metrics.after_hours import after_hours_stats
from core.metrics.rollout import MetricFilters, Period
from core.metrics.weekly import digest_figures

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/dealerbot_after_hours_bench"


async def measure(url: str, runs: int) -> dict[str, object]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    calendar = WorkingCalendar(zone=ZONE)
    result: dict[str, object] = {}
    variants = {
        "30 days": (30, MetricFilters()),
        "90 days": (90, MetricFilters()),
        "366 days": (366, MetricFilters()),
        "30 days, manager 7": (30, MetricFilters(manager_id=7)),
        "30 days, dealer 1234": (30, MetricFilters(dealer_id=1234)),
    }
    try:
        for name, (days, filters) in variants.items():
            period = Period(NOW - timedelta(days=days), NOW)
            async with sessions() as session:
                stats = await after_hours_stats(session, calendar, period, filters, now=NOW)
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    await after_hours_stats(session, calendar, period, filters, now=NOW)
                    times.append(time.perf_counter() - started)
            median = statistics.median(times)
            result[name] = {
                "median_s": round(median, 3),
                "max_s": round(max(times), 3),
                "orders": stats.orders,
                "after_hours": stats.after_hours_orders,
                "mornings": stats.mornings,
            }
            print(
                f"after hours, {name:22s} median {median * 1000:7.1f} ms  max"
                f" {max(times) * 1000:7.1f} ms  ({stats.orders:,} orders,"
                f" {stats.after_hours_orders:,} after hours, waiting {stats.waiting_total:,})"
            )
        async with sessions() as session:
            started = time.perf_counter()
            await digest_figures(session, calendar, now=NOW)
            digest = time.perf_counter() - started
        print(f"weekly digest figures (dashboard + 7 days after hours): {digest * 1000:.1f} ms")
        result["weekly_digest_s"] = round(digest, 3)
    finally:
        await engine.dispose()
    return result


async def main(args: argparse.Namespace) -> int:
    url = args.database_url or os.environ.get("BENCH_AFTER_HOURS_URL") or DEFAULT_URL
    await prepare(url, args.orders, bench="after-hours")
    result = await measure(url, args.runs)
    print(json.dumps({"orders": args.orders, **result}, default=str))
    return within_target(result, "30 days", args.target)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(arguments(__doc__))))
