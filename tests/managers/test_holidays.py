"""Russian public holidays loaded for a year into the working calendar, and after-hours
detection with them: zone, weekend, holiday, moved day off, shortened day, 17:59 and 18:01."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from core.calendar import HOLIDAY, SHORTENED, WORKDAY, load_calendar
from core.errors import InvalidInput
from core.holidays import load_russian_holidays, russian_calendar, russian_holidays
from core.models import CalendarDay
from core.settings import Settings
from tests.managers.conftest import msk

SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


def test_the_year_2026_by_the_labour_code() -> None:
    days = {d.day: d.kind for d in russian_holidays(2026)}
    holidays = sorted(day for day, kind in days.items() if kind == HOLIDAY)
    assert holidays == [
        *(date(2026, 1, n) for n in range(1, 9)),
        date(2026, 2, 23),
        date(2026, 3, 8),
        date(2026, 3, 9),  # 8 March is a Sunday: the day off moves to Monday
        date(2026, 5, 1),
        date(2026, 5, 9),
        date(2026, 5, 11),  # 9 May is a Saturday: Monday 11 May is off
        date(2026, 6, 12),
        date(2026, 11, 4),
    ]
    shortened = sorted(day for day, kind in days.items() if kind == SHORTENED)
    assert shortened == [
        date(2026, 4, 30),
        date(2026, 5, 8),
        date(2026, 6, 11),
        date(2026, 11, 3),
        date(2026, 12, 31),
    ]  # 22 February and 7 March are Sundays/Saturdays: nothing to shorten


def test_the_decree_transfers_are_in_the_calendar() -> None:
    days = {d.day: d for d in russian_calendar(2026)}
    # 3-4 January 2026 (a weekend inside the holidays) move to Friday 9 January and 31 December
    assert days[date(2026, 1, 9)].kind == HOLIDAY and "03.01" in days[date(2026, 1, 9)].note
    assert days[date(2026, 12, 31)].kind == HOLIDAY  # no longer the shortened eve
    assert days[date(2026, 1, 3)].kind == HOLIDAY  # still a holiday itself
    days_2025 = {d.day: d.kind for d in russian_calendar(2025)}
    assert days_2025[date(2025, 11, 1)] == WORKDAY and days_2025[date(2025, 11, 3)] == HOLIDAY
    assert days_2025[date(2025, 5, 2)] == HOLIDAY and days_2025[date(2025, 12, 31)] == HOLIDAY
    assert russian_calendar(2028) == russian_holidays(2028)  # no decree known: rules only


def test_new_year_weekend_days_are_left_to_the_decree() -> None:
    days = {d.day for d in russian_holidays(2028) if d.kind == HOLIDAY}
    assert date(2028, 1, 1) in days and date(2028, 1, 10) not in days  # 1-2 Jan 2028: weekend


def test_a_year_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        russian_holidays(1990)
    assert error.value.key == "calendar.bad_year"


async def test_loading_keeps_what_an_admin_set_and_adds_nothing_twice(session) -> None:
    session.add(CalendarDay(day=date(2026, 12, 31), kind=HOLIDAY, note="Решение правительства"))
    session.add(CalendarDay(day=date(2026, 12, 26), kind=WORKDAY, note="Рабочая суббота"))
    await session.flush()
    stored = await load_russian_holidays(session, 2026)
    assert len(stored) == len(russian_calendar(2026)) - 1
    assert await load_russian_holidays(session, 2026) == []
    kept = await session.get(CalendarDay, date(2026, 12, 31))
    assert kept is not None and (kept.kind, kept.note) == (HOLIDAY, "Решение правительства")
    count = len(list(await session.scalars(select(CalendarDay))))
    assert count == len(russian_calendar(2026)) + 1
    changed = await load_russian_holidays(session, 2026, overwrite=True)
    assert [d.day for d in changed] == [date(2026, 12, 31)]


async def test_after_hours_with_the_loaded_calendar(session) -> None:
    await load_russian_holidays(session, 2026)
    session.add(CalendarDay(day=date(2026, 12, 26), kind=WORKDAY, note="Рабочая суббота"))
    await session.flush()
    cal = await load_calendar(session, SETTINGS)
    # an ordinary Thursday: 17:59 is working time, 18:01 is after hours
    assert cal.is_working_time(msk(2026, 12, 10, 17, 59))
    assert not cal.is_working_time(msk(2026, 12, 10, 18, 1))
    # the zone: 14:59 UTC is 17:59 in Moscow, 15:01 UTC is 18:01
    assert cal.is_working_time(datetime(2026, 12, 10, 14, 59, tzinfo=UTC))
    assert not cal.is_working_time(datetime(2026, 12, 10, 15, 1, tzinfo=UTC))
    # weekend, holiday, a day off moved from a weekend holiday
    assert not cal.is_working_time(msk(2026, 12, 12, 12, 0))  # Saturday
    assert not cal.is_working_time(msk(2026, 11, 4, 12, 0))
    assert not cal.is_working_time(msk(2026, 3, 9, 12, 0))
    assert cal.is_working_time(msk(2026, 12, 26, 12, 0))  # the admin's working Saturday
    # the shortened eve of a holiday closes an hour early
    assert cal.is_working_time(msk(2026, 11, 3, 16, 59))
    assert not cal.is_working_time(msk(2026, 11, 3, 17, 1))
    # the morning after a holiday weekend
    assert cal.next_working_start(msk(2026, 5, 8, 18, 1)) == msk(2026, 5, 12, 9, 0)
    assert cal.next_working_start(msk(2026, 12, 31, 17, 0)) == msk(
        2027, 1, 1, 9, 0
    )  # 2027 not loaded


async def test_an_order_at_17_59_is_in_hours_and_at_18_01_after_hours(world) -> None:
    from core.models import Order

    async with world.db() as s:
        await load_russian_holidays(s, 2026)
        await s.commit()
    in_hours = await world.place(msk(2026, 12, 10, 17, 59))
    after = await world.place(msk(2026, 12, 10, 18, 1), {"LX 1006": 1})
    on_holiday = await world.place(msk(2026, 11, 4, 12, 0), {"W712/75": 1})
    async with world.db() as s:
        flags = {
            o.id: o.is_after_hours
            for o in await s.scalars(
                select(Order).where(Order.id.in_([in_hours, after, on_holiday]))
            )
        }
    assert flags == {in_hours: False, after: True, on_holiday: True}
    assert time(18, 0) == SETTINGS.working_hours_end
