"""Middlewares: a database session and the current person per update; the person's locale."""

from bot.middlewares.db import DbSessionMiddleware
from bot.middlewares.locale import LocaleMiddleware

__all__ = ["DbSessionMiddleware", "LocaleMiddleware"]
