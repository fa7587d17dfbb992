"""Broadcast benchmark: `python -m bench.broadcast_bench [--recipients 10000] [--kill-at 0.4123]`.

A broadcast to --recipients people (one dealer each), sent by the real sender (its own
process, `Sender.run_once` in a loop as the scheduler's drain does) to a fake Bot API in a
separate process that enforces Telegram's limit strictly: a send that would make more than 30
accepted sends inside any one second (counted when requests arrive) is answered 429 with
retry_after 1. When --kill-at of the recipients have been accepted, the sending process gets
SIGKILL (mid-request: it always has requests in flight); a new process is started, which
settles the rows the dead one left (lease --lease seconds: rows it claimed but never requested
are queued again, requested ones become `unknown`) and finishes the broadcast.

Prints: messages/s sustained (accepted sends divided by the time from the first to the last,
the restart's gap excluded, and the fullest one-second window), 429 answers, duplicates
(people who got more than one copy) and losses (people who got none), the rows' states, and a
JSON summary; exits 1 when a target is missed (>= 28 msg/s, 0 429, 0 duplicates, 0 losses).

Database: --database-url, else BENCH_DATABASE_URL, else
postgresql+asyncpg://postgres@127.0.0.1:5432/dealerbot_broadcast_bench (created if missing,
emptied and migrated to head each run); an sqlite+aiosqlite URL works too (the file is
deleted and made again).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from bisect import bisect_left
from collections import Counter, deque
from datetime import timedelta
from typing import Any

from aiohttp import ClientSession, web
from sqlalchemy import func, insert, select, text

from core import migrate
from core.db import create_engine, create_sessionmaker
from core.models import Broadcast, Dealer, Delivery, User

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/dealerbot_broadcast_bench"
TOKEN = "123456:BENCH-token"
FIRST_TG = 7_000_000_000


# ---------------------------------------------------------------------------- the fake Bot API
class FakeApi:
    """Accepts sendMessage/sendPhoto within `per_second` per sliding second; 429 above."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self.window: deque[float] = deque()
        self.accepted: list[tuple[float, int]] = []  # (arrival, chat)
        self.too_many = 0
        self.ids = 0

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        if method == "getMe":
            return web.json_response(
                {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Bench"}}
            )
        if method not in ("sendMessage", "sendPhoto"):
            return web.json_response({"ok": True, "result": True})
        now = time.monotonic()
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        if len(self.window) >= self.per_second:
            self.too_many += 1
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status=429,
            )
        self.window.append(now)
        chat = int(params["chat_id"])
        self.accepted.append((now, chat))
        self.ids += 1
        message = {
            "message_id": self.ids,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "D"},
            "text": str(params.get("text") or ""),
        }
        return web.json_response({"ok": True, "result": message})

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"accepted": self.accepted, "too_many": self.too_many, "count": len(self.accepted)}
        )

    async def count(self, request: web.Request) -> web.Response:
        return web.json_response({"count": len(self.accepted), "too_many": self.too_many})


async def serve_fake(port: int, per_second: int) -> None:
    # Telegram's servers do not share the machine with the sender; here they do, and a stall
    # of this process (stamping a backlog of requests at once) would look like a burst of the
    # sender's. A higher scheduling priority, when allowed, keeps the stamps honest.
    with contextlib.suppress(OSError):
        os.nice(-10)
    api = FakeApi(per_second)
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api.handle)
    app.router.add_get("/stats", api.stats)
    app.router.add_get("/count", api.count)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


# ---------------------------------------------------------------------------- the sender process
async def run_sender(database_url: str, api_url: str, broadcast_id: int, lease: float) -> None:
    from bot.factory import create_bot
    from core.settings import get_settings
    from dealerbot.telegram import make_sender

    settings = get_settings(
        environment="test",
        database_url=database_url,
        bot_token=TOKEN,
        telegram_api_url=api_url,
        redis_url=None,
        _env_file=None,
    )
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    bot = create_bot(settings)
    sender = make_sender(bot, sessionmaker, settings, lease=timedelta(seconds=lease))
    try:
        while True:
            sent = await sender.run_once()
            async with sessionmaker() as session:
                state = await session.scalar(
                    select(Broadcast.state).where(Broadcast.id == broadcast_id)
                )
            if state in ("done", "cancelled"):
                return
            if not sent:
                await asyncio.sleep(0.2)
    finally:
        await bot.session.close()
        await engine.dispose()


# ---------------------------------------------------------------------------- the driver
async def prepare(url: str, recipients: int) -> int:
    if url.startswith("postgresql"):
        import asyncpg

        plain = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        base, name = plain.rsplit("/", 1)
        conn = await asyncpg.connect(base + "/postgres")
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        engine = create_engine(url)
        async with engine.begin() as conn2:
            await conn2.execute(text("DROP SCHEMA public CASCADE"))
            await conn2.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    elif url.startswith("sqlite"):
        path = url.split(":///", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + suffix)
    await migrate.upgrade(url)
    from core.broadcasts import service
    from core.broadcasts.content import Content

    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        await session.execute(
            insert(Dealer), [{"name": f"Дилер {i}", "region": "Тула"} for i in range(recipients)]
        )
        ids = list(await session.scalars(select(Dealer.id).order_by(Dealer.id)))
        await session.execute(
            insert(User),
            [
                {"dealer_id": d, "telegram_id": FIRST_TG + i, "full_name": f"Человек {i}"}
                for i, d in enumerate(ids)
            ],
        )
        item = await service.save_draft(
            session,
            None,
            title="bench",
            content=Content(
                "<b>Новинка</b>: фильтры со скидкой", None, "Каталог", "https://example.com"
            ),
            audience={"kind": "all"},
            staff_id=None,
        )
        await service.schedule(session, item, item.created_at)
        await session.commit()
        broadcast_id = item.id
    await engine.dispose()
    return broadcast_id


def _sender(url: str, api: str, broadcast_id: int, lease: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.broadcast_bench",
            "sender",
            url,
            api,
            str(broadcast_id),
            str(lease),
        ],
    )


async def _until(count: Any, target: int) -> None:
    """Poll the fake API until it accepted `target` sends (a loop of short waits is the
    simplest way to watch another process)."""
    while await count() < target:  # noqa: ASYNC110
        await asyncio.sleep(0.05)


def _fullest_second(times: list[float]) -> int:
    best = 0
    for i, t in enumerate(times):
        best = max(best, bisect_left(times, t + 1.0) - i)
    return best


async def drive(args: argparse.Namespace) -> int:
    url = args.database_url or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    print(f"database {url.split('@')[-1]}, recipients {args.recipients}", flush=True)
    t0 = time.monotonic()
    broadcast_id = await prepare(url, args.recipients)
    print(f"prepared in {time.monotonic() - t0:.1f} s", flush=True)
    port = args.port
    fake = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is timed
        [sys.executable, "-m", "bench.broadcast_bench", "fake", str(port), str(args.rate)],
        stdout=subprocess.PIPE,
    )
    assert fake.stdout is not None
    fake.stdout.readline()
    api = f"http://127.0.0.1:{port}"
    killed_at: float | None = None
    try:
        async with ClientSession() as http:

            async def count() -> int:
                async with http.get(f"{api}/count") as response:
                    return int((await response.json())["count"])

            first = _sender(url, api, broadcast_id, args.lease)
            kill_at = int(args.recipients * args.kill_at) if args.kill_at > 0 else None
            if kill_at is not None:
                await _until(count, kill_at)
                first.send_signal(signal.SIGKILL)
                first.wait()
                killed_at = time.monotonic()
                print(f"kill -9 after {await count()} accepted", flush=True)
                second = _sender(url, api, broadcast_id, args.lease)
                second.wait()
            else:
                first.wait()
            async with http.get(f"{api}/stats") as response:
                stats = await response.json()
    finally:
        fake.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            fake.wait(5)

    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        states = dict(
            (
                await session.execute(
                    select(Delivery.state, func.count())
                    .where(Delivery.broadcast_id == broadcast_id)
                    .group_by(Delivery.state)
                )
            ).all()
        )
        recipients = set(
            await session.scalars(
                select(Delivery.chat_id).where(Delivery.broadcast_id == broadcast_id)
            )
        )
    await engine.dispose()

    accepted: list[tuple[float, int]] = [(float(t), int(c)) for t, c in stats["accepted"]]
    times = sorted(t for t, _ in accepted)
    per_chat = Counter(c for _, c in accepted)
    duplicates = sum(1 for c, n in per_chat.items() if n > 1)
    losses = sum(1 for c in recipients if per_chat.get(c, 0) == 0)
    expected = args.recipients
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    gap = 0.0
    segments: list[float] = []
    if killed_at is not None:
        # the restart's gap: the longest pause between two accepted sends
        gaps = [b - a for a, b in itertools.pairwise(times)]
        gap = max(gaps) if gaps else 0.0
        cut = gaps.index(gap) + 1 if gaps else len(times)
        for part in (times[:cut], times[cut:]):
            if len(part) > 1:
                segments.append((len(part) - 1) / (part[-1] - part[0]))
    sustained = (len(times) - 1 - (1 if killed_at else 0)) / (span - gap) if span > gap else 0.0
    summary: dict[str, Any] = {
        "recipients": expected,
        "rows": len(recipients),
        "accepted": len(times),
        "msg_per_s_sustained": round(sustained, 2),
        "msg_per_s_segments": [round(s, 2) for s in segments],
        "fullest_second": _fullest_second(times),
        "too_many_429": stats["too_many"],
        "duplicates": duplicates,
        "losses": losses,
        "restart_gap_s": round(gap, 2),
        "total_s": round(span, 1),
        "states": states,
        "lease_s": args.lease,
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
    }
    print(
        f"sent {len(times)} of {expected} in {span:.1f} s: {sustained:.2f} msg/s sustained "
        f"(segments {', '.join(f'{s:.2f}' for s in segments) or '-'}; restart gap {gap:.1f} s); "
        f"fullest second {summary['fullest_second']}; 429: {stats['too_many']}; "
        f"duplicates {duplicates}; losses {losses}; rows {states}"
    )
    print(json.dumps(summary))
    ok = sustained >= 28 and stats["too_many"] == 0 and duplicates == 0 and losses == 0
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    if argv[:1] == ["fake"]:
        asyncio.run(serve_fake(int(argv[1]), int(argv[2])))
        return 0
    if argv[:1] == ["sender"]:
        asyncio.run(run_sender(argv[1], argv[2], int(argv[3]), float(argv[4])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=30, help="the fake API's limit per second")
    parser.add_argument(
        "--kill-at",
        type=float,
        default=0.4123,
        help="share sent before kill -9 (not at a batch end)",
    )
    parser.add_argument("--lease", type=float, default=5.0, help="the restarted sender's lease")
    parser.add_argument("--port", type=int, default=18_931)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    return asyncio.run(drive(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
