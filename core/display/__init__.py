"""The one formatting layer for people: pure functions over Babel (ru, en).

Money `1 234,50 ₽`, quantities `2,5 л`, dates `02.12.2026 14:05` in the configured zone,
durations `1 ч 20 мин`, percentages, plurals by CLDR rules and the Russian labels of stored
values. The bot, the admin's templates, CSV/XLSX exports and the CLI all format through it."""

from core.display.metrics import better, figure, unit
from core.display.numbers import (
    CURRENCY_SIGNS,
    DASH,
    amount,
    money,
    number,
    percent,
    plain,
    points,
    quantity,
)
from core.display.times import day, duration, minutes, moment, month
from core.display.words import (
    LABELS,
    label,
    plural,
    plural_form,
    telegram_error,
    words,
    yes_no,
)

__all__ = [
    "CURRENCY_SIGNS",
    "DASH",
    "LABELS",
    "amount",
    "better",
    "day",
    "duration",
    "figure",
    "label",
    "minutes",
    "moment",
    "money",
    "month",
    "number",
    "percent",
    "plain",
    "plural",
    "plural_form",
    "points",
    "quantity",
    "telegram_error",
    "unit",
    "words",
    "yes_no",
]
