"""Wiring of the Telegram sender: the bot builds messages, integrations.telegram delivers them."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbound import Outbound
from bot.sandbox.feeder import Sandbox
from core.settings import Settings
from integrations.telegram.sender import Sender


def make_sender(
    bot: Bot, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, **kw: Any
) -> Sender:
    """The outbox sender with the bot's renderer (texts and keyboards in the configured zone)."""
    return Sender(bot, sessionmaker, settings, render=Outbound(settings.zone), **kw)


def make_sandbox(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> Sandbox:
    """The in-process sandbox bot (bot.sandbox) with a sender of its own (sandbox chats only)."""
    return Sandbox(
        settings, sessionmaker, lambda bot: make_sender(bot, sessionmaker, settings, sandbox=True)
    )
