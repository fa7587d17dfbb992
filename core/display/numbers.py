"""Numbers for people, through Babel: money, quantities, plain figures, percentages."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

DASH = "—"
CURRENCY_SIGNS = {"RUB": "₽", "USD": "$", "EUR": "€"}
Number = Decimal | int | float


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@cache
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def _apply(value: Number, pattern: str, locale: str) -> str:
    return _pattern(pattern).apply(_decimal(value), _locale(locale))


def _decimal(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: Number | None, currency: str = "RUB", locale: str = "ru") -> str:
    """`1 234,50 ₽` (ru), `1,234.50 ₽` (en); a dash when there is no amount."""
    if value is None:
        return DASH
    return f"{_apply(value, '#,##0.00', locale)} {CURRENCY_SIGNS.get(currency, currency)}"


def amount(value: Number | None, locale: str = "ru") -> str:
    """Money without the currency sign (a table column headed "₽"): `1 234,50`."""
    return DASH if value is None else _apply(value, "#,##0.00", locale)


def number(value: Number | None, locale: str = "ru", digits: int = 2) -> str:
    """A figure with thousands separators, at most `digits` decimals, no exponent and no
    trailing zeros: `12 345`, `2,5`."""
    if value is None:
        return DASH
    fraction = "." + "#" * digits if digits > 0 else ""
    return _apply(value, f"#,##0{fraction}", locale)


def quantity(value: Number | None, unit: str = "", locale: str = "ru") -> str:
    """A quantity without exponent or trailing zeros, with its unit: `10 шт`, `2,5 л`."""
    if value is None:
        return DASH
    text = number(value, locale, digits=3)
    return f"{text} {unit}" if unit else text


def percent(value: Number | None, locale: str = "ru", digits: int = 1) -> str:
    """A percentage given in percent (12.5 -> `12,5 %` in ru, `12.5%` in en)."""
    if value is None:
        return DASH
    base = _locale(locale).percent_formats[None].pattern
    pattern = base.replace("0", "0." + "#" * digits, 1) if digits > 0 else base
    return _apply(_decimal(value) / 100, pattern, locale)


def points(value: Number | None, locale: str = "ru", digits: int = 1) -> str:
    """A difference of percentages, in percentage points: `+3,5 п.п.` (ru), `+3.5 pp` (en)."""
    if value is None:
        return DASH
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value, locale, digits)} {'п.п.' if locale == 'ru' else 'pp'}"


def plain(value: Number | None, locale: str = "ru", digits: int = 2) -> str:
    """A figure for a spreadsheet cell (CSV for Excel): the locale's decimal sign, no
    grouping, no exponent: `1234,5`; empty for None."""
    if value is None:
        return ""
    fraction = "." + "#" * digits if digits > 0 else ""
    return _apply(value, f"0{fraction}", locale)
