"""The figures of a 1C exchange (import counts, package kinds) in Russian words, for the admin's
exchange log and the command line alike."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal

from core.display.words import LABELS

LOCALE = "ru"


def count_label(key: str) -> str:
    """The word for a count key ("products" -> "товаров")."""
    return LABELS["exchange_count"].get(key, key.replace("_", " "))


def exchange_value(key: str, value: Any) -> str:
    """A value of an exchange's counts: numbers, nested counts ("товаров 2, цен 3"), packages."""
    if isinstance(value, list | tuple):
        return format_decimal(len(value), locale=LOCALE)
    if isinstance(value, bool) or value is None:
        return "да" if value else "—"
    if isinstance(value, int | float):
        return format_decimal(value, locale=LOCALE)
    if isinstance(value, dict):
        return ", ".join(f"{count_label(k)} {exchange_value(k, v)}" for k, v in value.items())
    if key == "package":
        words = LABELS["exchange_package"]
        return ", ".join(
            " ".join(words.get(word, word) for word in part.split(":"))
            for part in str(value).split(", ")
        )
    return str(value)
