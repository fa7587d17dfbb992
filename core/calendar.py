"""The working calendar: zone, working days and hours, holidays, shortened and working days."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import CalendarDay
from core.settings import Settings

HOLIDAY = "holiday"
SHORTENED = "shortened"
WORKDAY = "workday"
DAY_KINDS = (HOLIDAY, SHORTENED, WORKDAY)


@dataclass(frozen=True)
class WorkingCalendar:
    """When the distributor works. Times given to it may be in any zone; it thinks in `zone`."""

    zone: ZoneInfo
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    start: time = time(9, 0)
    end: time = time(18, 0)
    shortened_hours: int = 1
    overrides: Mapping[date, str] = field(default_factory=dict)

    def hours(self, day: date) -> tuple[datetime, datetime] | None:
        """The working interval of a local day as aware datetimes, or None on a day off."""
        kind = self.overrides.get(day)
        if kind == HOLIDAY:
            return None
        if kind != WORKDAY and day.isoweekday() not in self.working_days:
            return None
        opens = datetime.combine(day, self.start, self.zone)
        closes = datetime.combine(day, self.end, self.zone)
        if kind == SHORTENED:
            closes -= timedelta(hours=self.shortened_hours)
        return opens, closes

    def is_working_time(self, at: datetime) -> bool:
        """True if `at` (aware) falls inside working hours; the closing minute is outside."""
        local = at.astimezone(self.zone)
        interval = self.hours(local.date())
        return interval is not None and interval[0] <= local < interval[1]

    def next_working_start(self, at: datetime) -> datetime:
        """The next moment working time begins at or after `at` (aware, in `zone`)."""
        local = at.astimezone(self.zone)
        day = local.date()
        for _ in range(400):
            interval = self.hours(day)
            if interval is not None and interval[0] >= local:
                return interval[0]
            day += timedelta(days=1)
        raise ValueError("no working day within a year; check the calendar settings")


def calendar_from_settings(
    settings: Settings, overrides: Mapping[date, str] | None = None
) -> WorkingCalendar:
    """A calendar with the weekly schedule from settings and the given day overrides."""
    return WorkingCalendar(
        zone=settings.zone,
        working_days=frozenset(settings.working_days),
        start=settings.working_hours_start,
        end=settings.working_hours_end,
        shortened_hours=settings.shortened_day_hours,
        overrides=dict(overrides or {}),
    )


async def load_calendar(session: AsyncSession, settings: Settings) -> WorkingCalendar:
    """The calendar from settings plus the holidays and special days stored in the database."""
    rows = await session.execute(select(CalendarDay.day, CalendarDay.kind))
    return calendar_from_settings(settings, {day: kind for day, kind in rows})
