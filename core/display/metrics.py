"""Metric figures for people: a value in its unit, said in Russian (`12,5 %`, `1 ч 20 мин`,
`3,2 на 100 заказов`, `14 операций/мес.`), and which way is better."""

from __future__ import annotations

from core.display.numbers import DASH, Number, money, number, percent
from core.display.times import minutes

# Units of core.metrics (MetricDef.unit) as people read them.
UNITS_RU = {
    "%": "%",
    "RUB": "₽",
    "min": "мин",
    "days": "дн",
    "per 100": "на 100 заказов",
    "ops/month": "операций/мес.",
    "contacts/month": "обращений/мес.",
    "lines": "строк",
    "dealers": "дилеров",
    "score": "балла из 5",
    "NPS": "пунктов NPS",
}
BETTER_RU = {"up": "больше — лучше", "down": "меньше — лучше"}


def unit(code: str) -> str:
    """The Russian name of a metric unit: `ops/month` -> `операций/мес.`."""
    return UNITS_RU.get(code, code)


def figure(value: Number | None, code: str, locale: str = "ru") -> str:
    """A metric value in its unit, with thousands separators."""
    if value is None:
        return DASH
    if code == "%":
        return percent(value, locale, digits=1)
    if code == "RUB":
        return money(value, "RUB", locale)
    if code == "min":
        return minutes(value, locale)
    if code == "NPS":
        return number(value, locale, digits=1)
    return f"{number(value, locale, digits=2)} {unit(code) if locale == 'ru' else code}"


def better(direction: str) -> str:
    """`больше — лучше` / `меньше — лучше` for a metric's good direction."""
    return BETTER_RU.get(direction, "")
