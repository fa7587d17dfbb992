"""A hand-built set of dealers for the audience rules, and crowds of recipients for sending."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.broadcasts import service
from core.broadcasts.content import Content
from core.models import (
    Broadcast,
    Dealer,
    Order,
    OrderSource,
    PilotWave,
    Role,
    StaffAccount,
    User,
    utcnow,
)

_orders = iter(range(1, 1_000_000))


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A real PNG of one colour (browsers draw it)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int) -> bytes:
    """The start of a baseline JPEG as cameras write it: SOI, an APP1 block, the frame header."""
    app1 = b"\xff\xe1" + struct.pack(">H", 18) + b"Exif\x00\x00" + b"\x00" * 10
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x00" * 9
    return b"\xff\xd8" + app1 + sof0 + b"\xff\xd9"


@dataclass
class Ids:
    waves: dict[str, int] = field(default_factory=dict)
    managers: dict[str, int] = field(default_factory=dict)
    dealers: dict[str, int] = field(default_factory=dict)


def _order(dealer_id: int, source: str, at: datetime) -> Order:
    n = next(_orders)
    return Order(
        number=f"BC-{n:06d}", dealer_id=dealer_id, source=source, placed_at=at, total=Decimal("1")
    )


async def hand_built(db: async_sessionmaker[AsyncSession], now: datetime) -> Ids:
    """Four dealers, two waves, two managers; people with and without a way to reach them.

    D1 wave W1, manager M1, region "Москва", tags vip; bot order 5 days ago;
       people 1001, 1002, 1003 (blocked the bot), one without Telegram.
    D2 wave W1, manager M2, region "  москва " (case and spaces differ), tags north (vip false);
       a 1C order 3 days ago, a bot order 40 days ago; people 1004, 1005 (deactivated).
    D3 wave W2, manager M1, region "Казань"; bot order 1 day ago; person 1006 and a manager
       bound to it (1007, not a dealer's person).
    D4 no wave, no manager, no region, no orders; person 1008.
    """
    ids = Ids()
    async with db() as s:
        for name in ("W1", "W2"):
            wave = PilotWave(name=name)
            s.add(wave)
            await s.flush()
            ids.waves[name] = wave.id
        for name in ("M1", "M2"):
            manager = User(role=Role.MANAGER, full_name=name, telegram_id=900 + len(ids.managers))
            s.add(manager)
            await s.flush()
            ids.managers[name] = manager.id
        specs: list[tuple[str, str | None, str | None, str, dict[str, Any]]] = [
            ("D1", "W1", "M1", "Москва", {"vip": True}),
            ("D2", "W1", "M2", "  москва ", {"vip": False, "north": True}),
            ("D3", "W2", "M1", "Казань", {}),
            ("D4", None, None, "", {}),
        ]
        for name, wave_name, manager_name, region, tags in specs:
            dealer = Dealer(
                name=name,
                wave_id=ids.waves[wave_name] if wave_name else None,
                manager_id=ids.managers[manager_name] if manager_name else None,
                region=region,
                tags=tags,
            )
            s.add(dealer)
            await s.flush()
            ids.dealers[name] = dealer.id
        d = ids.dealers

        def person(dealer: str, tg: int | None, **kw: Any) -> User:
            return User(dealer_id=d[dealer], telegram_id=tg, full_name=f"p{tg}", **kw)

        s.add_all(
            [
                person("D1", 1001),
                person("D1", 1002, language="en"),
                person("D1", 1003, blocked_bot_at=now - timedelta(days=2)),
                person("D1", None),
                person("D2", 1004),
                person("D2", 1005, is_active=False),
                person("D3", 1006),
                person("D3", 1007, role=Role.MANAGER),
                person("D4", 1008),
                _order(d["D1"], OrderSource.BOT, now - timedelta(days=5)),
                _order(d["D2"], OrderSource.ONEC, now - timedelta(days=3)),
                _order(d["D2"], OrderSource.BOT, now - timedelta(days=40)),
                _order(d["D3"], OrderSource.BOT, now - timedelta(days=1)),
            ]
        )
        await s.commit()
    return ids


async def crowd(
    db: async_sessionmaker[AsyncSession], n: int, *, first_tg: int = 5_000_000
) -> list[int]:
    """`n` dealers with one reachable person each; their Telegram ids."""
    async with db() as s:
        for i in range(n):
            dealer = Dealer(name=f"Дилер {i}", region="Тула")
            s.add(dealer)
            await s.flush()
            s.add(User(dealer_id=dealer.id, telegram_id=first_tg + i, full_name=f"Человек {i}"))
        await s.commit()
    return [first_tg + i for i in range(n)]


async def admin_account(db: async_sessionmaker[AsyncSession], telegram_id: int | None = 777) -> int:
    async with db() as s:
        account = StaffAccount(
            login=f"admin{telegram_id}", password_hash="x", telegram_id=telegram_id
        )
        s.add(account)
        await s.commit()
        return account.id


async def broadcast(
    db: async_sessionmaker[AsyncSession],
    *,
    audience: dict[str, Any] | None = None,
    text: str = "<b>Новинка</b>: фильтры MANN со скидкой 10%",
    photo: str | None = None,
    button: tuple[str, str] | None = ("Открыть каталог", "https://example.com/catalog"),
    send_at: datetime | None = None,
    staff_id: int | None = None,
) -> int:
    """A broadcast made and scheduled (at `send_at`, default: now) the way the admin does."""
    now = utcnow()
    async with db() as s:
        item: Broadcast = await service.save_draft(
            s,
            None,
            title="Акция",
            content=Content(text, photo, *(button or (None, None))),
            audience=audience or {"kind": "all"},
            staff_id=staff_id,
            now=now,
        )
        await service.schedule(s, item, send_at or now, now)
        await s.commit()
        return item.id
