"""The rule of each rollout metric, as SQL aggregates over one window and one scope of dealers.

Every function here takes the window (`Period`, half-open) and the scope (`MetricFilters`) and
asks the database for aggregates; no order is loaded into Python. Orders belong to a window by
`placed_at`, claims by `created_at`, poll answers by `created_at`, dealers by `onboarded_at`.
The metric definitions are written out in `core.metrics.rollout.METRICS`.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    not_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.db import is_postgres
from core.metrics.rollout import CENT, MetricFilters, Period
from core.models import (
    Claim,
    ClaimLine,
    ClaimReason,
    Dealer,
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    SatisfactionResponse,
)
from core.models.rollout import NpsResponse

Values = dict[str, tuple[Decimal | None, dict[str, Any]]]
HUNDRED = Decimal(100)
# Orders that did not go ahead; left out of the order value and lines per order.
NOT_GOING_AHEAD = (OrderStatus.REJECTED, OrderStatus.CANCELLED)
CONFIRM_FRACTIONS = (0.5, 0.9)
# Lines are counted over the id range of the chosen orders while it holds at most twice as many
# orders as chosen, plus this many (see _count_lines).
RANGE_SLACK = 1000
PROMOTER_MIN = 9
DETRACTOR_MAX = 6


def q(value: Decimal | float | int | None) -> Decimal | None:
    """A figure rounded to 2 places (half up); None stays None."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        value = Decimal(repr(value))
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(
    part: Decimal | int | None, whole: Decimal | int | None, scale: int = 1
) -> Decimal | None:
    """part * scale / whole rounded; None when the whole is 0 or missing."""
    if part is None or not whole:
        return None
    return q(Decimal(part) * scale / Decimal(whole))


def nps_counts() -> tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
    """Answers, promoters and detractors among the nps_responses rows a query selects."""
    return (
        func.count(),
        func.coalesce(func.sum(case((NpsResponse.score >= PROMOTER_MIN, 1), else_=0)), 0),
        func.coalesce(func.sum(case((NpsResponse.score <= DETRACTOR_MAX, 1), else_=0)), 0),
    )


def nps_score(promoters: int, detractors: int, answers: int) -> Decimal | None:
    """NPS: % promoters (9-10) - % detractors (0-6) of the answers; None without answers."""
    return ratio(promoters - detractors, answers, 100)


def dealer_scope(column: Any, filters: MetricFilters) -> list[ColumnElement[bool]]:
    """Conditions keeping rows whose dealer (`column`) is selected by the filters."""
    conditions: list[ColumnElement[bool]] = []
    if filters.dealer_id is not None:
        conditions.append(column == filters.dealer_id)
    chosen: list[ColumnElement[bool]] = []
    if filters.wave_id is not None:
        chosen.append(Dealer.wave_id == filters.wave_id)
    if filters.manager_id is not None:
        chosen.append(Dealer.manager_id == filters.manager_id)
    if chosen:
        conditions.append(column.in_(select(Dealer.id).where(*chosen)))
    return conditions


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _orders_where(filters: MetricFilters, period: Period) -> list[ColumnElement[bool]]:
    # core.sandbox: orders made in the sandbox are never counted
    return [
        _in(Order.placed_at, period),
        Order.is_sandbox.is_(False),
        *dealer_scope(Order.dealer_id, filters),
    ]


async def _first(session: AsyncSession, query: Any) -> Any:
    return (await session.execute(query)).one()


# -- orders: channel, after hours, value, lines, time to confirm; claims per 100 orders ---------


ORDER_KEYS = (
    "bot_share",
    "after_hours_share",
    "avg_order_value",
    "lines_per_order",
    "confirm_median_min",
    "confirm_p90_min",
    "claims_per_100",
    "wrong_item_claims_per_100",
)


async def order_figures(
    session: AsyncSession, filters: MetricFilters, period: Period, keys: frozenset[str]
) -> Values:
    """Every figure read from the window's orders, in one pass over them (plus the lines and
    the claims when asked for).

    bot_share, after_hours_share: bot / after-hours-flagged orders over all orders.
    avg_order_value, lines_per_order: over the orders that went ahead (not rejected/cancelled).
    confirm_median_min, confirm_p90_min: confirmed_at - placed_at of the confirmed orders.
    claims_per_100, wrong_item_claims_per_100: claims filed in the window (with a wrong-item
    line) * 100 / orders placed in the window.
    """
    postgres = is_postgres(session)
    where = _orders_where(filters, period)
    going = Order.status.not_in(NOT_GOING_AHEAD)
    confirmed = Order.confirmed_at.is_not(None)
    seconds = seconds_between(session, Order.confirmed_at, Order.placed_at)
    want_times = bool(keys & {"confirm_median_min", "confirm_p90_min"})
    columns: list[Any] = [
        func.count(),
        func.coalesce(func.sum(case((Order.source == OrderSource.BOT, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Order.is_after_hours.is_(True), 1), else_=0)), 0),
        func.coalesce(func.sum(case((going, 1), else_=0)), 0),
        func.sum(case((going, Order.total), else_=None)),
        func.count(Order.reorder_of_id),
        func.count(Order.confirmed_at),
        func.min(case((going, Order.id), else_=None)),
        func.max(case((going, Order.id), else_=None)),
    ]
    if postgres and want_times:
        columns += [
            func.percentile_cont(fraction).within_group(seconds).filter(confirmed)
            for fraction in CONFIRM_FRACTIONS
        ]
    row = await _first(session, select(*columns).where(*where))
    total, bot, after, valued, value_sum, reorders, confirmed_count, low_id, high_id = row[:9]
    total, bot, after, valued = int(total), int(bot), int(after), int(valued)
    times: list[float | None] = [None, None]
    if want_times and confirmed_count:
        if postgres:
            times = [float(v) if v is not None else None for v in row[9:11]]
        else:
            _, times = await percentiles(
                session, seconds, [*where, confirmed], CONFIRM_FRACTIONS, Order
            )
    lines = None
    if "lines_per_order" in keys and valued:
        lines = await _count_lines(session, [*where, going], valued, low_id, high_id)
    result: Values = {
        "bot_share": (
            ratio(bot, total, 100),
            {"orders": total, "bot_orders": bot, "reorders": int(reorders)},
        ),
        "after_hours_share": (
            ratio(after, total, 100),
            {"orders": total, "after_hours_orders": after},
        ),
        "avg_order_value": (ratio(q(value_sum), valued), {"orders": valued}),
        "lines_per_order": (ratio(lines, valued), {"orders": valued, "lines": lines or 0}),
        "confirm_median_min": (_minutes(times[0]), {"confirmed_orders": int(confirmed_count)}),
        "confirm_p90_min": (_minutes(times[1]), {"confirmed_orders": int(confirmed_count)}),
    }
    if keys & {"claims_per_100", "wrong_item_claims_per_100"}:
        wrong = exists().where(
            ClaimLine.claim_id == Claim.id, ClaimLine.reason == ClaimReason.WRONG_ITEM
        )
        claims, wrong_items = await _first(
            session,
            select(func.count(), func.coalesce(func.sum(case((wrong, 1), else_=0)), 0)).where(
                _in(Claim.created_at, period),
                Claim.is_sandbox.is_(False),
                Claim.is_sandbox.is_(False),
                *dealer_scope(Claim.dealer_id, filters),
            ),
        )
        result["claims_per_100"] = (
            ratio(claims, total, 100),
            {"claims": claims, "orders": total},
        )
        result["wrong_item_claims_per_100"] = (
            ratio(wrong_items, total, 100),
            {"claims": int(wrong_items), "orders": total},
        )
    return result


async def _count_lines(
    session: AsyncSession,
    chosen: Sequence[ColumnElement[bool]],
    orders: int,
    low_id: int,
    high_id: int,
) -> int:
    """The lines of the `chosen` orders (`orders` of them, ids from low_id to high_id).

    Orders get ids as they are recorded, so a window's orders usually fill an id range almost
    alone. Then the lines of the whole range are counted from the index on order_lines.order_id
    (a sequential read), less the lines of the few orders in the range that are not chosen:
    the same number as joining every chosen order to its lines, for a fraction of the index
    probes. When the range holds many other orders (a filter on dealers, orders from 1C
    recorded late), the chosen orders are joined to their lines.
    """
    span = high_id - low_id + 1
    if span > 2 * orders + RANGE_SLACK:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OrderLine)
                .join(Order, Order.id == OrderLine.order_id)
                .where(*chosen)
            )
            or 0
        )
    in_range = await session.scalar(
        select(func.count())
        .select_from(OrderLine)
        .where(OrderLine.order_id >= low_id, OrderLine.order_id <= high_id)
    )
    not_chosen = await session.scalar(
        select(func.count())
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.id >= low_id, Order.id <= high_id, not_(and_(*chosen)))
    )
    return int(in_range or 0) - int(not_chosen or 0)


def _minutes(seconds: float | None) -> Decimal | None:
    return q(seconds / 60) if seconds is not None else None


async def repeat_bot_share(
    session: AsyncSession, filters: MetricFilters, period: Period, keys: frozenset[str]
) -> Values:
    """Of the dealers with a bot order before the window, the share with a bot order in it."""

    def bot_order(*when: ColumnElement[bool]) -> ColumnElement[bool]:
        return (
            exists()
            .where(
                Order.dealer_id == Dealer.id,
                Order.source == OrderSource.BOT,
                Order.is_sandbox.is_(False),
                *when,
            )
            .correlate(Dealer)
        )

    before, returned = await _first(
        session,
        select(
            func.count(),
            func.coalesce(func.sum(case((bot_order(_in(Order.placed_at, period)), 1), else_=0)), 0),
        )
        .select_from(Dealer)
        .where(*_dealers_where(filters), bot_order(Order.placed_at < period.start)),
    )
    return {
        "repeat_bot_share": (
            ratio(returned, before, 100),
            {"dealers_before": before, "dealers_returned": int(returned)},
        )
    }


# -- operations per manager, contacts outside the platform, time with clients -----------------
# in core.metrics.manager_work (its rules join RULES in compute_metrics)


# -- time helpers -----------------------------------------------------------------------


def seconds_between(session: AsyncSession, later: Any, earlier: Any) -> ColumnElement[Any]:
    """`later - earlier` in seconds as a SQL expression of the session's database."""
    if is_postgres(session):
        return func.date_part("epoch", later - earlier)  # float8; extract() gives numeric
    return (func.julianday(later) - func.julianday(earlier)) * 86400


async def percentiles(
    session: AsyncSession,
    value: ColumnElement[Any],
    where: Sequence[ColumnElement[bool]],
    fractions: Sequence[float],
    select_from: Any,
) -> tuple[int, list[float | None]]:
    """(count, [percentile_cont(f) ...]) of `value` over the rows `where` selects.

    Linear interpolation between the closest ranks (PostgreSQL's percentile_cont); PostgreSQL
    computes it itself, elsewhere the one or two rows around each rank are read in order.
    """
    if is_postgres(session):
        row = await _first(
            session,
            select(
                func.count(),
                *(func.percentile_cont(f).within_group(value) for f in fractions),
            )
            .select_from(select_from)
            .where(*where),
        )
        return int(row[0]), [float(v) if v is not None else None for v in row[1:]]
    count = int(
        await session.scalar(select(func.count()).select_from(select_from).where(*where)) or 0
    )
    if not count:
        return 0, [None for _ in fractions]
    results: list[float | None] = []
    for fraction in fractions:
        rank = fraction * (count - 1)
        low = math.floor(rank)
        values = list(
            await session.scalars(
                select(value)
                .select_from(select_from)
                .where(*where)
                .order_by(value)
                .offset(low)
                .limit(2)
            )
        )
        first = float(values[0])
        second = float(values[1]) if len(values) > 1 else first
        results.append(first + (second - first) * (rank - low))
    return count, results


# -- onboarding ----------------------------------------------------------------------------------


def _dealers_where(filters: MetricFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.dealer_id is not None:
        conditions.append(Dealer.id == filters.dealer_id)
    if filters.wave_id is not None:
        conditions.append(Dealer.wave_id == filters.wave_id)
    if filters.manager_id is not None:
        conditions.append(Dealer.manager_id == filters.manager_id)
    return conditions


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def partners_onboarded(
    session: AsyncSession, filters: MetricFilters, period: Period, keys: frozenset[str]
) -> Values:
    """Dealers onboarded before the window's end; detail: first/last date, span, in window."""
    before_end = and_(Dealer.onboarded_at.is_not(None), Dealer.onboarded_at < period.end)
    dealers, onboarded, in_window, first, last = await _first(
        session,
        select(
            func.count(),
            func.coalesce(func.sum(case((before_end, 1), else_=0)), 0),
            func.coalesce(func.sum(case((_in(Dealer.onboarded_at, period), 1), else_=0)), 0),
            func.min(case((before_end, Dealer.onboarded_at), else_=None)),
            func.max(case((before_end, Dealer.onboarded_at), else_=None)),
        ).where(*_dealers_where(filters)),
    )
    first, last = _aware(first), _aware(last)
    span = (last - first).days if first is not None and last is not None else None
    return {
        "partners_onboarded": (
            q(onboarded) if dealers else None,
            {
                "dealers": dealers,
                "in_period": int(in_window),
                "first": _iso(first),
                "last": _iso(last),
                "span_days": span,
            },
        )
    }


def _aware(value: Any) -> datetime | None:
    """min()/max() of a datetime column come back as text or naive on SQLite."""
    from datetime import UTC

    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def days_to_first_order(
    session: AsyncSession, filters: MetricFilters, period: Period, keys: frozenset[str]
) -> Values:
    """Median days from onboarding to the first bot order placed since, for the dealers whose
    first bot order came before the window's end; detail: onboarded dealers still waiting."""
    first_bot = (
        select(func.min(Order.placed_at))
        .where(
            Order.dealer_id == Dealer.id,
            Order.source == OrderSource.BOT,
            Order.placed_at >= Dealer.onboarded_at,
            Order.is_sandbox.is_(False),
        )
        .correlate(Dealer)
        .scalar_subquery()
    )
    # A CTE, materialized on PostgreSQL: the first order is looked up once per dealer, however
    # many times the aggregates below refer to it.
    firsts = (
        select(Dealer.onboarded_at.label("onboarded_at"), first_bot.label("first_at"))
        .where(
            *_dealers_where(filters),
            Dealer.onboarded_at.is_not(None),
            Dealer.onboarded_at < period.end,
        )
        .cte("firsts")
    )
    if is_postgres(session):
        firsts = firsts.prefix_with("MATERIALIZED")
    ordered = and_(firsts.c.first_at.is_not(None), firsts.c.first_at < period.end)
    seconds = seconds_between(session, firsts.c.first_at, firsts.c.onboarded_at)
    median: float | None
    if is_postgres(session):
        count, waiting, median = await _first(
            session,
            select(
                func.count().filter(ordered),
                func.count().filter(~ordered),
                func.percentile_cont(0.5).within_group(seconds).filter(ordered),
            ).select_from(firsts),
        )
        median = float(median) if median is not None else None
    else:
        waiting = await session.scalar(select(func.count()).select_from(firsts).where(~ordered))
        count, (median,) = await percentiles(session, seconds, [ordered], (0.5,), firsts)
    return {
        "days_to_first_order": (
            q(median / 86400) if median is not None else None,
            {"dealers_ordered": count, "dealers_waiting": int(waiting or 0)},
        )
    }


# -- satisfaction and NPS ------------------------------------------------------------------------


async def satisfaction_avg(
    session: AsyncSession, filters: MetricFilters, period: Period, keys: frozenset[str]
) -> Values:
    """Mean score of the satisfaction poll answers given in the window (dealer of the order)."""
    query = select(func.count(), func.sum(SatisfactionResponse.score)).where(
        _in(SatisfactionResponse.created_at, period)
    )
    scope = dealer_scope(Order.dealer_id, filters)
    if scope:
        query = query.join(Order, Order.id == SatisfactionResponse.order_id).where(*scope)
    answers, total = await _first(session, query)
    return {"satisfaction_avg": (ratio(total, answers), {"answers": answers})}


async def nps(
    session: AsyncSession, filters: MetricFilters, period: Period, keys: frozenset[str]
) -> Values:
    """% promoters (9-10) - % detractors (0-6) over each person's latest answer in the window."""
    answer = aliased(NpsResponse)
    latest = (
        select(func.max(answer.id))
        .where(_in(answer.created_at, period), *dealer_scope(answer.dealer_id, filters))
        .group_by(answer.user_id)
    )
    answers, promoters, detractors = await _first(
        session,
        select(*nps_counts()).where(NpsResponse.id.in_(latest)),
    )
    value = nps_score(int(promoters), int(detractors), answers)
    return {
        "nps": (
            value,
            {
                "answers": answers,
                "promoters": int(promoters),
                "passives": answers - int(promoters) - int(detractors),
                "detractors": int(detractors),
            },
        )
    }


Rule = Callable[[AsyncSession, MetricFilters, Period, frozenset[str]], Awaitable[Values]]
# Which function computes which keys (one function may answer several in one statement).
RULES: tuple[tuple[tuple[str, ...], Rule], ...] = (
    (ORDER_KEYS, order_figures),
    (("repeat_bot_share",), repeat_bot_share),
    (("partners_onboarded",), partners_onboarded),
    (("days_to_first_order",), days_to_first_order),
    (("satisfaction_avg",), satisfaction_avg),
    (("nps",), nps),
)


async def compute_metrics(
    session: AsyncSession, keys: Sequence[str], filters: MetricFilters, period: Period
) -> Values:
    """Each metric in `keys` over `period` for the dealers `filters` select: (value, detail).

    A value is None when its denominator is empty (no orders, no answers, no managers ...).
    """
    from core.metrics.manager_work import RULES as MANAGER_RULES

    wanted = frozenset(keys)
    result: Values = {}
    for provides, rule in (*MANAGER_RULES, *RULES):
        if wanted.intersection(provides):
            result.update(await rule(session, filters, period, wanted))
    return {key: result[key] for key in keys}
