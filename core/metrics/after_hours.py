"""After-hours orders: how many, when (weekday x hour), how fast they are confirmed, and the
morning backlog.

Definitions (times aware UTC in the database; weekdays and hours in the calendar's zone):

* **after-hours order**: an order whose ``is_after_hours`` flag is set. The flag is decided once,
  when the order is placed, by `core.calendar.WorkingCalendar.is_working_time` (holidays,
  shortened and working days included), so this page and the rollout dashboard's
  ``after_hours_share`` count the same orders. Orders known only from 1C keep the document's
  time of creation (``Дата`` + ``Время`` in the configured zone) and are flagged by the same
  calendar when they arrive; a document with a date and no time counts as in-hours.
* **window**: orders placed in the half-open `Period` ``[start, end)``, for the dealers the
  `MetricFilters` select (wave, manager, dealer; AND).
* **heatmap**: a 7 x 24 matrix (Monday first, hours 0..23 of the local day) of the orders placed
  in each local weekday and hour; one matrix for all orders, one for after-hours ones. The
  database groups the orders by UTC quarter hour (every zone's offset is a whole number of
  quarter hours), and each quarter hour is placed in its local weekday and hour here.
* **time to confirm**: ``confirmed_at - placed_at`` in minutes (clock time, as on the
  dashboard) of the confirmed orders; median and 90th percentile (linear interpolation), apart
  for after-hours and in-hours orders.
* **morning backlog**: for each start of a working day S (`WorkingCalendar.next_working_start`;
  days off and holidays skipped), the after-hours orders of the window whose next working start
  is S - placed since the previous working time ended - that were still waiting at S: not
  confirmed before S (``confirmed_at`` missing or ``>= S``) and not rejected or cancelled before
  S (no such status event before S). Only mornings that have come (``S <= now``) are counted;
  the mornings considered are the working-day starts after the window's start up to the first
  one at or after its end. ``waiting_avg`` is the waiting orders per morning considered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    DateTime,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import Grouping

from core.calendar import WorkingCalendar
from core.db import is_postgres
from core.metrics.compute import (
    dealer_scope,
    percentiles,
    q,
    ratio,
    seconds_between,
)
from core.metrics.rollout import MetricFilters, Period
from core.models import Order, OrderStatus, OrderStatusEvent
from core.models.base import UTCDateTime

QUARTER = 900  # seconds
WEEKDAYS = 7
HOURS = 24
HANDLED = (OrderStatus.REJECTED, OrderStatus.CANCELLED)


@dataclass(frozen=True)
class ConfirmTimes:
    """Time to confirm of one group of orders (minutes; None without confirmed orders)."""

    orders: int
    confirmed: int
    median_min: Decimal | None
    p90_min: Decimal | None


@dataclass(frozen=True)
class BacklogMorning:
    """One working morning: the after-hours orders it inherited and those still waiting."""

    day: date  # the local date of the working day
    opens_at: datetime  # S, aware UTC
    after_hours_orders: int
    waiting: int


@dataclass(frozen=True)
class AfterHoursStats:
    """The after-hours figures of one window and scope (see the module docstring)."""

    period: Period
    zone: str
    orders: int
    after_hours_orders: int
    share: Decimal | None  # % of orders, 2 places; None without orders
    heatmap: list[list[int]]  # after-hours orders [weekday 0=Mon][hour]
    heatmap_all: list[list[int]]  # all orders [weekday][hour]
    after_hours: ConfirmTimes
    in_hours: ConfirmTimes
    mornings: int  # working mornings considered (come by `now`)
    waiting_total: int
    waiting_max: int
    waiting_avg: Decimal | None
    backlog: list[BacklogMorning] = field(default_factory=list)  # mornings with any order


def _empty_matrix() -> list[list[int]]:
    return [[0] * HOURS for _ in range(WEEKDAYS)]


def _quarter(session: AsyncSession) -> ColumnElement[Any]:
    """The UTC quarter hour of placed_at, as an integer (seconds since the epoch // 900)."""
    if is_postgres(session):
        return cast(func.floor(func.extract("epoch", Order.placed_at) / QUARTER), Integer)
    return cast(func.strftime("%s", Order.placed_at), Integer) / QUARTER


async def _heatmaps(
    session: AsyncSession, where: list[ColumnElement[bool]], zone: Any
) -> tuple[list[list[int]], list[list[int]]]:
    quarter = _quarter(session).label("quarter")
    inner = select(quarter, Order.is_after_hours).where(*where).subquery()
    rows = await session.execute(
        select(
            inner.c.quarter,
            func.count(),
            func.coalesce(func.sum(case((inner.c.is_after_hours.is_(True), 1), else_=0)), 0),
        ).group_by(inner.c.quarter)
    )
    all_orders, after_hours = _empty_matrix(), _empty_matrix()
    for bucket, count, flagged in rows:
        local = datetime.fromtimestamp(int(bucket) * QUARTER, UTC).astimezone(zone)
        all_orders[local.weekday()][local.hour] += int(count)
        after_hours[local.weekday()][local.hour] += int(flagged)
    return after_hours, all_orders


async def _confirm_times(
    session: AsyncSession, where: list[ColumnElement[bool]], flagged: bool
) -> ConfirmTimes:
    group = [*where, Order.is_after_hours.is_(flagged)]
    orders = int(await session.scalar(select(func.count()).select_from(Order).where(*group)) or 0)
    seconds = seconds_between(session, Order.confirmed_at, Order.placed_at)
    confirmed, (median, p90) = await percentiles(
        session, seconds, [*group, Order.confirmed_at.is_not(None)], (0.5, 0.9), Order
    )
    return ConfirmTimes(
        orders=orders,
        confirmed=confirmed,
        median_min=q(median / 60) if median is not None else None,
        p90_min=q(p90 / 60) if p90 is not None else None,
    )


def working_starts(calendar: WorkingCalendar, period: Period) -> list[datetime]:
    """The working-day starts after period.start up to the first at or after period.end (UTC)."""
    starts: list[datetime] = []
    moment = period.start + timedelta(microseconds=1)
    while True:
        start = calendar.next_working_start(moment).astimezone(UTC)
        starts.append(start)
        if start >= period.end:
            return starts
        moment = start + timedelta(microseconds=1)


def _next_start(session: AsyncSession, starts: list[datetime]) -> ColumnElement[Any]:
    """The first of `starts` (ascending) after placed_at, or NULL after the last one.

    PostgreSQL finds it by binary search (width_bucket over an array of the starts); elsewhere
    a CASE tries the starts in turn (a linear scan, fine for SQLite's small data sets).
    """
    if is_postgres(session):
        stamps = ARRAY(DateTime(timezone=True))
        array = bindparam("working_starts", value=starts, type_=stamps)
        bucket = func.width_bucket(Order.placed_at, array)
        return type_coerce(Grouping(array), stamps)[bucket + 1]
    stamp = UTCDateTime()
    return case(
        *((Order.placed_at < literal(s, stamp), literal(s, stamp)) for s in starts),
        else_=None,
    )


async def _backlog(
    session: AsyncSession,
    where: list[ColumnElement[bool]],
    calendar: WorkingCalendar,
    period: Period,
    now: datetime,
) -> tuple[int, list[BacklogMorning]]:
    starts = [s for s in working_starts(calendar, period) if s <= now]
    if not starts:
        return 0, []
    next_start = _next_start(session, starts).label("opens_at")
    inner = (
        select(Order.id, Order.confirmed_at, next_start)
        .where(*where, Order.is_after_hours.is_(True))
        .subquery()
    )
    handled_before = exists().where(
        OrderStatusEvent.order_id == inner.c.id,
        OrderStatusEvent.to_status.in_(HANDLED),
        OrderStatusEvent.at < inner.c.opens_at,
    )
    waiting = and_(
        or_(inner.c.confirmed_at.is_(None), inner.c.confirmed_at >= inner.c.opens_at),
        not_(handled_before),
    )
    rows = await session.execute(
        select(
            inner.c.opens_at,
            func.count(),
            func.coalesce(func.sum(case((waiting, 1), else_=0)), 0),
        )
        .where(inner.c.opens_at.is_not(None))
        .group_by(inner.c.opens_at)
        .order_by(inner.c.opens_at)
    )
    mornings = []
    for opens_at, count, still in rows:
        opens = opens_at if isinstance(opens_at, datetime) else datetime.fromisoformat(opens_at)
        opens = opens.replace(tzinfo=UTC) if opens.tzinfo is None else opens.astimezone(UTC)
        mornings.append(
            BacklogMorning(
                day=opens.astimezone(calendar.zone).date(),
                opens_at=opens,
                after_hours_orders=int(count),
                waiting=int(still),
            )
        )
    return len(starts), mornings


async def after_hours_stats(
    session: AsyncSession,
    calendar: WorkingCalendar,
    period: Period,
    filters: MetricFilters = MetricFilters(),
    *,
    now: datetime,
) -> AfterHoursStats:
    """The after-hours figures of the orders placed in `period` for the dealers `filters` select.

    `calendar` (`core.calendar.load_calendar`) gives the zone of the heatmap and the working-day
    starts of the backlog; `now` (aware) limits the backlog to mornings that have come.
    """
    where: list[ColumnElement[bool]] = [
        Order.placed_at >= period.start,
        Order.placed_at < period.end,
        Order.is_sandbox.is_(False),  # core.sandbox: never counted
        *dealer_scope(Order.dealer_id, filters),
    ]
    total, flagged = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((Order.is_after_hours.is_(True), 1), else_=0)), 0),
            ).where(*where)
        )
    ).one()
    total, flagged = int(total), int(flagged)
    heatmap, heatmap_all = await _heatmaps(session, where, calendar.zone)
    after = await _confirm_times(session, where, True)
    inside = await _confirm_times(session, where, False)
    considered, backlog = await _backlog(session, where, calendar, period, now)
    waiting = [m.waiting for m in backlog]
    return AfterHoursStats(
        period=period,
        zone=str(calendar.zone),
        orders=total,
        after_hours_orders=flagged,
        share=ratio(flagged, total, 100),
        heatmap=heatmap,
        heatmap_all=heatmap_all,
        after_hours=after,
        in_hours=inside,
        mornings=considered,
        waiting_total=sum(waiting),
        waiting_max=max(waiting, default=0),
        waiting_avg=ratio(sum(waiting), considered),
        backlog=[m for m in backlog if m.after_hours_orders],
    )
