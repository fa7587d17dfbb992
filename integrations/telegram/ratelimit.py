"""One rate limit for every outgoing Bot API call, shared by every worker of the service.

`RateLimitedSession` is the aiogram session `bot.factory.create_bot` gives the Bot: its request
middleware (`RateLimitMiddleware`) asks a shared `Backend` for a turn before every call that
sends or edits a message — outbox deliveries, broadcasts and handlers' direct replies alike —
and a 429 (`TelegramRetryAfter`) is waited out and retried, never dropped.

Windows (Telegram's documented limits): 30 messages in any second overall (counted over a
slightly longer window, so the network's jitter cannot squeeze 31 into Telegram's second),
a private chat 1 a second on average with bursts of 3, a group 20 a minute. A handler's reply
to the chat whose update it handles counts towards the total only (`ReplyScope`): it follows
the person's own pace, and Telegram allows such short bursts; other calls keep the chat
windows, except the sender's (`take_turn`), which paces each chat itself. A 429 pauses that
chat for `retry_after` seconds and every chat for a short breath, then the call is retried;
a 429 to the sender's call goes back to the sender, which requeues the row.

Backends: Redis when REDIS_URL is set (one Lua script: sliding windows in sorted sets,
Redis's own clock), PostgreSQL otherwise (rows of `throttle_hits` under a transaction
advisory lock, the database's clock), in-process on SQLite (one process is the set-up there).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from aiogram import BaseMiddleware
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

    from core.settings import Settings

log = logging.getLogger("integrations.telegram.ratelimit")
# the chat whose update is being handled in this task (set by ReplyScope)
replying_to: ContextVar[int | None] = ContextVar("replying_to", default=None)
# the next call of this task has its turn already (take_turn)
_turn_taken: ContextVar[bool] = ContextVar("turn_taken", default=False)


async def take_turn(bot: Bot, chat_id: int) -> None:
    """Take the turn of this task's next call to `chat_id` now, so that nothing waits between
    what the caller does next and the request (the sender stores `requested_at` in between:
    a row marked requested has really left when the process is killed after it). A 429 to
    that call goes back to the caller: the sender pauses the chat and requeues the row (never
    dropped) by its own rules (integrations/telegram/README.md)."""
    session = bot.session
    if isinstance(session, RateLimitedSession):
        limiter = session.limiter
        # the total only: the sender paces each chat itself, and only the leader sends
        await limiter._turn(limiter.limits.windows(chat_id, False), ["all", f"chat:{chat_id}"])
        _turn_taken.set(True)


class ReplyScope(BaseMiddleware):
    """Outer update middleware: marks the handling of an update from a chat, so replies to
    that chat count towards the total limit only."""

    async def __call__(
        self,
        handler: Callable[[Any, dict[str, Any]], Awaitable[Any]],
        event: Any,
        data: dict[str, Any],
    ) -> Any:
        chat = data.get("event_chat")
        # not reset on the way out: aiogram's error handlers answer after this returns, and
        # every update sets it anew before anything is sent for it
        replying_to.set(chat.id if chat is not None else None)
        return await handler(event, data)


@dataclass(frozen=True)
class Window:
    """At most `limit` calls under `key` within any `seconds`."""

    key: str
    limit: int
    seconds: float


@dataclass(frozen=True)
class RateLimits:
    """The numbers every worker keeps to together."""

    per_second: int = 30
    global_window: float = 1.25  # > 1 s: requests leave here and arrive at Telegram with jitter
    private_burst: int = 3
    private_window: float = 3.0  # 3 in 3 s: one a second on average, short bursts allowed
    group_per_minute: int = 20
    pause_all_after_429: float = 1.0

    def windows(self, chat_id: int | str | None, new_message: bool) -> list[Window]:
        """The windows a call to `chat_id` takes a slot in."""
        out = [Window("all", self.per_second, self.global_window)]
        if chat_id is None or not new_message:
            return out  # edits and inline-message calls count towards the total only
        chat = str(chat_id)
        if chat.startswith("-") or chat.startswith("@"):
            out.append(Window(f"chat:{chat}", self.group_per_minute, 60.0))
        else:
            out.append(Window(f"chat:{chat}", self.private_burst, self.private_window))
        return out


def counted(method: TelegramMethod[Any]) -> tuple[bool, bool]:
    """(counts towards the limits, makes a new message) for a Bot API method."""
    name = type(method).__api_method__
    if name == "sendChatAction":
        return False, False
    new = name.startswith(("send", "copy", "forward"))
    return new or name.startswith("edit"), new


class Backend(Protocol):
    """Where the windows live."""

    async def take(self, windows: Sequence[Window], pauses: Sequence[str]) -> float:
        """Take a slot in every window (0.0), or say how many seconds to wait (nothing taken)."""
        ...

    async def pause(self, key: str, seconds: float) -> None:
        """No call under `key` for `seconds`."""
        ...

    async def close(self) -> None: ...


class LocalBackend:
    """In-process windows (SQLite: one process)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._paused: dict[str, float] = {}

    async def take(self, windows: Sequence[Window], pauses: Sequence[str]) -> float:
        now = self.clock()
        wait = max([self._paused.get(key, 0.0) - now for key in pauses] + [0.0])
        for window in windows:
            hits = self._hits.setdefault(window.key, deque())
            while hits and hits[0] <= now - window.seconds:
                hits.popleft()
            if len(hits) >= window.limit:
                wait = max(wait, hits[0] + window.seconds - now)
        if wait > 0:
            return wait
        for window in windows:
            self._hits[window.key].append(now)
        return 0.0

    async def pause(self, key: str, seconds: float) -> None:
        self._paused[key] = max(self._paused.get(key, 0.0), self.clock() + seconds)

    async def close(self) -> None:
        return None


# KEYS: windows..., then pauses...; ARGV: token, number of windows, then limit, microseconds per
# window. Returns microseconds to wait (0: a slot was taken in every window).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = tonumber(ARGV[2])
local wait = 0
for i = n + 1, #KEYS do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl > 0 and ttl * 1000 > wait then wait = ttl * 1000 end
end
for i = 1, n do
  local limit, span = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - span)
  if redis.call('ZCARD', KEYS[i]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
    local w = tonumber(oldest[2]) + span - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i = 1, n do
  redis.call('ZADD', KEYS[i], now, ARGV[1] .. ':' .. i)
  redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[2 + 2 * i]) / 1000) + 1000)
end
return 0
"""


class RedisBackend:
    """Windows in Redis sorted sets, taken atomically by one Lua script."""

    def __init__(self, url: str, prefix: str) -> None:
        from redis.asyncio import BlockingConnectionPool, Redis

        pool = BlockingConnectionPool.from_url(url, max_connections=20, timeout=30)
        self.redis = Redis(connection_pool=pool)
        self.prefix = prefix
        self._script = self.redis.register_script(_TAKE)

    async def take(self, windows: Sequence[Window], pauses: Sequence[str]) -> float:
        keys = [f"{self.prefix}:w:{w.key}" for w in windows]
        keys += [f"{self.prefix}:p:{key}" for key in pauses]
        args: list[Any] = [uuid.uuid4().hex, len(windows)]
        for w in windows:
            args += [w.limit, int(w.seconds * 1_000_000)]
        waited = await self._script(keys=keys, args=args)
        return int(waited) / 1_000_000

    async def pause(self, key: str, seconds: float) -> None:
        name = f"{self.prefix}:p:{key}"
        millis = max(int(seconds * 1000), 1)
        current = await self.redis.pttl(name)
        if current < millis:
            await self.redis.set(name, b"1", px=millis)

    async def close(self) -> None:
        await self.redis.aclose()


class PostgresBackend:
    """Windows as `throttle_hits` rows (rule `tg.rate`, pauses `tg.pause`), one transaction
    under an advisory lock per bot; the database's clock."""

    def __init__(self, database_url: str, scope: str) -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        self.engine = create_async_engine(database_url, pool_size=2, max_overflow=2)
        self.scope = scope

    async def take(self, windows: Sequence[Window], pauses: Sequence[str]) -> float:
        from sqlalchemy import text

        keys = [f"{self.scope}:{w.key}" for w in windows]
        async with self.engine.begin() as conn:
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:scope))"), {"scope": self.scope}
            )
            wait = float(
                await conn.scalar(
                    text(
                        "SELECT coalesce(extract(epoch FROM max(at) - clock_timestamp()), 0)"
                        " FROM throttle_hits WHERE rule = 'tg.pause'"
                        " AND key = ANY(CAST(:keys AS varchar[]))"
                        " AND at > clock_timestamp()"
                    ),
                    {"keys": [f"{self.scope}:{key}" for key in pauses]},
                )
                or 0.0
            )
            for key, window in zip(keys, windows, strict=True):
                await conn.execute(
                    text(
                        "DELETE FROM throttle_hits WHERE rule = 'tg.rate' AND key = :key"
                        " AND at <= clock_timestamp() - make_interval(secs => :span)"
                    ),
                    {"key": key, "span": float(window.seconds)},
                )
                row = (
                    await conn.execute(
                        text(
                            "SELECT count(*), extract(epoch FROM min(at) + make_interval("
                            "secs => :span) - clock_timestamp()) FROM throttle_hits"
                            " WHERE rule = 'tg.rate' AND key = :key"
                        ),
                        {"key": key, "span": float(window.seconds)},
                    )
                ).one()
                if row[0] >= window.limit:
                    wait = max(wait, float(row[1] or 0.0))
            if wait > 0:
                return wait
            await conn.execute(
                text(
                    "INSERT INTO throttle_hits (rule, key, at)"
                    " SELECT 'tg.rate', k, clock_timestamp()"
                    " FROM unnest(CAST(:keys AS varchar[])) AS k"
                ),
                {"keys": keys},
            )
        return 0.0

    async def pause(self, key: str, seconds: float) -> None:
        from sqlalchemy import text

        async with self.engine.begin() as conn:
            await conn.execute(
                text(
                    "DELETE FROM throttle_hits WHERE rule = 'tg.pause' AND key = :key"
                    " AND at <= clock_timestamp()"
                ),
                {"key": f"{self.scope}:{key}"},
            )
            await conn.execute(
                text(
                    "INSERT INTO throttle_hits (rule, key, at) VALUES ('tg.pause', :key,"
                    " clock_timestamp() + make_interval(secs => :seconds))"
                ),
                {"key": f"{self.scope}:{key}", "seconds": float(seconds)},
            )

    async def close(self) -> None:
        await self.engine.dispose()


def backend_for(settings: Settings, bot_id: int) -> Backend:
    """Redis when REDIS_URL is set, PostgreSQL when the database is, else in-process."""
    if settings.redis_url:
        return RedisBackend(settings.redis_url, prefix=f"dealerbot:tg-limit:{bot_id}")
    if settings.database_url.startswith("postgresql"):
        return PostgresBackend(settings.database_url, scope=f"tg-limit:{bot_id}")
    return LocalBackend()


class RateLimitMiddleware(BaseRequestMiddleware):
    """Every call waits for its turn in the shared windows; a 429 is waited out and retried."""

    def __init__(
        self,
        backend: Backend,
        limits: RateLimits | None = None,
        *,
        max_retries: int = 10,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.backend = backend
        self.limits = limits or RateLimits()
        self.max_retries = max_retries
        self.sleep = sleep
        self.retried = 0  # 429s answered to this process (logged too)
        # when the shared store does not answer (a database outage), this process keeps the
        # limits by itself rather than falling silent
        self.fallback = LocalBackend()
        self.backend_timeout = 2.0
        self._degraded = False

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        """Wait for the turn, make the request; on 429 pause, wait and try again."""
        counts, new = counted(method)
        chat_id = getattr(method, "chat_id", None)
        reply = chat_id is not None and str(chat_id) == str(replying_to.get())
        windows = self.limits.windows(chat_id, new and not reply) if counts else []
        pauses = ["all"] + ([f"chat:{chat_id}"] if chat_id is not None else [])
        attempt = 0
        while True:
            outbox = _turn_taken.get()  # the sender's call: its turn taken by take_turn
            if counts and not outbox:
                await self._turn(windows, pauses)
            _turn_taken.set(False)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if outbox:  # the sender pauses the chat and requeues the row itself
                    raise
                attempt += 1
                self.retried += 1
                log.warning(
                    "429 method=%s chat=%s retry_after=%s attempt=%s",
                    type(method).__api_method__,
                    chat_id,
                    error.retry_after,
                    attempt,
                )
                if attempt > self.max_retries:
                    raise
                if chat_id is not None:
                    await self._pause(f"chat:{chat_id}", float(error.retry_after))
                await self._pause(
                    "all", min(float(error.retry_after), self.limits.pause_all_after_429)
                )
                if not counts:
                    await self.sleep(float(error.retry_after))

    async def _turn(self, windows: Sequence[Window], pauses: Sequence[str]) -> None:
        while True:
            wait = await self._take(windows, pauses)
            if wait <= 0:
                return
            await self.sleep(wait)

    async def _take(self, windows: Sequence[Window], pauses: Sequence[str]) -> float:
        try:
            wait = await asyncio.wait_for(self.backend.take(windows, pauses), self.backend_timeout)
        except Exception as error:
            if not self._degraded:
                log.warning(
                    "shared rate limit unavailable (%s): limiting in this process",
                    type(error).__name__,
                )
            self._degraded = True
            return await self.fallback.take(windows, pauses)
        if self._degraded:
            log.info("shared rate limit available again")
            self._degraded = False
        return wait

    async def _pause(self, key: str, seconds: float) -> None:
        await self.fallback.pause(key, seconds)
        try:
            await asyncio.wait_for(self.backend.pause(key, seconds), self.backend_timeout)
        except Exception as error:
            log.warning("shared rate limit: pause not stored (%s)", type(error).__name__)


class RateLimitedSession(AiohttpSession):
    """aiogram's aiohttp session with the shared limit on every call; closing it closes the
    backend's connections too."""

    def __init__(self, backend: Backend, limits: RateLimits | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limiter = RateLimitMiddleware(backend, limits)
        self.middleware(self.limiter)

    async def close(self) -> None:
        """Close the HTTP session and the limiter's backend."""
        await super().close()
        await self.limiter.backend.close()
