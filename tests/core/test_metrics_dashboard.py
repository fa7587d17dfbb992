"""The dashboard: baselines (period or by hand), default and manual targets, checkpoints,
status, the configuration's storage and the monthly series; on tests/core/metrics_data.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.metrics import (
    CheckpointConfig,
    MetricConfig,
    MetricFilters,
    MetricValue,
    Period,
    RolloutConfig,
    WindowCache,
    load_config,
    metric_series,
    rollout_dashboard,
    save_config,
)
from core.metrics.rollout import METRICS_BY_KEY, add_months, default_target, status_of
from tests.core.metrics_data import P_END, P_START, World, at, build

UTC = ZoneInfo("UTC")
D = Decimal

# Current window = the 31 days before P_END = P. Two checkpoints due at P_END by hand.
CONFIG = RolloutConfig(
    window_days=31,
    checkpoints=(
        CheckpointConfig("pilot +3", "pilot", 3, due=date(2026, 4, 1)),
        CheckpointConfig("all +6", "all", 6, due=date(2026, 4, 1)),
        CheckpointConfig("all +12", "all", 12),
    ),
    metrics={
        "lines_per_order": MetricConfig(baseline=D("2.5")),
        "ops_per_manager": MetricConfig(target=D("6")),
        "after_hours_share": MetricConfig(target_pct=D("10")),
    },
)


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await build(session)


def by_key(rows: list[MetricValue]) -> dict[str, MetricValue]:
    return {row.key: row for row in rows}


async def test_baselines_targets_and_status(session: AsyncSession, world: World) -> None:
    rows = by_key(await rollout_dashboard(session, now=P_END, zone=UTC, config=CONFIG))
    # Launch = the pilot wave's start (W1 starts first: 2026-02-01); the baseline period is
    # the 90 days before it: [2025-11-03, 2026-02-01), which holds one order, b0 (1C, 1000,
    # 1 line, confirmed after 12 minutes, manager M2, in working hours).
    bot = rows["bot_share"]
    assert bot.current_period == Period(P_START, P_END)
    assert bot.baseline_period == Period(at(2, 1).replace(year=2025, month=11, day=3), at(2, 1))
    # Share: baseline 0 % -> target 0 + 20 points; current 55.56 % -> met.
    assert (bot.baseline, bot.baseline_source, bot.target, bot.target_source) == (
        D("0.00"),
        "period",
        D("20.00"),
        "default",
    )
    assert (bot.current, bot.status) == (D("55.56"), "met")
    # target_pct 10 for after-hours: 0 + 10 points; current 33.33 -> met.
    assert (rows["after_hours_share"].target, rows["after_hours_share"].status) == (
        D("10.00"),
        "met",
    )
    # Average value: baseline 1000 -> +20 % = 1200; current 2428.57 -> met.
    value = rows["avg_order_value"]
    assert (value.baseline, value.target, value.status) == (D("1000.00"), D("1200.00"), "met")
    # Manual baseline 2.5 lines -> target 3.00; current 21/7 = 3.00 reaches it exactly -> met.
    lines = rows["lines_per_order"]
    assert (lines.baseline, lines.baseline_source, lines.baseline_period) == (
        D("2.5"),
        "manual",
        None,
    )
    assert (lines.target, lines.current, lines.status) == (D("3.00"), D("3.00"), "met")
    # Time to confirm goes down: baseline 12 min -> target 12 * 0.8 = 9.60; current 25 -> behind.
    confirm = rows["confirm_median_min"]
    assert (confirm.direction, confirm.baseline, confirm.target, confirm.current) == (
        "down",
        D("12.00"),
        D("9.60"),
        D("25.00"),
    )
    assert confirm.status == "behind"
    # Claims: baseline 0 per 100 -> target 0: no verdict ("нет цели"), not "behind".
    assert (rows["claims_per_100"].target, rows["claims_per_100"].status) == (
        D("0.00"),
        "no_target",
    )
    # Operations: baseline b0 = 1 op / 1 manager over 90 days * 30 = 0.33; manual target 6;
    # current 5.81 -> behind.
    ops = rows["ops_per_manager"]
    assert (ops.baseline, ops.target, ops.target_source, ops.status) == (
        D("0.33"),
        D("6"),
        "manual",
        "behind",
    )
    # Partners: none onboarded before launch; default target = every dealer in scope (6);
    # 4 onboarded -> behind.
    partners = rows["partners_onboarded"]
    assert (partners.baseline, partners.target, partners.current, partners.status) == (
        D("0.00"),
        D("6.00"),
        D("4.00"),
        "behind",
    )


async def test_no_baseline_means_no_target(session: AsyncSession, world: World) -> None:
    rows = by_key(await rollout_dashboard(session, now=P_END, zone=UTC, config=CONFIG))
    # Nobody had a bot order, a poll answer or an NPS answer before launch.
    for key in ("repeat_bot_share", "days_to_first_order", "satisfaction_avg", "nps"):
        row = rows[key]
        assert (row.baseline, row.baseline_source, row.target, row.target_source) == (
            None,
            None,
            None,
            None,
        ), key
        assert row.current is not None
        assert row.status == "no_target"
    # A target by hand gives a status again: NPS -25 against 0 -> behind.
    config = RolloutConfig(
        window_days=31, metrics={"nps": MetricConfig(target=D("0"))}, checkpoints=()
    )
    (nps,) = await rollout_dashboard(session, now=P_END, zone=UTC, config=config, keys=("nps",))
    assert (nps.current, nps.target, nps.status) == (D("-25.00"), D("0"), "behind")


async def test_checkpoints(session: AsyncSession, world: World) -> None:
    rows = by_key(await rollout_dashboard(session, now=P_END, zone=UTC, config=CONFIG))
    pilot, everyone, later = rows["bot_share"].checkpoints
    # The pilot checkpoint counts W1 only over the 31 days before its due date (= P): 4/5.
    assert (pilot.name, pilot.due, pilot.scope) == ("pilot +3", date(2026, 4, 1), "pilot")
    assert (pilot.value, pilot.target, pilot.status) == (D("80.00"), D("20.00"), "met")
    assert (everyone.value, everyone.status) == (D("55.56"), "met")
    # all +12 is launch + 12 months = 2027-02-01: not due yet.
    assert (later.due, later.value, later.status) == (date(2027, 2, 1), None, "pending")
    # Partners: the pilot checkpoint's default target is the pilot's 3 dealers, all onboarded.
    pilot_partners, all_partners, _ = rows["partners_onboarded"].checkpoints
    assert (pilot_partners.value, pilot_partners.target, pilot_partners.status) == (
        D("3.00"),
        D("3.00"),
        "met",
    )
    assert (all_partners.value, all_partners.target, all_partners.status) == (
        D("4.00"),
        D("6.00"),
        "behind",
    )
    # Filtered to wave W2 (C only): the pilot checkpoint has nobody; C had no order in the
    # baseline period, so there is no baseline and no target: values without a status.
    rows = by_key(
        await rollout_dashboard(
            session,
            MetricFilters(wave_id=world.waves["W2"]),
            now=P_END,
            zone=UTC,
            config=CONFIG,
            keys=("bot_share",),
        )
    )
    assert [(c.value, c.status) for c in rows["bot_share"].checkpoints] == [
        (None, "no_target"),
        (D("50.00"), "no_target"),  # C: c1 1C, c2 bot
        (None, "pending"),
    ]


async def test_default_checkpoints_follow_the_launch(session: AsyncSession, world: World) -> None:
    rows = await rollout_dashboard(session, now=P_END, zone=UTC, keys=("bot_share",))
    # Stored configuration absent: window 30 days, launch 2026-02-01, +3 / +6 / +12 months.
    (bot,) = rows
    assert [(c.name, c.due, c.status) for c in bot.checkpoints] == [
        ("pilot +3", date(2026, 5, 1), "pending"),
        ("all +6", date(2026, 8, 1), "pending"),
        ("all +12", date(2027, 2, 1), "pending"),
    ]
    assert bot.current_period == Period(at(3, 2), P_END)
    # A launch date set by hand moves them, and the default baseline period with it.
    config = RolloutConfig(launch_on=date(2026, 1, 31))
    await save_config(session, config)
    (bot,) = await rollout_dashboard(session, now=P_END, zone=UTC, keys=("bot_share",))
    assert [c.due for c in bot.checkpoints] == [
        date(2026, 4, 30),
        date(2026, 7, 31),
        date(2027, 1, 31),
    ]
    assert bot.baseline_period is not None and bot.baseline_period.end == at(1, 31)


async def test_a_chosen_baseline_period_and_a_zone(session: AsyncSession, world: World) -> None:
    # Baseline = February in Moscow: [01-31 21:00, 02-28 21:00) UTC: a0, b00, g0 (all bot).
    config = RolloutConfig(baseline_start=date(2026, 2, 1), baseline_end=date(2026, 3, 1))
    rows = by_key(
        await rollout_dashboard(session, now=P_END, zone=ZoneInfo("Europe/Moscow"), config=config)
    )
    bot = rows["bot_share"]
    assert bot.baseline_period == Period(at(1, 31, 21), at(2, 28, 21))
    assert (bot.baseline, bot.target) == (D("100.00"), D("100.00"))  # points, capped at 100
    # Value: 800 + 900 + 400 over 3 (g0 is new, none rejected) = 700 -> target 840.
    assert (rows["avg_order_value"].baseline, rows["avg_order_value"].target) == (
        D("700.00"),
        D("840.00"),
    )


async def test_empty_database(session: AsyncSession) -> None:
    rows = await rollout_dashboard(session, now=P_END, zone=UTC)
    assert len(rows) == len(METRICS_BY_KEY)
    for row in rows:
        assert (row.current, row.baseline, row.target, row.status) == (
            None,
            None,
            None,
            "no_target",
        )
        assert row.checkpoints == []  # no launch date, no checkpoints


async def test_configuration_round_trip_and_validation(session: AsyncSession) -> None:
    assert await load_config(session) == RolloutConfig()
    await save_config(session, CONFIG, staff_id=None)
    await session.commit()
    assert await load_config(session) == CONFIG
    bad = (
        RolloutConfig(window_days=0),
        RolloutConfig(baseline_start=date(2026, 1, 1)),
        RolloutConfig(baseline_start=date(2026, 2, 1), baseline_end=date(2026, 1, 1)),
        RolloutConfig(checkpoints=(CheckpointConfig(" ", "all", 3),)),
        RolloutConfig(metrics={"nope": MetricConfig()}),
    )
    keys = []
    for config in bad:
        with pytest.raises(InvalidInput) as caught:
            await save_config(session, config)
        keys.append(caught.value.key)
    assert keys == [
        "rollout.bad_window",
        "rollout.bad_baseline_period",
        "rollout.bad_baseline_period",
        "rollout.bad_checkpoint",
        "rollout.unknown_metric",
    ]
    assert await load_config(session) == CONFIG


def test_default_target_rules() -> None:
    up, down = METRICS_BY_KEY["avg_order_value"], METRICS_BY_KEY["confirm_median_min"]
    share, nps = METRICS_BY_KEY["bot_share"], METRICS_BY_KEY["nps"]
    assert default_target(up, D("50"), D("20")) == D("60.00")
    assert default_target(down, D("50"), D("20")) == D("40.00")
    assert default_target(share, D("90"), D("20")) == D("100.00")  # capped
    assert default_target(nps, D("-95"), D("20")) == D("-75.00")
    assert default_target(METRICS_BY_KEY["claims_per_100"], D("10"), D("20")) == D("8.00")
    assert default_target(up, None, D("20")) is None
    assert status_of(down, D("40"), D("40")) == "met"
    assert status_of(down, D("40.01"), D("40")) == "behind"
    assert status_of(up, None, D("40")) == "no_data"
    # A target of 0 (a baseline of 0 moved 20 %) or none at all gives no verdict.
    assert status_of(down, D("3"), D("0.00"), manual=False) == "no_target"
    assert status_of(down, D("0"), D("0"), manual=False) == "no_target"
    assert status_of(down, D("3"), D("0.00")) == "behind"  # 0 entered by hand is a target
    assert status_of(up, D("3"), None) == "no_target"
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)


async def test_monthly_series(session: AsyncSession, world: World) -> None:
    points = await metric_series(session, "bot_share", now=P_END, months=3, zone=UTC)
    # February: a0 g0 b00 all bot -> 100; March = P -> 55.56; April: nothing yet (now = 04-01).
    assert [(p.month, p.value) for p in points] == [
        (date(2026, 2, 1), D("100.00")),
        (date(2026, 3, 1), D("55.56")),
        (date(2026, 4, 1), None),
    ]
    assert points[1].period == Period(P_START, P_END)
    wave = await metric_series(
        session,
        "ops_per_manager",
        MetricFilters(manager_id=world.managers["M2"]),
        now=P_END,
        months=3,
        zone=UTC,
    )
    # February, M2: the call to C = 1 operation in 28 days -> 1 * 30 / 28 = 1.07; March: 6 of
    # them -> 5.81; April: none by M2.
    assert [p.value for p in wave] == [D("1.07"), D("5.81"), None]
    with pytest.raises(InvalidInput):
        await metric_series(session, "nope", now=P_END)


async def test_the_cache_keeps_closed_windows_only(session: AsyncSession, world: World) -> None:
    from core.models import Order

    cache = WindowCache(ttl=3600)
    first = by_key(
        await rollout_dashboard(
            session, now=P_END, zone=UTC, config=CONFIG, keys=("bot_share",), cache=cache
        )
    )
    # b0, the only baseline order, becomes a bot order; and a1 (in P) a 1C order.
    b0 = await session.get(Order, world.orders["b0"])
    a1 = await session.get(Order, world.orders["a1"])
    assert b0 is not None and a1 is not None
    b0.source, a1.source = "bot", "1c"
    await session.flush()
    again = by_key(
        await rollout_dashboard(
            session, now=P_END, zone=UTC, config=CONFIG, keys=("bot_share",), cache=cache
        )
    )
    # The baseline and the checkpoints (closed) come from the cache; the current window not:
    # 4 bot orders of 9 now.
    assert again["bot_share"].baseline == first["bot_share"].baseline == D("0.00")
    assert again["bot_share"].checkpoints == first["bot_share"].checkpoints
    assert again["bot_share"].current == D("44.44")
    assert cache.hits == 3
    cache.clear()
    fresh = by_key(
        await rollout_dashboard(
            session, now=P_END, zone=UTC, config=CONFIG, keys=("bot_share",), cache=cache
        )
    )
    assert fresh["bot_share"].baseline == D("100.00")
    assert fresh["bot_share"].checkpoints[0].value == D("60.00")  # W1: a2 a3 b2 of 5
