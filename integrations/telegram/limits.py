"""Telegram's rate limits as a scheduler of requests: overall, per chat, per group; 429 pauses.

Limits (Telegram's documented ones, with their defaults here): about 30 messages per second
overall, one per second to a private chat, 20 per minute to a group. A 429 answer pauses the
chat for `retry_after` seconds; two chats answering 429 within a second mean the bot as a
whole is throttled, and then every chat waits. No request is made inside a pause.

Time comes from a `Clock`, so tests drive it without sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds and a way to wait."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class MonotonicClock:
    """The real clock."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))


@dataclass(frozen=True)
class Limits:
    """The numbers the sender keeps to."""

    per_second: float = 30.0
    private_interval: float = 1.0
    group_per_minute: int = 20
    global_429_window: float = 1.0
    departure_window: float = 1.03  # at most per_second requests leave in any such window


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids."""
    return chat_id < 0


@dataclass
class RateLimiter:
    """When the next request may go: call `wait_turn(chat_id)` right before each request."""

    clock: Clock = field(default_factory=MonotonicClock)
    limits: Limits = field(default_factory=Limits)
    _next_global: float = 0.0
    _next_chat: dict[int, float] = field(default_factory=dict)
    _group_sent: dict[int, deque[float]] = field(default_factory=dict)
    _paused_chat: dict[int, float] = field(default_factory=dict)
    _paused_all: float = 0.0
    _recent_429: deque[tuple[float, int]] = field(default_factory=deque)
    _departures: deque[float] = field(default_factory=deque)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def ready_at(self, chat_id: int) -> float:
        """The earliest moment a request to `chat_id` may go, pauses and limits included."""
        at = max(
            self._next_global,
            self._next_chat.get(chat_id, 0.0),
            self._paused_chat.get(chat_id, 0.0),
            self._paused_all,
        )
        sent = self._group_sent.get(chat_id)
        if is_group(chat_id) and sent and len(sent) >= self.limits.group_per_minute:
            at = max(at, sent[0] + 60.0)
        return at

    def paused_until(self, chat_id: int) -> float:
        """The end of a 429 pause of this chat (or of everything), else 0."""
        return max(self._paused_chat.get(chat_id, 0.0), self._paused_all)

    async def wait_turn(self, chat_id: int) -> None:
        """Wait for this chat's turn and take it (the global slot is taken under a lock)."""
        while True:
            async with self._lock:
                now = self.clock.now()
                at = self.ready_at(chat_id)
                if at <= now:
                    self._take(chat_id, now)
                    return
            await self.clock.sleep(at - now)

    async def depart(self) -> None:
        """Call with nothing awaited between it and the request: waits while `per_second`
        requests already left within the last `departure_window` seconds, then counts this one.

        `wait_turn` paces the turns; a request can still leave later than its turn (the sender
        stores a broadcast row's `requested_at` in between), and turns delayed differently
        would leave in a bunch. Counting the departures themselves keeps any one second (plus
        a margin for the network) at the limit, as Telegram counts."""
        window = self.limits.departure_window
        while True:
            now = self.clock.now()
            while self._departures and self._departures[0] <= now - window:
                self._departures.popleft()
            if len(self._departures) < int(self.limits.per_second):
                self._departures.append(now)
                return
            await self.clock.sleep(self._departures[0] + window - now)

    def _take(self, chat_id: int, now: float) -> None:
        self._next_global = now + 1.0 / self.limits.per_second
        if is_group(chat_id):
            sent = self._group_sent.setdefault(chat_id, deque())
            while sent and sent[0] <= now - 60.0:
                sent.popleft()
            sent.append(now)
            self._next_chat[chat_id] = now + 60.0 / self.limits.group_per_minute
        else:
            self._next_chat[chat_id] = now + self.limits.private_interval

    def retry_after(self, chat_id: int, seconds: float) -> None:
        """Telegram said 429: pause the chat, or everything if another chat just said so too."""
        now = self.clock.now()
        until = now + max(seconds, 0.0)
        self._paused_chat[chat_id] = max(self._paused_chat.get(chat_id, 0.0), until)
        while self._recent_429 and self._recent_429[0][0] < now - self.limits.global_429_window:
            self._recent_429.popleft()
        if any(other != chat_id for _at, other in self._recent_429):
            self._paused_all = max(self._paused_all, until)
        self._recent_429.append((now, chat_id))
