"""Formatting of numbers, money, dates and statuses in the current locale (plain text)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import get_i18n
from babel.numbers import format_decimal

from bot.i18n import _

CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€"}
MAX_TEXT = 4000  # Telegram allows 4096 characters; keep a margin for the "…" tail


def locale() -> str:
    """The locale of the update being handled."""
    return get_i18n().current_locale


def money(value: Decimal | None, currency: str = "RUB") -> str:
    """`1 234,50 ₽` (ru) or `1,234.50 ₽` (en); a dash when there is no price."""
    if value is None:
        return _("price.none")
    sign = CURRENCY_SIGNS.get(currency, currency)
    return f"{format_decimal(value, format='#,##0.00', locale=locale())} {sign}"


def qty(value: Decimal) -> str:
    """A quantity without trailing zeros: `5`, `1,5`."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        normalized = normalized.quantize(Decimal(1))
    return format_decimal(normalized, locale=locale(), group_separator=False)


def day(value: date) -> str:
    """A date as people write it: 31.12.2025."""
    return value.strftime("%d.%m.%Y")


def moment(value: datetime, zone: ZoneInfo) -> str:
    """A stored UTC time shown in the configured zone."""
    return value.astimezone(zone).strftime("%d.%m.%Y %H:%M")


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
