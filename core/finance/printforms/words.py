"""Сумма прописью and the VAT inside an amount."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

CENT = Decimal("0.01")


def amount_in_words(value: Decimal) -> str:
    """`Одна тысяча двести тридцать четыре рубля 50 копеек` (rubles in words, kopecks in digits,
    as Russian accounting writes it)."""
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    text = num2words(value, lang="ru", to="currency", currency="RUB", cents=False, separator="")
    text = " ".join(str(text).split())
    return text[:1].upper() + text[1:]


def vat_of(total: Decimal, rate: Decimal) -> Decimal:
    """The VAT included in `total` at `rate` percent (0 for no VAT), to the kopeck."""
    if rate <= 0:
        return Decimal("0.00")
    return (total * rate / (Decimal(100) + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
