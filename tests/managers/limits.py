"""The fake Bot API of tests/bot with Telegram's refusals on demand, on a virtual clock.

`LimitedTelegram` answers scripted calls with 429 (and `parameters.retry_after`, as Telegram
does), 5xx or any other status, and stamps every call with the virtual clock's time, so a test
can show that no request was made inside a 429 pause without sleeping. 403 for a person who
blocked the bot comes from the base class's `blocked_chats`.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.bot.fake_api import Call, FakeTelegram, Schema

_RETRY = re.compile(r"retry after (\d+)")


class VirtualClock:
    """Monotonic time that moves only when someone sleeps: no test waits for real."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.t = start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept.append(seconds)
            self.t += seconds
        await asyncio.sleep(0)


@dataclass
class Refusal:
    """Answer the next `times` calls of `method` to `chat_id` with `status`."""

    method: str
    chat_id: int | None
    status: int
    times: int = 1
    retry_after: int = 0


class LimitedTelegram(FakeTelegram):
    """FakeTelegram with scripted refusals and virtual-clock stamps on every call."""

    def __init__(self, schema: Schema, clock: VirtualClock) -> None:
        super().__init__(schema)
        self.clock = clock
        self.refusals: list[Refusal] = []
        self.stamps: dict[int, float] = {}  # id(call) -> virtual time of the call

    def refuse(
        self,
        method: str,
        chat_id: int | None,
        status: int,
        *,
        times: int = 1,
        retry_after: int = 0,
    ) -> None:
        """Script a refusal (429 needs `retry_after`)."""
        self.refusals.append(Refusal(method, chat_id, status, times, retry_after))

    def at(self, call: Call) -> float:
        """The virtual time a call was made."""
        return self.stamps[id(call)]

    def sent_to(self, chat_id: int, method: str | None = None) -> list[Call]:
        """Every call to a chat (of one method when given), refused ones included."""
        return [
            c for c in self.calls if c.chat_id == chat_id and (method is None or c.method == method)
        ]

    def _answer(self, call: Call) -> tuple[int, Any]:
        self.stamps[id(call)] = self.clock.now()
        for rule in self.refusals:
            if rule.times <= 0 or rule.method != call.method:
                continue
            if rule.chat_id is not None and rule.chat_id != call.chat_id:
                continue
            rule.times -= 1
            if rule.status == 429:
                return 429, f"Too Many Requests: retry after {rule.retry_after}"
            return rule.status, f"Scripted error {rule.status}"
        return super()._answer(call)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        response = await super()._handle(request)
        if response.status == 429 and isinstance(response, web.Response) and response.text:
            description = json.loads(response.text)["description"]
            match = _RETRY.search(description)
            retry_after = int(match.group(1)) if match else 1
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": description,
                    "parameters": {"retry_after": retry_after},
                },
                status=429,
            )
        return response
