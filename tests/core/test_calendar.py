"""After-hours detection: zone, weekend, holiday, shortened day, working Saturday, 17:59."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from core.calendar import HOLIDAY, SHORTENED, WORKDAY, WorkingCalendar, load_calendar
from core.models import CalendarDay
from core.settings import Settings

MSK = ZoneInfo("Europe/Moscow")
cal = WorkingCalendar(
    zone=MSK,
    overrides={
        date(2026, 11, 4): HOLIDAY,  # Wednesday, Day of National Unity
        date(2026, 11, 3): SHORTENED,  # Tuesday before it
        date(2026, 11, 7): WORKDAY,  # a Saturday made a working day
    },
)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def test_closing_minute() -> None:
    assert cal.is_working_time(msk(2026, 11, 5, 17, 59))
    assert not cal.is_working_time(msk(2026, 11, 5, 18, 0))
    assert not cal.is_working_time(msk(2026, 11, 5, 18, 1))
    assert cal.is_working_time(msk(2026, 11, 5, 9, 0))
    assert not cal.is_working_time(msk(2026, 11, 5, 8, 59))


def test_time_zone_is_applied() -> None:
    # 14:30 UTC is 17:30 in Moscow (working) and 15:01 UTC is 18:01 (after hours).
    assert cal.is_working_time(datetime(2026, 11, 5, 14, 30, tzinfo=UTC))
    assert not cal.is_working_time(datetime(2026, 11, 5, 15, 1, tzinfo=UTC))
    # 06:30 UTC is 09:30 in Moscow but 07:30 in Berlin.
    berlin = WorkingCalendar(zone=ZoneInfo("Europe/Berlin"))
    at = datetime(2026, 11, 5, 6, 30, tzinfo=UTC)
    assert cal.is_working_time(at) and not berlin.is_working_time(at)


def test_weekend_holiday_shortened_and_working_saturday() -> None:
    assert not cal.is_working_time(msk(2026, 11, 8, 12, 0))  # Sunday
    assert not cal.is_working_time(msk(2026, 11, 4, 12, 0))  # holiday
    assert cal.is_working_time(msk(2026, 11, 3, 16, 59))  # shortened day ends at 17:00
    assert not cal.is_working_time(msk(2026, 11, 3, 17, 0))
    assert cal.is_working_time(msk(2026, 11, 7, 12, 0))  # working Saturday


def test_next_working_start_skips_weekend_and_holiday() -> None:
    assert cal.next_working_start(msk(2026, 11, 3, 19, 0)) == msk(2026, 11, 5, 9, 0)
    assert cal.next_working_start(msk(2026, 11, 8, 10, 0)) == msk(2026, 11, 9, 9, 0)
    assert cal.next_working_start(msk(2026, 11, 9, 8, 0)) == msk(2026, 11, 9, 9, 0)


async def test_load_calendar_reads_stored_days(session) -> None:
    session.add(CalendarDay(day=date(2026, 12, 31), kind=HOLIDAY, note="New Year's Eve"))
    await session.flush()
    settings = Settings(working_hours_end=time(17, 0), timezone="Asia/Yekaterinburg")
    loaded = await load_calendar(session, settings)
    ekb = ZoneInfo("Asia/Yekaterinburg")
    assert not loaded.is_working_time(datetime(2026, 12, 31, 12, 0, tzinfo=ekb))
    assert loaded.is_working_time(datetime(2026, 12, 30, 16, 59, tzinfo=ekb))
    assert not loaded.is_working_time(datetime(2026, 12, 30, 17, 0, tzinfo=ekb))
