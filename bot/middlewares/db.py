"""One AsyncSession per update (commit on success, rollback on error) and the current User."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.dealers.service import mark_reachable, user_and_dealer_by_telegram_id


class DbSessionMiddleware(BaseMiddleware):
    """Outer update middleware: gives handlers `session`, `user` (core User or None) and the
    user's `dealer` (or None)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        async with self.sessionmaker() as session:
            # The dealer comes along (most handlers need it) and stays in the session.
            found = await user_and_dealer_by_telegram_id(session, tg_user.id) if tg_user else None
            user = found[0] if found is not None else None
            chat: Chat | None = data.get("event_chat")
            if user is not None and chat is not None and chat.type == "private":
                mark_reachable(user)  # they wrote to the bot: they no longer block it
            data["session"] = session
            data["user"] = user
            data["dealer"] = found[1] if found is not None else None
            # Plain values that stay readable after a rollback (the error router uses them).
            data["user_language"] = user.language if user is not None else None
            try:
                result = await handler(event, data)
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
            return result
