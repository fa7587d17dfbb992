"""A sender killed after Telegram answered and before the database heard it: the broadcast
message was delivered, and a restarted sender settles its row as `sent` (from the receipt
journal, integrations/telegram/receipts.py) instead of leaving it `unknown`. A kill before
the receipt is written still leaves the documented `unknown`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.outbound import Outbound
from core.broadcasts import service
from core.models import Delivery
from integrations.telegram.receipts import Receipts
from integrations.telegram.sender import Sender
from tests.broadcasts.conftest import Telegram
from tests.broadcasts.data import broadcast, crowd


class Killed(BaseException):
    """The process dies (not an error anyone handles)."""


class DiesBeforeTheRecord(Sender):
    """Gets Telegram's answer, writes the receipt, and dies before the row says `sent`."""

    async def _finish(self, delivery_id: int, state: str, **values: Any) -> None:
        if state == "sent":
            raise Killed
        await super()._finish(delivery_id, state, **values)


class DiesBeforeTheReceipt(Sender):
    async def _record_sent(self, delivery_id: int, message_id: int | None) -> None:
        raise Killed


async def kill_and_restart(telegram: Telegram, kind: type[Sender], folder: Path) -> int:
    people = await crowd(telegram.db, 1)  # one in flight: the kill stops everything
    broadcast_id = await broadcast(telegram.db)
    dying = kind(
        telegram.bot,
        telegram.db,
        telegram.settings,
        render=Outbound(telegram.settings.zone),
        clock=telegram.clock,
        lease=timedelta(0),
        receipts=Receipts(folder),
    )
    with pytest.raises(Killed):
        while await dying.run_once():
            pass
    restarted = telegram.sender(receipts=Receipts(folder))
    while await restarted.run_once():
        pass
    await restarted.run_once()
    for chat in people:
        assert len(telegram.fake.delivered(chat)) == 1, chat  # never a second copy
    return broadcast_id


async def test_a_delivered_message_is_resolved_as_sent_on_restart(
    telegram: Telegram, tmp_path: Path
) -> None:
    broadcast_id = await kill_and_restart(telegram, DiesBeforeTheRecord, tmp_path)
    async with telegram.db() as s:
        tally = await service.tally(s, broadcast_id)
        rows = list(await s.scalars(select(Delivery).where(Delivery.broadcast_id == broadcast_id)))
    assert (tally.sent, tally.unknown, tally.total) == (1, 0, 1)
    (row,) = rows
    (delivered,) = telegram.fake.delivered(row.chat_id)
    assert isinstance(delivered.result, dict)
    assert row.state == "sent" and row.message_id == delivered.result["message_id"]


async def test_a_kill_before_the_receipt_still_leaves_unknown(
    telegram: Telegram, tmp_path: Path
) -> None:
    broadcast_id = await kill_and_restart(telegram, DiesBeforeTheReceipt, tmp_path)
    async with telegram.db() as s:
        tally = await service.tally(s, broadcast_id)
    assert (tally.sent, tally.unknown, tally.total) == (0, 1, 1)
