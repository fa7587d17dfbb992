"""Each rollout metric on the hand-built data set of tests/core/metrics_data.py.

Every expected figure is worked out by hand in the comments next to it, from the rows listed in
that module's docstring. Window P = [2026-03-01, 2026-04-01), 31 days.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.metrics.compute import compute_metrics
from core.metrics.rollout import METRIC_KEYS, MetricFilters, Period
from tests.core.metrics_data import P_END, P_START, World, at, build

P = Period(P_START, P_END)


def D(value: str) -> Decimal:
    return Decimal(value)


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await build(session)


async def figures(session: AsyncSession, filters: MetricFilters = MetricFilters(), period=P):
    return await compute_metrics(session, METRIC_KEYS, filters, period)


async def test_order_channel_after_hours_and_value(session: AsyncSession, world: World) -> None:
    got = await figures(session)
    # In P: a1 a2 a3 b1 b2 c1 c2 d_start d1 = 9 orders (d_start at P's first instant counts,
    # d_end at P's end does not); bot: a1 a2 a3 b2 c2 = 5 -> 5/9 = 55.555..%.
    assert got["bot_share"] == (D("55.56"), {"orders": 9, "bot_orders": 5, "reorders": 0})
    # After-hours flags: a2, b2, d_start -> 3/9.
    assert got["after_hours_share"][0] == D("33.33")
    # Going ahead (a3 rejected, b2 cancelled left out): 1000+3000+2000+1500+2500+1000+6000
    # = 17000 over 7 orders = 2428.571...
    assert got["avg_order_value"] == (D("2428.57"), {"orders": 7})
    # Lines of those 7: 2+4+3+2+3+1+6 = 21 -> 21/7.
    assert got["lines_per_order"] == (D("3.00"), {"orders": 7, "lines": 21})


async def test_confirmation_times(session: AsyncSession, world: World) -> None:
    got = await figures(session)
    # Confirmed orders placed in P, minutes: a1 30, a2 600, b1 10, b2 90, c1 5, c2 20 -> sorted
    # 5 10 20 30 90 600. Median: rank 0.5*5 = 2.5 -> (20+30)/2 = 25.
    # p90: rank 0.9*5 = 4.5 -> 90 + 0.5*(600-90) = 345.
    assert got["confirm_median_min"] == (D("25.00"), {"confirmed_orders": 6})
    assert got["confirm_p90_min"] == (D("345.00"), {"confirmed_orders": 6})


@pytest.mark.parametrize("slack", [1000, 0, -(10**9)], ids=["range", "tight", "join"])
async def test_lines_counted_either_way(
    session: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch, slack: int
) -> None:
    """Over the id range less the orders not chosen, or by joining the chosen ones: the same.

    The going orders of P have ids from a1 to d1; a4, b0, b00 (other months) and a3, b2
    (rejected, cancelled) sit in that range and must not count.
    """
    from core.metrics import compute

    monkeypatch.setattr(compute, "RANGE_SLACK", slack)
    got = await figures(session)
    assert got["lines_per_order"] == (D("3.00"), {"orders": 7, "lines": 21})
    wave = await figures(session, MetricFilters(wave_id=world.waves["W1"]))
    # W1 going orders in P: a1 (2 lines), a2 (4), b1 (3) -> 9 / 3.
    assert wave["lines_per_order"] == (D("3.00"), {"orders": 3, "lines": 9})
    dealer_c = await figures(session, MetricFilters(dealer_id=world.dealers["C"]))
    assert dealer_c["lines_per_order"] == (D("2.50"), {"orders": 2, "lines": 5})


async def test_repeat_orders_through_the_bot(session: AsyncSession, world: World) -> None:
    got = await figures(session)
    # Bot order before P: A (a0), B (b00), G (g0). Again in P: A (a1..a3), B (b2); G not.
    # C's first bot order is in P, so C is not among them. 2/3.
    assert got["repeat_bot_share"] == (
        D("66.67"),
        {"dealers_before": 3, "dealers_returned": 2},
    )


async def test_claims_per_100_orders(session: AsyncSession, world: World) -> None:
    got = await figures(session)
    # Filed in P: k1 (wrong item + defect), k2 (shortage), k3 (wrong item); k4 is after P.
    # 3 * 100 / 9 orders = 33.33; wrong items: k1, k3 -> 2 * 100 / 9 = 22.22.
    assert got["claims_per_100"] == (D("33.33"), {"claims": 3, "orders": 9})
    assert got["wrong_item_claims_per_100"] == (D("22.22"), {"claims": 2, "orders": 9})


async def test_operations_per_manager(session: AsyncSession, world: World) -> None:
    got = await figures(session)
    # ManagerAction in P by managers (the admin's k3 review does not count):
    # M1: confirm a1 a2, reject a3, claim k1, contacts A (03-04) and D (03-07) = 6;
    # M2: confirm b1 b2 c1 c2, claim k2, contact B (03-15) = 6.
    # 12 operations / 2 managers = 6 in 31 days -> 6 * 30 / 31 = 5.806...
    assert got["ops_per_manager"] == (
        D("5.81"),
        {
            "managers": 2,
            "operations": 12,
            "confirmations": 6,
            "rejections": 1,
            "edits": 0,
            "claim_decisions": 2,
            "contacts": 3,
        },
    )


async def test_contacts_outside_the_platform(session: AsyncSession, world: World) -> None:
    got = await figures(session)
    # Contacts in P: A prices, D stock, B order -> 2 about prices/stock of 3;
    # 2 * 30 / 31 = 1.935...
    assert got["contacts_outside"] == (
        D("1.94"),
        {"contacts": 3, "outside": 2, "prices": 1, "stock": 1},
    )
    # February: only C's prices call -> 1 in 28 days * 30 = 1.07; January: nothing logged at all
    # -> no value (not 0).
    feb = await figures(session, period=Period(at(2, 1), at(3, 1)))
    assert feb["contacts_outside"][0] == D("1.07")
    jan = await figures(session, period=Period(at(1, 1), at(2, 1)))
    assert jan["contacts_outside"] == (None, {"contacts": 0, "outside": 0, "prices": 0, "stock": 0})


async def test_time_with_clients(session: AsyncSession, world: World) -> None:
    got = await figures(session)
    # Requests placed/filed in P, minutes to the last manager action, at most 60 each:
    # a1 30, a2 600->60, a3 60, b1 10, b2 90->60, c1 5, c2 20 = 245 (d_start, d1: no action);
    # k1 1440->60, k2 30, k3 45 (an admin's review is a manager action too) = 135.
    # Logged durations: A 10, D none, B 20 = 30. Total 410 min over dealers A B C D = 102.5,
    # * 30 / 31 = 99.193...
    assert got["client_time"] == (
        D("99.19"),
        {
            "dealers": 4,
            "minutes": "410.00",
            "logged_minutes": 30,
            "requests": 10,
            "contacts": 3,
        },
    )
    # D alone: one contact without a duration -> 0 minutes for 1 dealer.
    d = await figures(session, MetricFilters(dealer_id=world.dealers["D"]))
    assert d["client_time"][0] == D("0.00")
    # Manager M2 (B, C): b1 10 + b2 60 + k2 30 + B's call 20 = 120 (B); c1 5 + c2 20 = 25 (C)
    # -> 145 / 2 = 72.5 * 30 / 31 = 70.16.
    m2 = await figures(session, MetricFilters(manager_id=world.managers["M2"]))
    assert m2["client_time"][0] == D("70.16")
    # E: nothing at all -> no value.
    e = await figures(session, MetricFilters(dealer_id=world.dealers["E"]))
    assert e["client_time"][0] is None


async def test_partners_onboarded(session: AsyncSession, world: World) -> None:
    got = await figures(session)
    # Onboarded before P's end: A 02-01 10:00, G 02-05, B 02-10, C 03-16 09:00 (in P) -> 4 of
    # 6 dealers; span from A to C: 42 days 23 hours -> 42 whole days.
    assert got["partners_onboarded"] == (
        D("4.00"),
        {
            "dealers": 6,
            "in_period": 1,
            "first": at(2, 1, 10).isoformat(),
            "last": at(3, 16, 9).isoformat(),
            "span_days": 42,
        },
    )


async def test_days_to_first_order(session: AsyncSession, world: World) -> None:
    got = await figures(session)
    # First bot order after onboarding: G 1 day; C 03-16 09:00 -> 03-18 12:00 = 2.125 days;
    # B 02-10 10:00 -> 02-20 12:00 = 10.0833; A 02-01 10:00 -> 02-15 12:00 = 14.0833.
    # Median of 4 = (2.125 + 10.0833) / 2 = 6.104...
    assert got["days_to_first_order"] == (
        D("6.10"),
        {"dealers_ordered": 4, "dealers_waiting": 0},
    )
    # At 03-17 (C onboarded, no bot order yet): A, B, G only -> median 10.08; C waits.
    early = await figures(session, period=Period(P_START, at(3, 17)))
    assert early["days_to_first_order"] == (
        D("10.08"),
        {"dealers_ordered": 3, "dealers_waiting": 1},
    )


async def test_satisfaction_and_nps(session: AsyncSession, world: World) -> None:
    got = await figures(session)
    # Poll answers in P: 5, 3, 2 (the 4 of 04-03 is after P) -> 10/3.
    assert got["satisfaction_avg"] == (D("3.33"), {"answers": 3})
    # Latest answer per person in P: uA1 6 (r2 replaces the 10 of r1), uA2 9, uB 8, uG 3
    # (uC's 10 is after P): promoters 1, passives 1, detractors 2 -> (1 - 2) / 4 = -25.
    assert got["nps"] == (
        D("-25.00"),
        {"answers": 4, "promoters": 1, "passives": 1, "detractors": 2},
    )


async def test_filter_by_wave(session: AsyncSession, world: World) -> None:
    got = await figures(session, MetricFilters(wave_id=world.waves["W1"]))
    # W1 = A, B, G. Orders in P: a1 a2 a3 b1 b2; bot: a1 a2 a3 b2 -> 4/5.
    assert got["bot_share"][0] == D("80.00")
    assert got["after_hours_share"][0] == D("40.00")  # a2, b2
    assert got["claims_per_100"][0] == D("60.00")  # k1 k2 k3 over 5 orders
    # M1: a1 a2 a3 k1 + contact A = 5; M2: b1 b2 k2 + contact B = 4 -> 9 / 2 * 30 / 31 = 4.35.
    assert got["ops_per_manager"][0] == D("4.35")
    assert got["satisfaction_avg"][0] == D("4.00")  # 5 (A), 3 (B)
    assert got["nps"][0] == D("-25.00")  # the same four people
    assert got["partners_onboarded"][0] == D("3.00")
    assert got["days_to_first_order"][0] == D("10.08")  # 1, 10.0833, 14.0833
    assert got["repeat_bot_share"][0] == D("66.67")


async def test_filter_by_manager(session: AsyncSession, world: World) -> None:
    got = await figures(session, MetricFilters(manager_id=world.managers["M2"]))
    # M2 = B, C: orders b1 b2 c1 c2, bot b2 c2 -> 50 %; actions b1 b2 c1 c2 k2 + contact B
    # = 6 operations / 1 manager * 30/31.
    assert got["bot_share"][0] == D("50.00")
    assert got["ops_per_manager"][:1] == (D("5.81"),)
    assert got["ops_per_manager"][1]["operations"] == 6
    # Confirm minutes: c1 5, b1 10, c2 20, b2 90 -> median (10+20)/2 = 15;
    # p90 rank 2.7 -> 20 + 0.7 * 70 = 69.
    assert got["confirm_median_min"][0] == D("15.00")
    assert got["confirm_p90_min"][0] == D("69.00")


async def test_filter_by_dealer_onboarded_mid_period(session: AsyncSession, world: World) -> None:
    got = await figures(session, MetricFilters(dealer_id=world.dealers["C"]))
    # C joined 03-16: c1 (1C, before) and c2 (bot, after) are both in P -> 50 %.
    assert got["bot_share"][0] == D("50.00")
    assert got["partners_onboarded"][0] == D("1.00")
    assert got["partners_onboarded"][1]["in_period"] == 1
    assert got["days_to_first_order"][0] == D("2.13")  # 2.125 rounded half up
    assert got["repeat_bot_share"][0] is None  # no bot order before P
    # Filters combine: wave W1 and manager M1 = A and G: a1 a2 a3, all bot.
    both = await figures(
        session, MetricFilters(wave_id=world.waves["W1"], manager_id=world.managers["M1"])
    )
    assert both["bot_share"][0] == D("100.00")


async def test_dealer_without_orders(session: AsyncSession, world: World) -> None:
    got = await figures(session, MetricFilters(dealer_id=world.dealers["E"]))
    for key in (
        "ops_per_manager",
        "bot_share",
        "repeat_bot_share",
        "after_hours_share",
        "claims_per_100",
        "wrong_item_claims_per_100",
        "avg_order_value",
        "lines_per_order",
        "confirm_median_min",
        "confirm_p90_min",
        "days_to_first_order",
        "satisfaction_avg",
        "nps",
    ):
        assert got[key][0] is None, key
    # E is one dealer, never onboarded: 0 of 1.
    assert got["partners_onboarded"][0] == D("0.00")
    assert got["partners_onboarded"][1]["dealers"] == 1


async def test_empty_database(session: AsyncSession) -> None:
    got = await figures(session)
    assert set(got) == set(METRIC_KEYS)
    assert all(value is None for value, _ in got.values())


async def test_a_window_with_no_orders(session: AsyncSession, world: World) -> None:
    got = await figures(session, period=Period(at(6, 1), at(7, 1)))
    assert got["bot_share"][0] is None
    assert got["claims_per_100"][0] is None
    # Cumulative figures still stand: 4 onboarded; A, B, C, G had bot orders before, none in June.
    assert got["partners_onboarded"][0] == D("4.00")
    assert got["repeat_bot_share"] == (D("0.00"), {"dealers_before": 4, "dealers_returned": 0})
