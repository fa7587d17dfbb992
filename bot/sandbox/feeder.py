"""Feeding the real Dispatcher with a sandbox person's actions, in-process.

The same `create_dispatcher` (routers, middlewares, core) as the real bot, with a Bot of its
own (a fake token) whose session is bot.sandbox.transport's: nothing goes over HTTP, and the
sandbox's chats (Telegram ids from core.sandbox.SANDBOX_BASE up) are never a real bot's.
After each action the sandbox's own sender delivers what the action caused (a new order's
card to the manager's stand-in, a status to the dealer's) into the sandbox chats.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable
from typing import Any, Protocol

from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, Chat, Document, InlineQuery, Message, Update
from aiogram.types import User as TgUser
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_dispatcher
from bot.sandbox.transport import (
    CURRENT,
    SandboxSession,
    apply,
    message_json,
    new_box,
    next_message_id,
)
from core import sandbox
from core.models import SandboxFile, SandboxMessage, User, utcnow
from core.settings import Settings

SANDBOX_TOKEN = "100000:sandbox-in-process-not-a-telegram-token"
_update_ids = itertools.count(int(time.time()))


class Deliverer(Protocol):
    """What the sandbox needs of the outbox sender (integrations.telegram.sender.Sender)."""

    async def run_once(self) -> int: ...


class Sandbox:
    """The sandbox bot: one per process, sharing chats with every other through the DB.

    `deliverer` builds the sandbox's own outbox sender around the sandbox Bot; the composition
    root passes it (dealerbot.telegram.make_sandbox), so bot/ does not import the delivery code.
    """

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        deliverer: Callable[[Bot], Deliverer],
    ) -> None:
        self.sessionmaker = sessionmaker
        self.bot = Bot(token=SANDBOX_TOKEN, session=SandboxSession(sessionmaker))
        self.dispatcher: Dispatcher = create_dispatcher(settings, sessionmaker)
        self.sender = deliverer(self.bot)

    async def _person(self, chat_id: int) -> TgUser:
        async with self.sessionmaker() as session:
            user = await session.scalar(select(User).where(User.telegram_id == chat_id))
        name = (user.full_name if user else "") or "Гость"
        return TgUser(
            id=chat_id,
            is_bot=False,
            first_name=name[:60],
            language_code=user.language if user else "ru",
        )

    async def _record(self, chat_id: int, text: str, **fields: Any) -> SandboxMessage:
        async with self.sessionmaker() as session:
            row = SandboxMessage(
                chat_id=chat_id,
                message_id=await next_message_id(session, chat_id),
                from_bot=False,
                text=text,
                created_at=utcnow(),
                **fields,
            )
            session.add(row)
            await session.commit()
        return row

    async def _feed(self, chat_id: int, update: Update) -> dict[str, Any]:
        box = new_box(chat_id)
        token = CURRENT.set(box)
        try:
            with sandbox.playing():
                await self.dispatcher.feed_update(self.bot, update)
            await apply(self.sessionmaker, box)
            await self.deliver()
        finally:
            CURRENT.reset(token)
        return box

    async def deliver(self) -> int:
        """Send what the sandbox's outbox holds into the sandbox chats; messages sent."""
        box = CURRENT.get()
        token = CURRENT.set(new_box(0)) if box is None else None
        sent = 0
        try:
            while True:
                batch = await self.sender.run_once()
                await apply(self.sessionmaker, CURRENT.get() or new_box(0))
                sent += batch
                if not batch:
                    return sent
        finally:
            if token is not None:
                CURRENT.reset(token)

    async def say(self, chat_id: int, text: str) -> dict[str, Any]:
        """The person types `text`."""
        self._check(chat_id)
        row = await self._record(chat_id, text)
        message = Message(
            message_id=row.message_id,
            date=row.created_at,
            chat=Chat(id=chat_id, type="private"),
            from_user=await self._person(chat_id),
            text=text,
        )
        return await self._feed(chat_id, Update(update_id=next(_update_ids), message=message))

    async def press(self, chat_id: int, message_id: int, data: str) -> dict[str, Any]:
        """The person taps an inline button of the bot's message `message_id`."""
        self._check(chat_id)
        async with self.sessionmaker() as session:
            row = await session.scalar(
                select(SandboxMessage).where(
                    SandboxMessage.chat_id == chat_id,
                    SandboxMessage.message_id == message_id,
                    SandboxMessage.from_bot.is_(True),
                    SandboxMessage.deleted.is_(False),
                )
            )
            if row is None:
                raise LookupError(message_id)
            shown = message_json(row)
        person = await self._person(chat_id)
        message = Message.model_validate(shown | {"from": shown["from"]})
        query = CallbackQuery(
            id=secrets.token_hex(8),
            from_user=person,
            chat_instance=str(chat_id),
            message=message,
            data=data,
        )
        return await self._feed(chat_id, Update(update_id=next(_update_ids), callback_query=query))

    async def upload(self, chat_id: int, name: str, content: bytes) -> dict[str, Any]:
        """The person sends a file (an Excel or CSV cart)."""
        self._check(chat_id)
        file_id = "sbx-" + secrets.token_urlsafe(12)
        async with self.sessionmaker() as session:
            session.add(SandboxFile(file_id=file_id, name=name, content=content))
            await session.commit()
        row = await self._record(chat_id, "", kind="document", file_id=file_id, file_name=name)
        document = Document(
            file_id=file_id, file_unique_id=file_id, file_name=name, file_size=len(content)
        )
        message = Message(
            message_id=row.message_id,
            date=row.created_at,
            chat=Chat(id=chat_id, type="private"),
            from_user=await self._person(chat_id),
            document=document,
        )
        return await self._feed(chat_id, Update(update_id=next(_update_ids), message=message))

    async def inline(self, chat_id: int, query: str) -> list[Any]:
        """The person types `@bot query` somewhere: the bot's inline results."""
        self._check(chat_id)
        inline = InlineQuery(
            id=secrets.token_hex(8), from_user=await self._person(chat_id), query=query, offset=""
        )
        box = await self._feed(chat_id, Update(update_id=next(_update_ids), inline_query=inline))
        return list(box["inline"] or [])

    @staticmethod
    def _check(chat_id: int) -> None:
        if not sandbox.is_sandbox_chat(chat_id):
            raise ValueError("not a sandbox chat")

    async def close(self) -> None:
        """Close the FSM storage of the sandbox's dispatcher."""
        await self.dispatcher.storage.close()
