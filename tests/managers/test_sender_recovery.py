"""The sender killed between a request and its record: the documented rule
(integrations/telegram/README.md) decides what a restarted sender does with the message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.outbound import Outbound
from core.models import Delivery, Order
from core.orders.status import change_status
from integrations.telegram.sender import Sender
from tests.managers.conftest import THURSDAY_NOON, World

RESTART = THURSDAY_NOON + timedelta(minutes=5)  # past the two-minute lease


class Killed(BaseException):
    """The process dies (not an error anyone handles)."""


class DiesAfterSending(Sender):
    """Makes the request, then dies before writing down that it was sent."""

    async def _record_sent(self, delivery_id: int, message_id: int | None) -> None:
        raise Killed


async def delivery(world: World, kind: str) -> Delivery:
    async with world.db() as s:
        row = await s.scalar(select(Delivery).where(Delivery.kind == kind))
        assert row is not None
        return row


async def confirm(world: World, order_id: int) -> None:
    async with world.db() as s:
        order = await s.get(Order, order_id)
        assert order is not None
        await change_status(s, order, "confirmed", actor_kind="manager")
        await s.commit()


def crashing(world: World) -> DiesAfterSending:
    return DiesAfterSending(
        world.tg.bot,
        world.db,
        world.tg.settings,
        render=Outbound(world.tg.settings.zone),
        clock=world.clock,
        notify_env=world.env,
    )


async def test_a_dealer_notice_is_neither_lost_nor_sent_twice(world: World) -> None:
    order_id = await world.place(THURSDAY_NOON)
    await world.sender().run_once(THURSDAY_NOON)  # the manager's card
    await confirm(world, order_id)
    with pytest.raises(Killed):
        await crashing(world).run_once(THURSDAY_NOON)
    assert (await delivery(world, "order.notice")).state == "sending"

    restarted = world.sender()
    assert await restarted.run_once(THURSDAY_NOON + timedelta(seconds=30)) == 0  # lease holds
    await restarted.run_once(RESTART)
    await restarted.run_once(RESTART + timedelta(minutes=5))
    notices = world.fake.sent_to(world.shop.tg_user.id, "sendMessage")
    assert len(notices) == 1 and "подтверждён" in notices[0].text  # delivered, exactly once
    row = await delivery(world, "order.notice")
    assert row.state == "unknown" and "not sent again" in (row.error or "")


async def test_an_undecided_managers_card_is_sent_again_marked_as_a_repeat(world: World) -> None:
    await world.place(THURSDAY_NOON)
    with pytest.raises(Killed):
        await crashing(world).run_once(THURSDAY_NOON)
    await world.sender().run_once(RESTART)
    first, again = world.fake.sent_to(world.manager.id, "sendMessage")
    assert "Повторная отправка" not in first.text
    assert "🔁 Повторная отправка" in again.text
    row = await delivery(world, "order.card")
    assert (row.state, row.message_id) == ("sent", again.message_id)
    await world.sender().run_once(RESTART + timedelta(minutes=5))
    assert len(world.fake.sent_to(world.manager.id, "sendMessage")) == 2  # and no more


async def test_a_card_of_an_order_decided_meanwhile_is_not_sent_again(world: World) -> None:
    order_id = await world.place(THURSDAY_NOON)
    with pytest.raises(Killed):
        await crashing(world).run_once(THURSDAY_NOON)
    await confirm(world, order_id)
    await world.sender().run_once(RESTART)
    assert len(world.fake.sent_to(world.manager.id, "sendMessage")) == 1
    assert (await delivery(world, "order.card")).state == "unknown"


async def test_a_card_edit_is_simply_made_again(world: World) -> None:
    order_id = await world.place(THURSDAY_NOON)
    await world.sender().run_once(THURSDAY_NOON)
    await confirm(world, order_id)

    class DiesAfterEditing(Sender):
        async def _record_sent(self, delivery_id: int, message_id: int | None) -> None:
            async with world.db() as s:
                row = await s.get(Delivery, delivery_id)
            if row is not None and row.kind == "card.edit":
                raise Killed
            await super()._record_sent(delivery_id, message_id)

    with pytest.raises(Killed):
        await DiesAfterEditing(
            world.tg.bot,
            world.db,
            world.tg.settings,
            render=Outbound(world.tg.settings.zone),
            clock=world.clock,
            notify_env=world.env,
        ).run_once(THURSDAY_NOON)
    await world.sender().run_once(RESTART)
    edits = world.fake.sent_to(world.manager.id, "editMessageText")
    assert len(edits) == 2 and edits[0].text == edits[1].text
    assert (await delivery(world, "card.edit")).state == "sent"


class DiesBeforeRequesting(Sender):
    """Claims its batch and dies before the first request leaves (while it waits its turn)."""

    async def _finish(self, delivery_id: int, state: str, **values: object) -> None:
        if "requested_at" in values:
            raise Killed
        await super()._finish(delivery_id, state, **values)


async def test_a_message_claimed_but_never_requested_is_sent_after_a_restart(
    world: World,
) -> None:
    order_id = await world.place(THURSDAY_NOON)
    await world.sender().run_once(THURSDAY_NOON)  # the manager's card
    await confirm(world, order_id)
    dying = DiesBeforeRequesting(
        world.tg.bot,
        world.db,
        world.tg.settings,
        render=Outbound(world.tg.settings.zone),
        clock=world.clock,
        notify_env=world.env,
    )
    with pytest.raises(Killed):
        await dying.run_once(THURSDAY_NOON)
    row = await delivery(world, "order.notice")
    assert row.state == "sending" and row.requested_at is None
    assert world.fake.sent_to(world.shop.tg_user.id, "sendMessage") == []

    restarted = world.sender()
    await restarted.run_once(RESTART)
    await restarted.run_once(RESTART + timedelta(minutes=5))
    notices = world.fake.sent_to(world.shop.tg_user.id, "sendMessage")
    assert len(notices) == 1 and "подтверждён" in notices[0].text  # not lost, exactly once
    assert (await delivery(world, "order.notice")).state == "sent"
