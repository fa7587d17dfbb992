"""Filters: who may use a flow, and menu buttons matched in every language."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject
from magic_filter import MagicFilter

from bot.i18n import texts_of
from core.models import User


def is_bound_dealer(user: User | None) -> bool:
    """True for an active person bound to a dealer."""
    return user is not None and user.is_active and user.dealer_id is not None


class BoundDealer(Filter):
    """Passes only updates from an active person bound to a dealer."""

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return is_bound_dealer(user)


class NotBound(Filter):
    """Passes updates from people who are not (or no longer) bound to a dealer, staff excepted."""

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        if user is not None and user.role in ("manager", "admin") and user.is_active:
            return False
        return not is_bound_dealer(user)


class MenuButton(Filter):
    """A message whose text is the menu button `key` in any locale."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def __call__(self, message: Message) -> bool:
        return message.text is not None and message.text in texts_of(self.key)


class NotMenu(Filter):
    """A text message that is not one of the main menu buttons (steps of a flow use it, so a
    menu button always leaves the flow)."""

    async def __call__(self, message: Message) -> bool:
        from bot.keyboards import MENU_KEYS

        text = message.text or ""
        return not any(text in texts_of(key) for row in MENU_KEYS for key in row)


class Is(Filter):
    """A magic filter checked inline: aiogram runs plain callables and bare magic filters in a
    worker thread, which costs more than the check itself on every update."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self.magic.resolve(event))
