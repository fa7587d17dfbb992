"""The admin's Jinja filters: every figure, time and stored value on a page goes through
core.display (Russian business format, the configured time zone)."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

import jinja2

from core import display

LOCALE = "ru"


def install(env: jinja2.Environment, zone: tzinfo) -> None:
    """Register the filters and globals on the admin's Jinja environment."""

    def local(value: datetime | None) -> str:
        return display.moment(value, zone, LOCALE)

    def day(value: date | datetime | None) -> str:
        return display.day(value, zone, LOCALE)

    def clock(value: time | datetime | None) -> str:
        return display.DASH if value is None else value.strftime("%H:%M")

    def money(value: Decimal | None, currency: str = "RUB") -> str:
        return display.money(value, currency, LOCALE)

    def quantity(value: Decimal | None, unit: str = "") -> str:
        return display.quantity(value, unit, LOCALE)

    def number(value: Any, digits: int = 2) -> str:
        return display.number(value, LOCALE, digits)

    def percent(value: Any, digits: int = 1) -> str:
        return display.percent(value, LOCALE, digits)

    def plural(count: Any, forms: Any) -> str:
        return display.plural(count, forms, LOCALE)

    def words(count: Any, forms: Any) -> str:
        return display.words(count, forms, LOCALE)

    env.filters.update(
        local=local,
        day=day,
        clock=clock,
        money=money,
        amount=lambda value: display.amount(value, LOCALE),
        qty=quantity,
        number=number,
        percent=percent,
        duration=lambda value: display.duration(value, LOCALE),
        minutes=lambda value: display.minutes(value, LOCALE),
        label=lambda value, kind: display.label(kind, value),
        yes_no=display.yes_no,
        telegram_error=display.telegram_error,
        plural=plural,
        words=words,
        month=lambda value: display.month(value, LOCALE),
        figure=lambda value, unit: display.figure(value, unit, LOCALE),
        unit=display.unit,
        better=display.better,
    )
    env.globals["duration"] = lambda value: display.duration(value, LOCALE)
