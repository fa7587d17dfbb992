"""Russian public holidays for a year, by the Labour Code, loadable into the working calendar.

The rules (Трудовой кодекс РФ):
- art. 112: non-working holidays are 1-6 and 8 January (New Year holidays), 7 January
  (Christmas), 23 February, 8 March, 1 May, 9 May, 12 June and 4 November;
- art. 112: a holiday falling on a weekend moves to the next working day, except the
  1-8 January ones (the government moves those to other days of the year by a yearly decree);
- art. 95: the working day just before a holiday is one hour shorter.

The yearly government decree may move further days (e.g. make 31 December a day off and a
Saturday a working day); those cannot be derived from rules, so an admin enters them as
calendar days on top of what `load_russian_holidays` stores. No third-party library is used:
the rules are a dozen lines, and the `holidays` package knows neither shortened days nor the
calendar-day table we keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import HOLIDAY, SHORTENED
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
MIN_YEAR, MAX_YEAR = 2005, 2100  # the current list of holidays dates from 2005


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


async def load_russian_holidays(
    session: AsyncSession, year: int, *, overwrite: bool = False
) -> list[SpecialDay]:
    """Store the year's holidays and shortened days as calendar days; returns those stored.

    Days an admin already set are kept unless `overwrite` is given; loading twice adds nothing.
    """
    wanted = russian_holidays(year)
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
