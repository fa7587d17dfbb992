"""Formatting of numbers, money, dates and statuses in the current locale (plain text)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import get_i18n
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

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
    code = locale()
    if value.is_finite() and value >= 0 and value.as_tuple().exponent >= -2:  # type: ignore[operator]
        # Babel's '#,##0.00' for a value that needs no rounding, without its per-call parsing
        # (a search page formats a dozen numbers); a test checks both agree.
        return f"{format(value, ',.2f').translate(_separators(code))} {sign}"
    return f"{format_decimal(value, format='#,##0.00', locale=code)} {sign}"


def qty(value: Decimal) -> str:
    """A quantity without trailing zeros: `5`, `1,5`."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        normalized = normalized.quantize(Decimal(1))
    code = locale()
    if normalized.is_finite() and normalized >= 0 and normalized.as_tuple().exponent >= -3:  # type: ignore[operator]
        # Babel's default '#,##0.###' without grouping, for a value that needs no rounding.
        return format(normalized, "f").translate(_separators(code))
    return format_decimal(normalized, locale=code, group_separator=False)


@cache
def _separators(code: str) -> dict[int, str]:
    """Python's ',' and '.' in numbers -> the locale's group and decimal symbols."""
    return str.maketrans({",": get_group_symbol(code), ".": get_decimal_symbol(code)})


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
