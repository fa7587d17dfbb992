"""The formatting layer (core/display), in Russian and English."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core import display
from core.models import ClaimStatus, DealerStatus, OrderStatus

NB = "\xa0"  # Babel's Russian group separator
MOSCOW = ZoneInfo("Europe/Moscow")


def test_money() -> None:
    assert display.money(Decimal("1234.5")) == f"1{NB}234,50 ₽"
    assert display.money(Decimal("1234.5"), locale="en") == "1,234.50 ₽"
    assert display.money(Decimal("1234567.891")) == f"1{NB}234{NB}567,89 ₽"
    assert display.money(Decimal("-5")) == "-5,00 ₽"
    assert display.money(Decimal("1E+3")) == f"1{NB}000,00 ₽"
    assert display.money(Decimal(10), "USD", "en") == "10.00 $"
    assert display.money(None) == "—"
    assert display.amount(Decimal("99.9")) == "99,90"


@pytest.mark.parametrize(
    ("value", "unit", "ru", "en"),
    [
        (Decimal("1E+1"), "шт", "10 шт", "10 шт"),
        (Decimal("10.000"), "шт", "10 шт", "10 шт"),
        (Decimal("2.500"), "л", "2,5 л", "2.5 л"),
        (Decimal("12345"), "", f"12{NB}345", "12,345"),
        (Decimal("0.125"), "кг", "0,125 кг", "0.125 кг"),
        (Decimal("1E-5"), "", "0", "0"),
        (3, "", "3", "3"),
    ],
)
def test_quantity_has_no_exponent_and_no_trailing_zeros(
    value: Decimal, unit: str, ru: str, en: str
) -> None:
    assert display.quantity(value, unit) == ru
    assert display.quantity(value, unit, locale="en") == en


def test_numbers_and_percentages() -> None:
    assert display.number(Decimal("1234567.456")) == f"1{NB}234{NB}567,46"
    assert display.number(1234.0, locale="en") == "1,234"
    assert display.number(Decimal("2.50"), digits=1) == "2,5"
    assert display.percent(Decimal("12.5")) == f"12,5{NB}%"
    assert display.percent(Decimal("12.5"), locale="en") == "12.5%"
    assert display.percent(100) == f"100{NB}%"
    assert display.percent(Decimal("33.333"), digits=0) == f"33{NB}%"
    assert display.points(Decimal("3.5")) == "+3,5 п.п."
    assert display.points(Decimal("-2"), locale="en") == "-2 pp"
    assert display.percent(None) == "—"


def test_dates_and_times_are_in_the_configured_zone() -> None:
    stored = datetime(2026, 12, 2, 11, 5, tzinfo=UTC)
    assert display.moment(stored, MOSCOW) == "02.12.2026 14:05"
    assert display.moment(stored, MOSCOW, "en") == "02.12.2026 14:05"
    assert display.moment(stored.replace(tzinfo=None), MOSCOW) == "02.12.2026 14:05"
    assert display.moment(None, MOSCOW) == "—"
    assert display.day(date(2026, 1, 9)) == "09.01.2026"
    late = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # already 1 January in Moscow
    assert display.day(late, MOSCOW) == "01.01.2027"
    assert display.month(date(2026, 12, 1)) == "декабрь 2026"
    assert display.month(date(2026, 12, 1), "en") == "December 2026"
    assert display.month(date(2026, 12, 1), short=True) == "дек. 26"


@pytest.mark.parametrize(
    ("span", "ru", "en"),
    [
        (timedelta(hours=1, minutes=20), "1 ч 20 мин", "1 h 20 min"),
        (timedelta(days=2, hours=3, minutes=10), "2 дн 3 ч", "2 d 3 h"),
        (timedelta(days=1), "1 дн", "1 d"),
        (timedelta(hours=5), "5 ч", "5 h"),
        (timedelta(minutes=45), "45 мин", "45 min"),
        (timedelta(seconds=30), "30 с", "30 s"),
        (timedelta(minutes=-90), "−1 ч 30 мин", "−1 h 30 min"),
    ],
)
def test_durations(span: timedelta, ru: str, en: str) -> None:
    assert display.duration(span) == ru
    assert display.duration(span, "en") == en


def test_minutes_and_empty_durations() -> None:
    assert display.minutes(80) == "1 ч 20 мин"
    assert display.minutes(Decimal("12.4")) == "12 мин"
    assert display.duration(None) == "—"


@pytest.mark.parametrize(
    ("count", "ru", "en"),
    [
        (1, "1 новая рекламация", "1 new claim"),
        (2, "2 новые рекламации", "2 new claims"),
        (5, "5 новых рекламаций", "5 new claims"),
        (11, "11 новых рекламаций", "11 new claims"),
        (21, "21 новая рекламация", "21 new claims"),
        (0, "0 новых рекламаций", "0 new claims"),
        (1234, f"1{NB}234 новые рекламации", "1,234 new claims"),
    ],
)
def test_plurals_follow_cldr(count: int, ru: str, en: str) -> None:
    assert display.plural(count, "new_claim") == ru
    assert display.plural(count, "new_claim", "en") == en


def test_plural_words_and_fractions() -> None:
    assert display.words(3, "dealer") == "дилера"
    assert display.words(25, "dealer") == "дилеров"
    assert display.plural(Decimal("1.5"), "day") == "1,5 дня"
    rouble = {"one": "рубль", "few": "рубля", "many": "рублей", "other": "рубля"}
    assert display.plural(1, rouble) == "1 рубль"


def test_labels_are_russian() -> None:
    assert display.label("dealer_status", DealerStatus.ACTIVE) == "активен"
    assert display.label("order_status", OrderStatus.IN_PROGRESS) == "в работе"
    assert display.label("claim_status", ClaimStatus.IN_REVIEW) == "на рассмотрении"
    assert display.label("dealer_status", None) == "—"
    assert display.yes_no(True) == "да"
    assert display.yes_no(False) == "нет"
    assert display.yes_no(None) == "—"
    for kind, enum in (
        ("order_status", OrderStatus),
        ("claim_status", ClaimStatus),
        ("dealer_status", DealerStatus),
    ):
        assert all(display.label(kind, m) != m.value for m in enum), kind


def test_telegram_errors_in_russian() -> None:
    from core.display import telegram_error

    assert (
        telegram_error("Forbidden: bot was blocked by the user") == "пользователь заблокировал бота"
    )
    assert telegram_error("Bad Request: chat not found") == "чат не найден"
    assert telegram_error("Bad Request: something new") == "Bad Request: something new"
    assert telegram_error(None) == ""
