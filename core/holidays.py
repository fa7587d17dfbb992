"""Russian public holidays for a year, by the Labour Code, loadable into the working calendar.

The rules (Трудовой кодекс РФ):
- art. 112: non-working holidays are 1-6 and 8 January (New Year holidays), 7 January
  (Christmas), 23 February, 8 March, 1 May, 9 May, 12 June and 4 November;
- art. 112: a holiday falling on a weekend moves to the next working day, except the
  1-8 January ones (the government moves those to other days of the year by a yearly decree);
- art. 95: the working day just before a holiday is one hour shorter.

The yearly government decree (art. 112 part 5) moves further days off (e.g. the weekend days
of the New Year holidays to 31 December, a Saturday made a working day); those cannot be
derived from rules: the published decrees are in `DECREES` (`russian_calendar` = rules plus
decree), and an admin enters any other change as a calendar day. No third-party library is used:
the rules are a dozen lines, and the `holidays` package knows neither shortened days nor the
calendar-day table we keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import HOLIDAY, SHORTENED, WORKDAY
from core.errors import InvalidInput
from core.models import CalendarDay

FIXED: tuple[tuple[int, int, str], ...] = (
    (1, 1, "Новогодние каникулы"),
    (1, 2, "Новогодние каникулы"),
    (1, 3, "Новогодние каникулы"),
    (1, 4, "Новогодние каникулы"),
    (1, 5, "Новогодние каникулы"),
    (1, 6, "Новогодние каникулы"),
    (1, 7, "Рождество Христово"),
    (1, 8, "Новогодние каникулы"),
    (2, 23, "День защитника Отечества"),
    (3, 8, "Международный женский день"),
    (5, 1, "Праздник Весны и Труда"),
    (5, 9, "День Победы"),
    (6, 12, "День России"),
    (11, 4, "День народного единства"),
)
MIN_YEAR, MAX_YEAR = 2005, 2100
# Days off moved by the government's yearly decree: (the day off given up, the day it moves to).
DECREES: dict[int, tuple[tuple[date, date], ...]] = {
    2025: (
        (date(2025, 1, 4), date(2025, 5, 2)),
        (date(2025, 1, 5), date(2025, 12, 31)),
        (date(2025, 11, 1), date(2025, 11, 3)),
    ),
    2026: (
        (date(2026, 1, 3), date(2026, 1, 9)),
        (date(2026, 1, 4), date(2026, 12, 31)),
    ),
}  # the current list of holidays dates from 2005


@dataclass(frozen=True)
class SpecialDay:
    """A day that differs from the weekly schedule: a holiday or a shortened day."""

    day: date
    kind: str  # core.calendar.HOLIDAY or SHORTENED
    note: str


def _weekend(day: date) -> bool:
    return day.isoweekday() >= 6


def russian_holidays(year: int) -> list[SpecialDay]:
    """Holidays (fixed and moved off weekends) and pre-holiday shortened days of `year`."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput("calendar.bad_year", year=year, low=MIN_YEAR, high=MAX_YEAR)
    fixed = {date(year, month, day): note for month, day, note in FIXED}
    days_off = dict(fixed)
    for holiday, note in sorted(fixed.items()):
        if not _weekend(holiday) or (holiday.month == 1 and holiday.day <= 8):
            continue
        moved = holiday + timedelta(days=1)
        while _weekend(moved) or moved in days_off:
            moved += timedelta(days=1)
        days_off[moved] = f"{note}: выходной перенесён с {holiday:%d.%m}"
    out = [SpecialDay(day, HOLIDAY, note) for day, note in days_off.items()]
    eves = [holiday - timedelta(days=1) for holiday in fixed]
    eves.append(date(year, 12, 31))  # the eve of next year's 1 January
    for eve in eves:
        if eve.year == year and not _weekend(eve) and eve not in days_off:
            out.append(SpecialDay(eve, SHORTENED, "Предпраздничный день"))
    return sorted(set(out), key=lambda item: item.day)


def decree_transfers(year: int) -> list[SpecialDay]:
    """The days the year's decree moves: the new day off, and a weekend made a working day
    (a weekend inside the New Year holidays stays off: only its day off moves)."""
    holidays = {date(year, month, day) for month, day, _ in FIXED}
    out = []
    for given_up, moved in DECREES.get(year, ()):
        out.append(
            SpecialDay(moved, HOLIDAY, f"Выходной перенесён с {given_up:%d.%m} (постановление)")
        )
        if given_up not in holidays:
            note = f"Рабочий день: выходной перенесён на {moved:%d.%m} (постановление)"
            out.append(SpecialDay(given_up, WORKDAY, note))
    return out


def russian_calendar(year: int) -> list[SpecialDay]:
    """The year's holidays and shortened days by the Labour Code, with the decree's transfers
    in place of what they change."""
    days = {item.day: item for item in russian_holidays(year)}
    days.update({item.day: item for item in decree_transfers(year)})
    return sorted(days.values(), key=lambda item: item.day)


async def load_russian_holidays(
    session: AsyncSession, year: int, *, overwrite: bool = False
) -> list[SpecialDay]:
    """Store the year's holidays, shortened days and decree transfers as calendar days;
    returns those stored.

    Days an admin already set are kept unless `overwrite` is given; loading twice adds nothing.
    """
    wanted = russian_calendar(year)
    existing = {
        row.day: row
        for row in await session.scalars(
            select(CalendarDay).where(CalendarDay.day.in_([item.day for item in wanted]))
        )
    }
    stored: list[SpecialDay] = []
    for item in wanted:
        row = existing.get(item.day)
        if row is None:
            session.add(CalendarDay(day=item.day, kind=item.kind, note=item.note))
        elif overwrite and (row.kind, row.note) != (item.kind, item.note):
            row.kind, row.note = item.kind, item.note
        else:
            continue
        stored.append(item)
    await session.flush()
    return stored
