"""Broadcasts on the fake Bot API enforcing 30 messages a second: the audience rules select
exactly the right people; blocked people are recorded; a kill in the middle and a restart give
everyone exactly one message; cancel stops it; a scheduled one starts after a restart."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.broadcasts import audience as aud
from core.broadcasts import service
from core.broadcasts.content import Content, check
from core.errors import InvalidInput
from core.models import Broadcast, Delivery, User, utcnow
from dealerbot.telegram import make_sender
from integrations.telegram.limits import Limits
from integrations.telegram.sender import Sender
from tests.broadcasts.conftest import Telegram
from tests.broadcasts.data import admin_account, broadcast, crowd, hand_built


async def _tgs(db: async_sessionmaker[AsyncSession], rule: dict[str, object]) -> set[int]:
    async with db() as s:
        people = await aud.recipients(s, aud.Audience.parse(rule))
    return {p.telegram_id for p in people}


async def test_audience_rules_select_exactly_the_right_people(
    db: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    ids = await hand_built(db, now)
    w, m, d = ids.waves, ids.managers, ids.dealers
    expected: list[tuple[dict[str, object], set[int]]] = [
        ({"kind": "all"}, {1001, 1002, 1004, 1006, 1008}),
        ({"kind": "waves", "ids": [w["W1"]]}, {1001, 1002, 1004}),
        ({"kind": "waves", "ids": [w["W2"]]}, {1006}),
        ({"kind": "dealers", "ids": [d["D2"], d["D4"]]}, {1004, 1008}),
        ({"kind": "managers", "ids": [m["M1"]]}, {1001, 1002, 1006}),
        ({"kind": "managers", "ids": [m["M2"]]}, {1004}),
        ({"kind": "regions", "values": ["Москва"]}, {1001, 1002, 1004}),
        ({"kind": "regions", "values": ["казань", "Тверь"]}, {1006}),
        ({"kind": "tags", "values": ["vip"]}, {1001, 1002}),
        ({"kind": "tags", "values": ["north", "vip"]}, {1001, 1002, 1004}),
        ({"kind": "tags", "values": ["nobody"]}, set()),
        # active = an order placed through the bot within the last N days (1C orders do not count)
        ({"kind": "active", "days": 7}, {1001, 1002, 1006}),
        ({"kind": "active", "days": 2}, {1006}),
        ({"kind": "active", "days": 60}, {1001, 1002, 1004, 1006}),
        ({"kind": "inactive", "days": 7}, {1004, 1008}),
        ({"kind": "inactive", "days": 60}, {1008}),
    ]
    for rule, people in expected:
        assert await _tgs(db, rule) == people, rule
    async with db() as s:
        size = await aud.size(s, aud.Audience.parse({"kind": "all"}))
    assert (size.dealers, size.recipients) == (4, 5)
    assert size.unreachable == {"blocked": 1, "inactive": 1, "paused": 0}


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "everyone"},
        {"kind": "waves"},
        {"kind": "regions", "values": ["  "]},
        {"kind": "active", "days": 0},
        {"kind": "dealers", "ids": ["x"]},
    ],
)
def test_bad_audience_rules_are_refused(rule: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        aud.Audience.parse(rule)


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (Content("<script>x</script>"), "broadcast.bad_tag"),
        (Content("<b>bold <i>both</b></i>"), "broadcast.unbalanced"),
        (Content("<b>open"), "broadcast.unbalanced"),
        (Content('<a href="javascript:alert(1)">x</a>'), "broadcast.bad_link"),
        (Content("x" * 4097), "broadcast.too_long"),
        (Content("x" * 1025, photo="https://example.com/a.jpg"), "broadcast.too_long"),
        (Content("x", button_text="Go"), "broadcast.button_incomplete"),
        (Content("x", button_text="Go", button_url="ftp://x"), "broadcast.bad_link"),
        (Content("   "), "broadcast.text_required"),
    ],
)
def test_content_is_checked_before_it_is_saved(content: Content, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check(content)
    assert caught.value.key == key


def test_good_html_passes() -> None:
    text = '<b>Жирный</b> <i>курсив</i> <a href="https://x.ru/a?b=1&amp;c=2">ссылка</a> &lt;3'
    assert check(Content(text)).text == text


async def _drain(sender: Sender) -> None:
    while await sender.run_once():
        pass
    await sender.run_once()  # settles the broadcast once nothing is left


async def _state(db: async_sessionmaker[AsyncSession], broadcast_id: int) -> Broadcast:
    async with db() as s:
        item = await s.get(Broadcast, broadcast_id)
        assert item is not None
        return item


async def test_broadcast_within_limits_records_blocked_people(telegram: Telegram) -> None:
    fake, db = telegram.fake, telegram.db
    people = await crowd(db, 90)
    blocked = {people[3], people[50]}
    fake.blocked_chats |= blocked
    broadcast_id = await broadcast(db)

    await _drain(telegram.sender())

    assert fake.too_many == 0, "the sender went above 30 messages a second"
    for chat in people:
        assert len(fake.delivered(chat)) == (0 if chat in blocked else 1), chat
    first = fake.delivered(people[0])[0]
    assert first.params["parse_mode"] == "HTML"
    assert first.params["text"].startswith("<b>Новинка</b>")
    assert first.buttons == [("Открыть каталог", "https://example.com/catalog")]
    item = await _state(db, broadcast_id)
    assert (item.state, item.recipients, item.sent, item.blocked) == ("done", 90, 88, 2)
    async with db() as s:
        rows = await service.report(s, broadcast_id, status="blocked")
        marked = set(
            await s.scalars(select(User.telegram_id).where(User.blocked_bot_at.is_not(None)))
        )
    assert {r.telegram_id for r in rows} == blocked
    assert all("blocked" in r.error for r in rows)
    assert marked == blocked
    # a second broadcast does not even try them: they cannot be reached
    second = await broadcast(db)
    await _drain(telegram.sender())
    assert (await _state(db, second)).recipients == 88


async def test_the_fake_refuses_a_sender_above_the_limit(telegram: Telegram) -> None:
    """The check above can fail: without the limiter Telegram answers 429 (and the sender still
    gets every message through, once, after the pauses)."""
    fake, db = telegram.fake, telegram.db
    people = await crowd(db, 80)
    await broadcast(db)
    sender = make_sender(
        telegram.bot,
        db,
        telegram.settings,
        clock=telegram.clock,
        limits=Limits(per_second=10_000),
        lease=timedelta(0),
    )
    await _drain(sender)
    assert fake.too_many > 0
    assert all(len(fake.delivered(chat)) == 1 for chat in people)


async def test_kill_in_the_middle_and_restart_give_everyone_exactly_one(
    telegram: Telegram,
) -> None:
    fake, db = telegram.fake, telegram.db
    people = await crowd(db, 60)
    broadcast_id = await broadcast(db)
    fake.hang_after = 20  # then every request hangs: the process is "killed" mid-request
    first = telegram.sender()
    task = asyncio.create_task(_drain(first))
    async with asyncio.timeout(30):
        await fake.wait_hanging(first.concurrency)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    async with db() as s:
        in_flight = await s.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.state == "sending", Delivery.requested_at.is_not(None))
        )
        never_requested = await s.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.state == "sending", Delivery.requested_at.is_(None))
        )
    assert in_flight == first.concurrency
    assert never_requested and never_requested > 0

    fake.hang_after = None
    # the restarted process: starting one takes more than a second, and a new process does
    # not know how fast the dead one was sending (Telegram would count both)
    telegram.clock.t += 1.0
    await _drain(telegram.sender())

    for chat in people:
        assert len(fake.delivered(chat)) == 1, chat
    assert fake.too_many == 0
    item = await _state(db, broadcast_id)
    async with db() as s:
        t = await service.tally(s, broadcast_id)
    assert item.state == "done"
    # the requests cut off by the kill reached Telegram, but nobody can know: `unknown`,
    # not sent again; the rows claimed but never requested were sent after the restart
    assert (t.sent, t.unknown, t.total) == (60 - first.concurrency, first.concurrency, 60)


async def test_a_restart_during_the_start_adds_no_second_row(telegram: Telegram) -> None:
    db = telegram.db
    await crowd(db, 30)
    broadcast_id = await broadcast(db)
    async with db() as s:
        assert await service.start(s, broadcast_id) == 30
        # as if the process died after the rows and before `queued_at`
        item = await s.get(Broadcast, broadcast_id)
        assert item is not None
        item.queued_at = None
        await s.commit()
        assert await service.due(s, utcnow()) == [broadcast_id]
        assert await service.start(s, broadcast_id) == 0
        assert await service.start(s, broadcast_id) == 0  # taken: no longer due
    await _drain(telegram.sender())
    assert all(len(telegram.fake.delivered(c)) <= 1 for c in range(5_000_000, 5_000_030))
    assert len(telegram.fake.delivered()) == 30


async def test_cancel_stops_it(telegram: Telegram) -> None:
    fake, db = telegram.fake, telegram.db
    await crowd(db, 50)
    broadcast_id = await broadcast(db)
    sender = telegram.sender(batch=10)
    await sender.start_broadcasts()
    assert await sender.send_due() == 10
    async with db() as s:
        item = await s.get(Broadcast, broadcast_id)
        assert item is not None
        assert await service.cancel(s, item) == 40
        await s.commit()
    await _drain(telegram.sender(batch=10))
    assert len(fake.delivered()) == 10
    item = await _state(db, broadcast_id)
    assert (item.state, item.sent, item.skipped) == ("cancelled", 10, 40)
    assert item.finished_at is not None
    async with db() as s:
        with pytest.raises(service.InvalidTransition):
            await service.cancel(s, await service.get(s, broadcast_id))


async def test_a_claimed_row_of_a_cancelled_broadcast_is_not_sent(telegram: Telegram) -> None:
    fake, db = telegram.fake, telegram.db
    await crowd(db, 5)
    broadcast_id = await broadcast(db)
    sender = telegram.sender()
    await sender.start_broadcasts()
    claimed = await sender._claim(utcnow())
    async with db() as s:
        await service.cancel(s, await service.get(s, broadcast_id))
        await s.commit()
    for delivery_id, _chat in claimed:
        await sender._send_one(delivery_id, utcnow())
    assert fake.delivered() == []


async def test_a_scheduled_broadcast_starts_after_a_restart(telegram: Telegram) -> None:
    fake, db = telegram.fake, telegram.db
    await crowd(db, 3)
    later = utcnow() + timedelta(hours=1)
    broadcast_id = await broadcast(db, send_at=later)
    await _drain(telegram.sender())
    assert fake.delivered() == []
    assert (await _state(db, broadcast_id)).state == "scheduled"
    # a new process, after the time: the schedule is in the database, not in memory
    restarted = telegram.sender()
    while await restarted.run_once(later + timedelta(seconds=5)):
        pass
    await restarted.run_once(later + timedelta(seconds=5))
    assert len(fake.delivered()) == 3
    assert (await _state(db, broadcast_id)).state == "done"


async def test_photo_caption_button_and_test_send(telegram: Telegram) -> None:
    fake, db = telegram.fake, telegram.db
    people = await crowd(db, 2)
    staff_id = await admin_account(db, 777)
    broadcast_id = await broadcast(
        db,
        photo="https://example.com/promo.jpg",
        text="<i>Фото</i> недели",
        send_at=utcnow() + timedelta(days=1),
        staff_id=staff_id,
    )
    async with db() as s:
        await service.test_send(s, await service.get(s, broadcast_id), 777)
        await s.commit()
    await _drain(telegram.sender())
    assert [c.chat_id for c in fake.delivered()] == [777]  # only the test, not the audience
    call = fake.delivered(777)[0]
    assert call.method == "sendPhoto"
    assert call.params["caption"] == "<i>Фото</i> недели"
    assert call.params["parse_mode"] == "HTML"
    assert all(fake.delivered(chat) == [] for chat in people)
    async with db() as s:
        assert (await service.tally(s, broadcast_id)).total == 0
