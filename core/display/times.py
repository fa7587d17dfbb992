"""Dates, times and durations for people, through Babel, in the configured time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from babel.dates import format_date, format_datetime

from core.display.numbers import DASH, Number

DAY = "dd.MM.yyyy"
MOMENT = "dd.MM.yyyy HH:mm"
UNITS = {
    "ru": {"d": "дн", "h": "ч", "min": "мин", "s": "с"},
    "en": {"d": "d", "h": "h", "min": "min", "s": "s"},
}


def _aware(value: datetime) -> datetime:
    """A stored time: naive values are UTC (storage is UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def day(value: date | datetime | None, zone: tzinfo | None = None, locale: str = "ru") -> str:
    """`02.12.2026`; a stored time is first moved into `zone`."""
    if value is None:
        return DASH
    if isinstance(value, datetime):
        value = _aware(value).astimezone(zone or UTC).date()
    return format_date(value, DAY, locale=locale)


def moment(value: datetime | None, zone: tzinfo, locale: str = "ru") -> str:
    """A stored UTC time shown in the configured zone: `02.12.2026 14:05`."""
    if value is None:
        return DASH
    return format_datetime(_aware(value).astimezone(zone), MOMENT, locale=locale)


def month(value: date | datetime | None, locale: str = "ru", short: bool = False) -> str:
    """A month as a heading: `декабрь 2026` (ru), `December 2026` (en); short for a chart's
    axis: `дек. 26`."""
    if value is None:
        return DASH
    return format_date(value, "LLL yy" if short else "LLLL yyyy", locale=locale)


def duration(value: timedelta | float | int | None, locale: str = "ru") -> str:
    """A span in its two largest units: `2 дн 3 ч`, `1 ч 20 мин`, `45 мин`, `30 с`.

    A plain number is a count of seconds."""
    if value is None:
        return DASH
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign = "−" if seconds < 0 else ""
    seconds = abs(seconds)
    units = UNITS.get(locale, UNITS["en"])
    if seconds < 60:
        return f"{sign}{round(seconds)} {units['s']}"
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        parts = [(days, "d"), (hours, "h")]
    elif hours:
        parts = [(hours, "h"), (minutes, "min")]
    else:
        parts = [(minutes, "min")]
    text = " ".join(f"{n} {units[u]}" for n, u in parts if n or u == parts[0][1])
    return sign + text


def minutes(value: Number | None, locale: str = "ru") -> str:
    """A count of minutes as a duration: 80 -> `1 ч 20 мин`."""
    return DASH if value is None else duration(float(value) * 60, locale)
