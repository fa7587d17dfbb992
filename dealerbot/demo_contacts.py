"""Demo contact log: dealers' calls, e-mails and messenger requests logged by their managers
over the demo year, so the dashboard shows "обращения вне платформы" and "время работы с
клиентом" against a baseline. Before a dealer is onboarded to the bot, prices and stock are
asked for by phone several times a month; once in the bot, such calls grow rare."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import DealerContact, ManagerAction

NOTES = {
    "prices": ("Уточнили цену на фильтры", "Просили прайс на масла", "Цена на колодки"),
    "stock": ("Есть ли OC 90 на складе", "Остатки по свечам", "Когда поступят щётки"),
    "order": ("Добавить позицию в заказ", "Статус заказа"),
    "claim": ("Пересорт в поставке", "Повреждённая коробка"),
    "finance": ("Сверка взаиморасчётов", "Счёт на оплату"),
    "other": ("Общие вопросы",),
}
CHANNELS = ("call", "call", "call", "email", "messenger")


class DemoDealer(Protocol):
    """What the demo loader knows of a dealer."""

    @property
    def id(self) -> int: ...

    @property
    def manager_id(self) -> int | None: ...

    @property
    def onboarded_at(self) -> datetime | None: ...


async def load_contacts(
    session: AsyncSession, now: datetime, dealers: Iterable[DemoDealer], seed: int, days: int = 365
) -> int:
    """Add the demo contacts (and their "contact.logged" manager actions); how many."""
    rng = random.Random(seed * 1000 + 18)
    rows: list[dict[str, Any]] = []
    start = now - timedelta(days=days)
    for dealer in dealers:
        if dealer.manager_id is None:
            continue
        day = start
        while day < now - timedelta(hours=2):
            in_bot = dealer.onboarded_at is not None and day >= dealer.onboarded_at
            # a contact every few days before the bot, every couple of weeks after
            day += timedelta(days=rng.uniform(4, 9) if not in_bot else rng.uniform(10, 20))
            if day >= now - timedelta(hours=1):
                break
            weights = (5, 4, 3, 1, 2, 1) if not in_bot else (1, 1, 4, 2, 3, 1)
            topic = rng.choices(tuple(NOTES), weights=weights)[0]
            local_hour = rng.randrange(9, 18)
            occurred = day.replace(hour=(local_hour - 3) % 24, minute=rng.randrange(60))
            if occurred >= now:
                continue
            rows.append(
                {
                    "dealer_id": dealer.id,
                    "manager_id": dealer.manager_id,
                    "channel": rng.choice(CHANNELS),
                    "topic": topic,
                    "duration_minutes": rng.choice((None, 3, 5, 5, 8, 10, 15, 20)),
                    "note": rng.choice(NOTES[topic]),
                    "source": "bot",
                    "occurred_at": occurred,
                    "created_at": occurred,
                }
            )
    if not rows:
        return 0
    await session.execute(insert(DealerContact), rows)
    await session.execute(
        insert(ManagerAction).from_select(
            ["user_id", "action", "contact_id", "channel", "at"],
            select(
                DealerContact.manager_id,
                literal("contact.logged"),
                DealerContact.id,
                literal("bot"),
                DealerContact.occurred_at,
            ),
        )
    )
    return int(await session.scalar(select(func.count()).select_from(DealerContact)) or 0)
