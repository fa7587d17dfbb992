"""The dealer import takes the status as the admin shows it (Russian label) or as stored."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.dealers.importing import import_dealers, parse_dealer_file
from core.models import Dealer


async def test_status_by_its_russian_label_or_its_code(session: AsyncSession) -> None:
    text = "Название;ИНН;Статус\nООО Восток;7801234567;Активен\nООО Запад;7901234567;paused\n"
    report = await import_dealers(session, parse_dealer_file(text.encode(), "dealers.csv"))
    assert report.created == 2 and not report.errors
    rows = (await session.execute(select(Dealer.name, Dealer.status))).all()
    statuses = {name: status for name, status in rows}
    assert statuses == {"ООО Восток": "active", "ООО Запад": "paused"}
