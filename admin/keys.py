"""Typed keys of the objects the admin applications share."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.metrics import WindowCache
from core.settings import Settings

SETTINGS = web.AppKey("admin_settings", Settings)
SESSIONMAKER = web.AppKey("admin_sessionmaker", async_sessionmaker[AsyncSession])
# Figures of closed metric windows, shared by the pages and the API of one process.
METRICS_CACHE = web.AppKey("admin_metrics_cache", WindowCache)
