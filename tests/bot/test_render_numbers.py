"""Money and quantities read as Babel writes them, in every locale."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from babel.numbers import format_decimal

from bot.i18n import LOCALES, create_i18n
from bot.render import money, qty

SAMPLES = [
    Decimal(0),
    Decimal("0.00"),
    Decimal("1E+3"),
    Decimal("999.995"),
    Decimal("1234567.5"),
    Decimal("0.001"),
    Decimal("12.3450"),
    Decimal("-5"),
    Decimal("-1234.5"),
    Decimal("1E-5"),
    Decimal("100.000"),
]


def _babel_qty(value: Decimal, locale: str) -> str:
    # thousands grouped, at most 3 decimals, never an exponent (core.display.quantity)
    return format_decimal(value, format="#,##0.###", locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_money_and_qty_match_babel(locale: str) -> None:
    rnd = random.Random(3)
    values = SAMPLES + [
        Decimal(rnd.randint(-(10**9), 10**9)).scaleb(rnd.randint(-5, 3)) for _ in range(3000)
    ]
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale(locale):
        for value in values:
            assert money(value) == f"{format_decimal(value, format='#,##0.00', locale=locale)} ₽"
            assert qty(value) == _babel_qty(value, locale)
    with i18n.context(), i18n.use_locale("ru"):
        assert money(Decimal("1234.5")) == "1\xa0234,50 ₽"
        assert qty(Decimal("1.500")) == "1,5"
