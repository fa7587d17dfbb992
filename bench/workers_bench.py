"""Search updates per second and latency of 1, 2, 4 webhook workers on one PostgreSQL and Redis.

    python -m bench.workers_bench [--workers 1,2,4] [--updates 600] [--concurrency 8]
                                  [--items 20000] [--database-url URL] [--redis-url URL]

For each worker count, in one run: that many real `dealerbot run` processes in webhook mode
(as tests/multiprocess/cluster.py starts them, same environment) on one PostgreSQL database
and one Redis (FSM, event isolation and the shared rate limit), calling the fake Bot API of
tests/bot/fake_api.py (schema checks off, no flood control). The catalog (`--items` bench-
products with prices and stock) and the registered dealer people are seeded as bench/bot_bench.py
does. A driver POSTs search text updates (the words and articles queries of bot_bench) to the
workers' webhooks round robin, as a load balancer would: `--concurrency` people per worker each
send a query, wait for the reply at the fake API, and send the next (a closed loop, so every
count is driven to what it can do). After a warm-up, `--updates` updates are measured:

- updates/s: replies recorded at the fake API per second of the measured stretch;
- p50 / p95 latency: update POSTed -> its reply recorded at the fake API;
- the ratio to the one-worker rate against the 0.85 x N target;
- CPU (from /proc, user+system) of the worker processes, of this driver (with the fake API in
  it) and of the PostgreSQL backends serving this database (when PostgreSQL runs on this
  machine), as cores busy during the stretch.

The workers' own shared limit of 30 messages a second (Telegram's) would be all that is
measured; each worker process is therefore `dealerbot run` started through this module's
`--serve`, which raises that limit's numbers and then runs the CLI unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.bot_bench import BRANDS, KINDS, bench_dealer, fill_catalog
from core import migrate
from core.db import create_engine, create_sessionmaker, is_sqlite
from core.models import AdminSetting
from integrations.onec import storage
from tests.bot.fake_api import SCHEMA_FILE, Call, FakeTelegram, Schema, TgUser
from tests.multiprocess.cluster import SECRET, Cluster, Worker

ROOT = Path(__file__).resolve().parents[1]
PORT_BASE = 19400
TICK = os.sysconf("SC_CLK_TCK")


def serve() -> None:
    """`dealerbot run` with the shared Telegram limit raised out of the way."""
    from integrations.telegram import ratelimit

    vars(ratelimit)["RateLimits"] = functools.partial(
        ratelimit.RateLimits, per_second=1_000_000, private_burst=1_000_000
    )
    from dealerbot.cli import main as cli

    sys.argv = ["dealerbot", "run"]
    cli()


class ReplyFake(FakeTelegram):
    """The fake API, telling the driver when a chat's reply has been recorded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting: dict[int, asyncio.Future[float]] = {}
        self._seen = 0

    async def _handle(self, request: Any) -> Any:
        response = await super()._handle(request)
        for call in self.calls[self._seen :]:
            self._reply(call)
        self._seen = len(self.calls)
        return response

    def _reply(self, call: Call) -> None:
        if call.method != "sendMessage" or call.chat_id is None:
            return
        future = self.waiting.pop(call.chat_id, None)
        if future is not None and not future.done():
            future.set_result(call.at)


class BenchCluster(Cluster):
    """The test cluster, its workers started through `--serve`."""

    async def start(self) -> None:
        import itertools

        self._turn = itertools.cycle(range(len(self.workers)))
        self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        for worker in self.workers:
            env = self.env(worker) | {"PYTHONPATH": str(ROOT)}
            worker.process = subprocess.Popen(  # noqa: ASYNC220 - started, not awaited
                [sys.executable, "-m", "bench.workers_bench", "--serve"],
                env=env,
                cwd=self.folder,
                stdout=worker.log.open("ab"),
                stderr=subprocess.STDOUT,
            )
        for worker in self.workers:
            await self.wait_healthy(worker)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User+system CPU seconds of each live process among `pids` (from /proc)."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return out


async def backends(engine: Any, database: str) -> list[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}
        )
        return [r[0] for r in rows]


async def share_storage(sessionmaker: async_sessionmaker[AsyncSession], onec: Path) -> None:
    """The workers' 1C storage folder, marked with the id this database expects (a folder of
    an earlier run may be gone)."""
    async with sessionmaker() as s:
        row = await s.get(AdminSetting, storage.SETTING)
    mark(onec, row.value if row is not None else None)


def mark(onec: Path, storage_id: str | None) -> None:
    onec.mkdir(parents=True, exist_ok=True)
    if storage_id is not None:
        (onec / storage.MARKER).write_text(storage_id + "\n", encoding="utf-8")


def pg_local(pids: list[int]) -> bool:
    return any(Path(f"/proc/{p}").exists() for p in pids)


async def drive(
    cluster: Cluster,
    fake: ReplyFake,
    people: list[TgUser],
    queries: list[str],
    count: int,
) -> list[tuple[float, float]]:
    """Each person sends queries one after another until `count` are answered; (posted, reply)
    monotonic times of each."""
    assert cluster._http is not None
    http = cluster._http
    left = [count]
    times: list[tuple[float, float]] = []
    rnd = random.Random(len(people))
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def person(tg: TgUser) -> None:
        while left[0] > 0:
            left[0] -= 1
            worker = cluster.workers[next(cluster._turn)]
            future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            fake.waiting[tg.id] = future
            update = {
                "update_id": next(cluster._update_ids),
                "message": fake.message(tg, text=rnd.choice(queries)),
            }
            posted = time.monotonic()
            async with http.post(
                f"{worker.url}/telegram/webhook", json=update, headers=headers
            ) as response:
                if response.status != 200:
                    raise RuntimeError(f"{worker.name}: {response.status} {await response.text()}")
            replied = await asyncio.wait_for(future, 60)
            times.append((posted, replied))

    await asyncio.gather(*(person(p) for p in people))
    return times


async def one_count(
    n: int,
    args: argparse.Namespace,
    fake: ReplyFake,
    people: list[TgUser],
    queries: list[str],
    engine: Any,
    database: str,
    url: str,
    folder: Path,
) -> dict[str, Any]:
    workers = [Worker(f"w{n}-{i}", PORT_BASE + i, folder / f"w{n}-{i}.log") for i in range(n)]
    cluster = BenchCluster(fake, workers, url, args.redis_url, folder)
    crowd = people[: args.concurrency * n]
    try:
        await cluster.start()
        await drive(cluster, fake, crowd, queries, max(args.warmup, len(crowd)) * 1)
        worker_pids = [w.process.pid for w in workers if w.process is not None]
        worker_pids.append(os.getpid())  # the driver and the fake API: last
        pg_before = await backends(engine, database)
        cpu_before = cpu_seconds(worker_pids + pg_before)
        started = time.monotonic()
        times = await drive(cluster, fake, crowd, queries, args.updates)
        elapsed = time.monotonic() - started
        pg_after = await backends(engine, database)
        cpu_after = cpu_seconds(worker_pids + pg_after)
    finally:
        await cluster.stop()
    waits = sorted((reply - posted) * 1000 for posted, reply in times)

    def busy(pids: list[int]) -> float:
        used = sum(cpu_after.get(p, 0) - cpu_before.get(p, 0) for p in set(pids) if p in cpu_after)
        return round(used / elapsed, 2)

    result = {
        "workers": n,
        "in_flight": len(crowd),
        "updates": len(times),
        "updates_per_s": round(len(times) / elapsed, 1),
        "p50_ms": round(statistics.median(waits), 1),
        "p95_ms": round(waits[int(0.95 * (len(waits) - 1))], 1),
        "workers_cpu_cores": busy(worker_pids[:-1]),
        "driver_cpu_cores": busy(worker_pids[-1:]),
    }
    if pg_local(pg_after):
        result["postgres_cpu_cores"] = busy(pg_before + pg_after)
    print(f"  {json.dumps(result)}", flush=True)
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    url = (
        args.database_url
        or os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
    )
    if not url or is_sqlite(url):
        raise SystemExit("set --database-url, BENCH_DATABASE_URL or TEST_DATABASE_URL (PostgreSQL)")
    counts = [int(c) for c in args.workers.split(",")]
    await migrate.upgrade(url)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    items = await fill_catalog(sessionmaker, args.items)
    people = await bench_dealer(sessionmaker, args.concurrency * max(counts))
    database = url.rsplit("/", 1)[-1].split("?")[0]
    rnd = random.Random(7)
    words = [
        f"{rnd.choice(KINDS).split()[0].lower()} {rnd.choice(BRANDS).lower()}" for _ in range(50)
    ]
    articles = [f"{rnd.choice(BRANDS)[:2]}-{rnd.randrange(items):06d}" for _ in range(50)]
    # a bot id of this run's own: the FSM's and the limiter's Redis keys carry it
    fake = ReplyFake(Schema.load(SCHEMA_FILE), token=f"{os.getpid()}194:h19d-bench", validate=False)
    await fake.start()
    results = []
    try:
        # kept between runs: the 1C storage folder is marked with this database's id
        folder = Path(tempfile.gettempdir()) / f"workers-bench-{database}"
        await share_storage(sessionmaker, folder / "onec")
        for n in counts:
            results.append(
                await one_count(
                    n, args, fake, people, words + articles, engine, database, url, folder
                )
            )
    finally:
        await fake.close()
        await engine.dispose()
    base = next((r["updates_per_s"] for r in results if r["workers"] == 1), None)
    for r in results:
        if base:
            r["ratio_to_one"] = round(r["updates_per_s"] / base, 2)
            r["target_ratio"] = round(0.85 * r["workers"], 2)
            r["meets_target"] = r["ratio_to_one"] >= r["target_ratio"]
    return {
        "items": items,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
        "database": url.split("@")[-1],
        "results": results,
    }


def main() -> None:
    if "--serve" in sys.argv:
        serve()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8, help="people in flight per worker")
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False))


if __name__ == "__main__":
    main()
