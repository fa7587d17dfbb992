"""Typed keys of the objects the admin applications share."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings

SETTINGS = web.AppKey("admin_settings", Settings)
SESSIONMAKER = web.AppKey("admin_sessionmaker", async_sessionmaker[AsyncSession])
