"""Two (or more) real `dealerbot run` worker processes in webhook mode on one PostgreSQL and one
Redis, and the Telegram side of them: a fake Bot API (tests/bot/fake_api.py) that the workers
call, and a feeder that POSTs updates to the workers' webhooks round robin, as a load balancer
in front of them would."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from tests.bot.fake_api import Call, FakeTelegram

SECRET = "h19a-webhook-secret"
DEALERBOT = Path(sys.executable).with_name("dealerbot")


@dataclass
class Worker:
    """One `dealerbot run` process and its log."""

    name: str
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def leads(self) -> bool:
        """The last leadership line of its log says acquired."""
        lines = [ln for ln in self.output().splitlines() if "leadership " in ln]
        return bool(lines) and "leadership acquired" in lines[-1]

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


@dataclass
class Cluster:
    """Workers, the fake API they call, and a round-robin feeder of updates."""

    fake: FakeTelegram
    workers: list[Worker]
    database_url: str
    redis_url: str
    folder: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    opening: datetime | None = None  # when the workers' working day opens (the digest test)
    _turn: itertools.cycle[int] = field(default_factory=lambda: itertools.cycle([0]))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _http: aiohttp.ClientSession | None = None

    def env(self, worker: Worker) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "REDIS"))}
        env.update(
            ENVIRONMENT="test",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            BOT_TOKEN=self.fake.token,
            TELEGRAM_API_URL=self.fake.url,
            WEBHOOK_URL=f"{worker.url}/telegram/webhook",
            WEBHOOK_SECRET=SECRET,
            HTTP_HOST="127.0.0.1",
            HTTP_PORT=str(worker.port),
            SECRET_KEY="h19a-multiprocess-secret-key-0123456789",
            ONEC_STORAGE_DIR=str(self.folder / "onec"),  # shared, as the README asks
            SENDER_RECEIPTS_DIR=str(self.folder / "receipts"),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    async def start(self) -> None:
        self._turn = itertools.cycle(range(len(self.workers)))
        self._http = aiohttp.ClientSession()
        for worker in self.workers:
            out = worker.log.open("ab")
            worker.process = subprocess.Popen(  # noqa: ASYNC220 - started, not awaited
                [str(DEALERBOT), "run"],
                env=self.env(worker),
                cwd=self.folder,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        for worker in self.workers:
            await self.wait_healthy(worker)

    async def wait_healthy(self, worker: Worker, timeout: float = 60) -> None:  # noqa: ASYNC109
        assert self._http is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if not worker.alive():
                raise AssertionError(f"{worker.name} exited:\n{worker.output()[-3000:]}")
            try:
                async with self._http.get(f"{worker.url}/healthz") as response:
                    if response.status == 200 and "bot in webhook mode" in worker.output():
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
        raise AssertionError(f"{worker.name} not up in {timeout} s:\n{worker.output()[-3000:]}")

    async def stop(self) -> None:
        for worker in self.workers:
            if worker.alive():
                assert worker.process is not None
                worker.process.send_signal(signal.SIGTERM)
        for worker in self.workers:
            if worker.process is not None:
                try:
                    worker.process.wait(15)
                except subprocess.TimeoutExpired:
                    worker.process.kill()
        if self._http is not None:
            await self._http.close()

    # ------------------------------------------------------------------------ feeding updates
    def alive_workers(self) -> list[Worker]:
        return [w for w in self.workers if w.alive()]

    async def post(self, kind: str, payload: dict[str, Any]) -> Worker:
        """POST one update to the next live worker (round robin); the worker it went to."""
        assert self._http is not None
        for _ in range(len(self.workers)):
            worker = self.workers[next(self._turn)]
            if worker.alive():
                break
        update = {"update_id": next(self._update_ids), kind: payload}
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with self._http.post(
            f"{worker.url}/telegram/webhook", json=update, headers=headers
        ) as response:
            assert response.status == 200, await response.text()
        return worker

    async def exchange(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        quiet: float = 0.5,
        timeout: float = 20,  # noqa: ASYNC109
    ) -> tuple[Worker, list[Call]]:
        """Post an update and wait until the bot has answered and gone quiet; its calls."""
        start = len(self.fake.calls)
        worker = await self.post(kind, payload)
        loop = asyncio.get_running_loop()
        deadline, count, changed = loop.time() + timeout, start, loop.time()
        while loop.time() < deadline:
            await asyncio.sleep(0.05)
            if len(self.fake.calls) != count:
                count, changed = len(self.fake.calls), loop.time()
            elif count > start and loop.time() - changed >= quiet:
                return worker, self.fake.calls[start:]
        raise AssertionError(f"no answer to {kind} {payload!r:.200} within {timeout} s")


def delivered_to(fake: FakeTelegram, chats: set[int], method: str = "sendMessage") -> list[int]:
    """Chat ids of the delivered (200) calls of `method` to `chats`, one entry per message."""
    return [
        c.chat_id
        for c in fake.calls
        if c.method == method and c.status == 200 and c.chat_id in chats
    ]
