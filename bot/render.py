"""The bot's formatting in the current update's locale: a thin delegate to core.display, plus
the translated status names and Telegram's length limits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import get_i18n

from bot.i18n import _
from core import display

MAX_TEXT = 4000  # Telegram allows 4096 characters; keep a margin for the "…" tail


def locale() -> str:
    """The locale of the update being handled."""
    return get_i18n().current_locale


def money(value: Decimal | None, currency: str = "RUB") -> str:
    """`1 234,50 ₽` (ru) or `1,234.50 ₽` (en); the bot's own word when there is no price."""
    if value is None:
        return _("price.none")
    return display.money(value, currency, locale())


def qty(value: Decimal) -> str:
    """A quantity without exponent or trailing zeros: `5`, `1,5`, `1 200`."""
    return display.quantity(value, locale=locale())


def day(value: date) -> str:
    """A date as people write it: 31.12.2025."""
    return display.day(value, locale=locale())


def moment(value: datetime, zone: ZoneInfo) -> str:
    """A stored UTC time shown in the configured zone."""
    return display.moment(value, zone, locale())


def order_status(status: str) -> str:
    """The translated name of an order status."""
    return _(f"order.status.{status}")


def claim_status(status: str) -> str:
    """The translated name of a claim status."""
    return _(f"claim.status.{status}")


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """Cut a text to fit one Telegram message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short(text: str, limit: int = 40) -> str:
    """A name shortened for a button."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
