"""The locale of an update: the person's saved language, else their Telegram language."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject
from aiogram.types import User as TgUser
from aiogram.utils.i18n import I18nMiddleware

from bot.i18n import LOCALES, normalize_locale


class LocaleMiddleware(I18nMiddleware):
    """Sets the gettext locale for each event from `user_language` or Telegram's language."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        saved = data.get("user_language")
        if saved in LOCALES:
            return str(saved)
        tg_user: TgUser | None = data.get("event_from_user")
        return normalize_locale(tg_user.language_code if tg_user else None)
