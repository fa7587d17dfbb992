"""The sender against Telegram's refusals (scripted on the fake Bot API) and its limits, on a
virtual clock: 429 waits with no request inside the wait, 403 marks and stops, 5xx retries."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from core.models import Delivery, Order, User
from core.orders.status import change_status
from integrations.telegram.limits import Limits, RateLimiter
from tests.managers.conftest import GROUP_CHAT, THURSDAY_NOON, World
from tests.managers.limits import VirtualClock


async def states(world: World, kind: str = "order.card") -> list[tuple[str, str | None]]:
    async with world.db() as s:
        rows = await s.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id))
        return [(r.state, r.error) for r in rows]


async def test_429_pauses_the_chat_and_no_request_is_made_inside_the_wait(world: World) -> None:
    chat = world.manager.id
    world.fake.refuse("sendMessage", chat, 429, retry_after=7)
    for _ in range(3):
        await world.place(THURSDAY_NOON, {"OC 90": 1})
    assert await world.sender().run_once(THURSDAY_NOON) == 3

    calls = world.fake.sent_to(chat, "sendMessage")
    assert [c.result is not None and isinstance(c.result, dict) for c in calls] == [
        False,
        True,
        True,
        True,
    ]
    refused_at = world.fake.at(calls[0])
    after = [world.fake.at(c) for c in calls[1:]]
    assert all(t >= refused_at + 7 for t in after), "a request was made inside the 429 wait"
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(after))  # 1/s per chat
    assert await states(world) == [("sent", None)] * 3


async def test_a_long_retry_after_puts_the_message_back_for_later(world: World) -> None:
    world.fake.refuse("sendMessage", world.manager.id, 429, retry_after=120)
    await world.place(THURSDAY_NOON)
    assert await world.sender().run_once(THURSDAY_NOON) == 0
    async with world.db() as s:
        (row,) = await s.scalars(select(Delivery))
        assert row.state == "queued" and row.available_at > THURSDAY_NOON
        assert "retry after 120" in (row.error or "")
    assert len(world.fake.sent_to(world.manager.id)) == 1  # no retry inside the wait


async def test_429_from_two_chats_at_once_pauses_everything() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(clock, Limits())
    await limiter.wait_turn(1)
    limiter.retry_after(1, 5)
    await limiter.wait_turn(2)  # another chat is still free
    limiter.retry_after(2, 5)
    start = clock.now()
    await limiter.wait_turn(3)  # a third chat waits: the whole bot is throttled
    assert clock.now() >= start + 5


async def test_group_gets_at_most_20_messages_a_minute() -> None:
    clock = VirtualClock()
    limiter = RateLimiter(clock, Limits())
    times = []
    for _ in range(25):
        await limiter.wait_turn(GROUP_CHAT)
        times.append(clock.now())
    assert times[20] - times[0] >= 60
    assert all(b - a >= 3 for a, b in itertools.pairwise(times))


async def test_403_marks_the_person_and_nothing_more_is_sent_to_them(world: World) -> None:
    world.fake.blocked_chats.add(world.manager.id)
    order_id = await world.place(THURSDAY_NOON)
    assert await world.sender().run_once(THURSDAY_NOON) == 0
    async with world.db() as s:
        manager = await s.get(User, world.manager_id)
        assert manager is not None and manager.blocked_bot_at is not None
    assert await states(world) == [
        ("failed", "Telegram server says - Forbidden: bot was blocked by the user")
    ]

    # later orders are not even tried for them; the dealer's person still hears of decisions
    await world.place(THURSDAY_NOON, {"LX 1006": 1})
    async with world.db() as s:
        order = await s.get(Order, order_id)
        assert order is not None
        await change_status(s, order, "confirmed", actor_kind="admin")
        await s.commit()
    await world.sender().run_once(THURSDAY_NOON)
    assert len(world.fake.sent_to(world.manager.id)) == 1
    assert len(world.fake.sent_to(world.shop.tg_user.id, "sendMessage")) == 1


async def test_5xx_is_retried_with_backoff(world: World) -> None:
    world.fake.refuse("sendMessage", world.manager.id, 502, times=2)
    await world.place(THURSDAY_NOON)
    assert await world.sender().run_once(THURSDAY_NOON) == 1
    calls = world.fake.sent_to(world.manager.id, "sendMessage")
    assert len(calls) == 3
    gaps = [world.fake.at(b) - world.fake.at(a) for a, b in itertools.pairwise(calls)]
    assert gaps[1] > gaps[0] >= 1  # exponential
    assert await states(world) == [("sent", None)]


async def test_5xx_that_persists_is_tried_later_then_given_up(world: World) -> None:
    from datetime import timedelta

    world.fake.refuse("sendMessage", world.manager.id, 500, times=100)
    await world.place(THURSDAY_NOON)
    sender = world.sender(max_attempts=2)
    assert await sender.run_once(THURSDAY_NOON) == 0
    async with world.db() as s:
        (row,) = await s.scalars(select(Delivery))
        assert (row.state, row.attempts) == ("queued", 1)
        assert row.available_at > THURSDAY_NOON
    later = THURSDAY_NOON + timedelta(hours=2)
    assert await sender.run_once(later) == 0
    assert await states(world) == [("failed", "Telegram server says - Scripted error 500")]
    assert len(world.fake.sent_to(world.manager.id)) == 6  # 3 tries at once, twice


async def test_a_person_who_writes_again_is_reachable_again(world: World) -> None:
    world.fake.blocked_chats.add(world.manager.id)
    await world.place(THURSDAY_NOON)
    await world.sender().run_once(THURSDAY_NOON)
    world.fake.blocked_chats.discard(world.manager.id)  # they unblocked the bot ...
    await world.tg.send_text(world.manager, "/pending")  # ... and wrote to it
    async with world.db() as s:
        manager = await s.get(User, world.manager_id)
        assert manager is not None and manager.blocked_bot_at is None
    await world.place(THURSDAY_NOON, {"LX 1006": 1})
    await world.sender().run_once(THURSDAY_NOON)
    assert any("🆕 Заказ" in c.text for c in world.fake.sent_to(world.manager.id, "sendMessage"))
