"""After-hours figures (core.metrics.after_hours) on a hand-built set of orders.

Zone Europe/Moscow (UTC+3, no DST), working Mon-Fri 09:00-18:00, Monday 2026-03-09 a holiday.
2026-03-02 is a Monday. Times below are local (UTC = local - 3 h).

order dealer placed (local)       flag  confirmed (local)     minutes  next working start S
o1    X      Mon 03-02 07:00      AH    Mon 03-02 09:30         150    03-02 09:00, waiting
o2    X      Mon 03-02 08:50      AH    Mon 03-02 08:55           5    03-02 09:00, handled
o3    X      Mon 03-02 10:00      in    Mon 03-02 10:20          20
o4    X      Mon 03-02 17:59      in    Mon 03-02 18:29          30    (last working minute)
o5    X      Mon 03-02 18:00      AH    Tue 03-03 09:10         910    03-03 09:00, waiting
o6    X      Fri 03-06 20:00      AH    rejected Sat 03-07 10:00  -    03-10 09:00, handled
o7    X      Sun 03-08 23:30      AH    never                     -    03-10 09:00, waiting
o8    X      Mon 03-09 11:00 (hol)AH    Tue 03-10 09:00        1320    03-10 09:00, waiting (at S)
o9    Y      Tue 03-03 01:30      AH    Tue 03-03 09:05         455    03-03 09:00, waiting
o10   Y (1C) Wed 03-04 00:00      in    never                     -

o9 is Monday 22:30 in UTC: the zone puts it on Tuesday, hour 1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendar import HOLIDAY, WorkingCalendar
from core.metrics.after_hours import after_hours_stats, working_starts
from core.metrics.rollout import MetricFilters, Period
from core.models import (
    Dealer,
    Order,
    OrderSource,
    OrderStatus,
    OrderStatusEvent,
    Role,
    User,
)

MSK = ZoneInfo("Europe/Moscow")
CALENDAR = WorkingCalendar(zone=MSK, overrides={date(2026, 3, 9): HOLIDAY})


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=MSK).astimezone(UTC)


PERIOD = Period(local(2, 0), local(11, 0))  # Mon 03-02 .. Wed 03-11 00:00 local
NOW = datetime(2026, 3, 12, 12, tzinfo=UTC)


@pytest.fixture
async def ids(session: AsyncSession) -> dict[str, int]:
    found: dict[str, int] = {}
    for n, name in enumerate(("M1", "M2")):
        manager = User(telegram_id=700 + n, role=Role.MANAGER, full_name=name)
        session.add(manager)
        await session.flush()
        found[name] = manager.id
    for name, manager_name in (("X", "M1"), ("Y", "M2")):
        item = Dealer(name=name, manager_id=found[manager_name], features={}, tags={})
        session.add(item)
        await session.flush()
        found[name] = item.id
    plan = [
        ("o1", "X", local(2, 7), True, local(2, 9, 30), OrderStatus.CONFIRMED),
        ("o2", "X", local(2, 8, 50), True, local(2, 8, 55), OrderStatus.CONFIRMED),
        ("o3", "X", local(2, 10), False, local(2, 10, 20), OrderStatus.CONFIRMED),
        ("o4", "X", local(2, 17, 59), False, local(2, 18, 29), OrderStatus.CONFIRMED),
        ("o5", "X", local(2, 18), True, local(3, 9, 10), OrderStatus.CONFIRMED),
        ("o6", "X", local(6, 20), True, None, OrderStatus.REJECTED),
        ("o7", "X", local(8, 23, 30), True, None, OrderStatus.NEW),
        ("o8", "X", local(9, 11), True, local(10, 9), OrderStatus.CONFIRMED),
        ("o9", "Y", local(3, 1, 30), True, local(3, 9, 5), OrderStatus.CONFIRMED),
        ("o10", "Y", local(4, 0), False, None, OrderStatus.NEW),
    ]
    for name, dealer_name, placed, flag, confirmed, status in plan:
        order = Order(
            number=name,
            dealer_id=found[dealer_name],
            source=OrderSource.ONEC if name == "o10" else OrderSource.BOT,
            placed_at=placed,
            is_after_hours=flag,
            confirmed_at=confirmed,
            status=status,
            total=Decimal(100),
        )
        session.add(order)
        await session.flush()
        found[name] = order.id
    session.add(
        OrderStatusEvent(
            order_id=found["o6"],
            from_status=OrderStatus.NEW,
            to_status=OrderStatus.REJECTED,
            at=local(7, 10),
        )
    )
    await session.flush()
    return found


def test_calendar_flags_match_the_plan() -> None:
    # The flags set by hand above are what the calendar decides (the placement rule).
    assert not CALENDAR.is_working_time(local(2, 8, 59))
    assert CALENDAR.is_working_time(local(2, 17, 59))
    assert not CALENDAR.is_working_time(local(2, 18))
    assert not CALENDAR.is_working_time(local(9, 11))  # the holiday


def test_working_starts_skip_weekend_and_holiday() -> None:
    starts = working_starts(CALENDAR, PERIOD)
    # 03-02..03-06, then Sat/Sun and the Monday holiday skipped, 03-10, and 03-11 (first >= end).
    assert [s.astimezone(MSK).date().day for s in starts] == [2, 3, 4, 5, 6, 10, 11]
    assert all(s.astimezone(MSK).hour == 9 for s in starts)


async def test_figures(session: AsyncSession, ids: dict[str, int]) -> None:
    got = await after_hours_stats(session, CALENDAR, PERIOD, now=NOW)
    assert got.orders == 10
    assert got.after_hours_orders == 7  # o1 o2 o5 o6 o7 o8 o9
    assert got.share == Decimal("70.00")
    # After-hours confirmed: 5, 150, 455, 910, 1320 -> median 455;
    # p90 rank 0.9 * 4 = 3.6 -> 910 + 0.6 * (1320 - 910) = 1156.
    assert got.after_hours.orders == 7
    assert got.after_hours.confirmed == 5
    assert got.after_hours.median_min == Decimal("455.00")
    assert got.after_hours.p90_min == Decimal("1156.00")
    # In-hours: o3 20, o4 30 (o10 unconfirmed) -> median 25, p90 = 20 + 0.9 * 10 = 29.
    assert (got.in_hours.orders, got.in_hours.confirmed) == (3, 2)
    assert got.in_hours.median_min == Decimal("25.00")
    assert got.in_hours.p90_min == Decimal("29.00")


async def test_heatmap_in_the_zone(session: AsyncSession, ids: dict[str, int]) -> None:
    got = await after_hours_stats(session, CALENDAR, PERIOD, now=NOW)
    expected_after = {(0, 7): 1, (0, 8): 1, (0, 18): 1, (4, 20): 1, (6, 23): 1, (0, 11): 1}
    expected_after[(1, 1)] = 1  # o9: Tuesday 01:30 local (Monday 22:30 UTC)
    expected_all = {**expected_after, (0, 10): 1, (0, 17): 1, (2, 0): 1}
    for matrix, expected in ((got.heatmap, expected_after), (got.heatmap_all, expected_all)):
        cells = {
            (day, hour): n for day, row in enumerate(matrix) for hour, n in enumerate(row) if n
        }
        assert cells == expected
    # The same orders seen from UTC: o9 is Monday 22:00.
    utc = WorkingCalendar(zone=ZoneInfo("UTC"))
    in_utc = await after_hours_stats(session, utc, PERIOD, now=NOW)
    assert in_utc.heatmap[0][22] == 1
    assert in_utc.heatmap[1][1] == 0


async def test_morning_backlog(session: AsyncSession, ids: dict[str, int]) -> None:
    got = await after_hours_stats(session, CALENDAR, PERIOD, now=NOW)
    # 03-02: o1 waiting (confirmed 09:30), o2 confirmed 08:55 -> 2 orders, 1 waiting.
    # 03-03: o5 (confirmed 09:10) and o9 (09:05) -> 2, 2.
    # 03-10 (Monday 03-09 a holiday): o6 rejected on Saturday, o7 never confirmed, o8
    # confirmed at 09:00 sharp (not before S) -> 3, 2.
    assert [(m.day.day, m.after_hours_orders, m.waiting) for m in got.backlog] == [
        (2, 2, 1),
        (3, 2, 2),
        (10, 3, 2),
    ]
    assert got.backlog[0].opens_at == local(2, 9)
    assert got.mornings == 7  # 03-02..06, 03-10, 03-11
    assert (got.waiting_total, got.waiting_max) == (5, 2)
    assert got.waiting_avg == Decimal("0.71")  # 5 / 7


async def test_backlog_counts_only_mornings_that_came(
    session: AsyncSession, ids: dict[str, int]
) -> None:
    # At 03-03 08:00 local only the morning of 03-02 has come.
    got = await after_hours_stats(session, CALENDAR, PERIOD, now=local(3, 8))
    assert [(m.day.day, m.waiting) for m in got.backlog] == [(2, 1)]
    assert got.mornings == 1


async def test_filter_by_manager(session: AsyncSession, ids: dict[str, int]) -> None:
    got = await after_hours_stats(
        session, CALENDAR, PERIOD, MetricFilters(manager_id=ids["M2"]), now=NOW
    )
    # Dealer Y: o9 (after hours) and o10 (1C, in hours).
    assert (got.orders, got.after_hours_orders, got.share) == (2, 1, Decimal("50.00"))
    assert [(m.day.day, m.waiting) for m in got.backlog] == [(3, 1)]
    assert got.after_hours.median_min == Decimal("455.00")
    assert got.in_hours.median_min is None
    by_dealer = await after_hours_stats(
        session, CALENDAR, PERIOD, MetricFilters(dealer_id=ids["X"]), now=NOW
    )
    assert (by_dealer.orders, by_dealer.after_hours_orders) == (8, 6)


async def test_no_orders(session: AsyncSession, ids: dict[str, int]) -> None:
    empty = Period(local(20, 0), local(20, 0) + timedelta(days=7))
    got = await after_hours_stats(session, CALENDAR, empty, now=NOW)
    assert (got.orders, got.after_hours_orders, got.share) == (0, 0, None)
    assert got.after_hours.median_min is None and got.in_hours.p90_min is None
    assert sum(map(sum, got.heatmap_all)) == 0
    assert got.backlog == [] and got.mornings == 0 and got.waiting_avg is None
