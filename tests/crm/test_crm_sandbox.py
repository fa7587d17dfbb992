"""Sandbox orders never reach the CRM: not emitted while playing, skipped when marked."""

from __future__ import annotations

from sqlalchemy import func, select, update

from core import sandbox
from core.models import Order, OutboxEvent
from core.outbox import EventKind, emit
from tests.crm.test_bitrix24_sync import bot_order, drain


async def test_events_emitted_while_playing_the_sandbox_write_no_crm_row(db) -> None:
    w = await bot_order(db)
    async with db() as s:
        before = await s.scalar(select(func.count()).where(OutboxEvent.kind.like("crm.%")))
        with sandbox.playing():
            emit(s, EventKind.ORDER_STATUS, {"order_id": w["order"], "status": "confirmed"})
        await s.commit()
        after = await s.scalar(select(func.count()).where(OutboxEvent.kind.like("crm.%")))
    assert after == before  # the core event is there, its CRM row is not


async def test_a_sandbox_order_is_never_pushed_to_the_portal(db, portal, make_worker) -> None:
    fake, _ = portal
    w = await bot_order(db)
    async with db() as s:  # the order is the sandbox's (core.sandbox marks it when placed)
        await s.execute(update(Order).where(Order.id == w["order"]).values(is_sandbox=True))
        await s.commit()
    await drain(make_worker())
    assert fake.of("deal") == []  # no deal for it, whatever else the portal was told
    async with db() as s:
        states = set(
            await s.scalars(
                select(OutboxEvent.state).where(
                    OutboxEvent.kind == "crm.order",
                )
            )
        )
    assert states == {"skipped"}
