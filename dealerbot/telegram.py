"""Wiring of the Telegram sender: the bot builds messages, integrations.telegram delivers them."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbound import Outbound
from core.settings import Settings
from integrations.telegram.sender import Sender


def make_sender(
    bot: Bot, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, **kw: Any
) -> Sender:
    """The outbox sender with the bot's renderer (texts and keyboards in the configured zone)."""
    return Sender(bot, sessionmaker, settings, render=Outbound(settings.zone), **kw)
