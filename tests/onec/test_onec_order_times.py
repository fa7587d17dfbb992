"""Orders known only from 1C keep their time of creation (Дата + Время, local -> UTC)."""

# ruff: noqa: E501  (XML samples read best on one line)
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar import WorkingCalendar
from core.metrics.after_hours import after_hours_stats
from core.metrics.rollout import MetricFilters, Period
from core.models import Order
from core.models.dealers import LegalEntity
from tests import factories
from tests.onec.conftest import OneC

MSK = ZoneInfo("Europe/Moscow")


def _doc(number: str, inn: str, *, date: str, time: str | None) -> str:
    clock = f"<Время>{time}</Время>" if time is not None else ""
    return f"""<Документ><Ид>{number}</Ид><Номер>{number}</Номер><Дата>{date}</Дата>{clock}
  <ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль><Валюта>руб</Валюта><Курс>1</Курс><Сумма>300.00</Сумма>
  <Контрагенты><Контрагент><Ид>k-1</Ид><Наименование>Покупатель</Наименование><ИНН>{inn}</ИНН><Роль>Покупатель</Роль></Контрагент></Контрагенты>
  <Товары><Товар><Ид>x-1</Ид><Наименование>Фильтр</Наименование><ЦенаЗаЕдиницу>100</ЦенаЗаЕдиницу><Количество>3</Количество><Сумма>300</Сумма></Товар></Товары>
 </Документ>"""


async def test_1c_order_created_at_22_30_local_is_kept_and_counted_after_hours(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as session:
        dealer = await factories.dealer(session)
        entity = await session.scalar(select(LegalEntity).where(LegalEntity.dealer_id == dealer.id))
        assert entity is not None
        inn = entity.inn
        await session.commit()
    # 2026-11-23 is a Monday: 22:30 is after hours, 10:15 is inside, a date alone stays in-hours
    body = f"""<?xml version="1.0" encoding="windows-1251"?>
<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="2026-11-24T10:00:00">
 {_doc("УТ-2230", inn, date="2026-11-23", time="22:30:00")}
 {_doc("УТ-1015", inn, date="2026-11-23", time="10:15:00")}
 {_doc("УТ-0000", inn, date="2026-11-23", time=None)}
 {_doc("УТ-ISO", inn, date="2026-11-23T07:05:00", time=None)}
</КоммерческаяИнформация>""".encode("cp1251")
    await onec.checkauth("sale")
    assert (await onec.upload("orders_1c.xml", body, kind="sale")).startswith("success")
    assert (await onec.import_("orders_1c.xml", kind="sale")).startswith("success")
    async with db() as session:
        rows = {
            o.onec_id: o for o in await session.scalars(select(Order).where(Order.source == "1c"))
        }
        late, day, undated, iso = rows["УТ-2230"], rows["УТ-1015"], rows["УТ-0000"], rows["УТ-ISO"]
        assert late.placed_at.astimezone(UTC) == datetime(2026, 11, 23, 19, 30, tzinfo=UTC)
        assert late.is_after_hours is True
        assert day.placed_at.astimezone(UTC) == datetime(2026, 11, 23, 7, 15, tzinfo=UTC)
        assert day.is_after_hours is False
        assert undated.placed_at.astimezone(UTC) == datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
        assert undated.is_after_hours is False
        assert iso.placed_at.astimezone(UTC) == datetime(2026, 11, 23, 4, 5, tzinfo=UTC)
        assert iso.is_after_hours is True  # 07:05 is before 09:00
        stats = await after_hours_stats(
            session,
            WorkingCalendar(zone=MSK),
            Period(datetime(2026, 11, 22, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)),
            MetricFilters(dealer_id=dealer.id),
            now=datetime(2026, 11, 25, tzinfo=UTC),
        )
        assert (stats.orders, stats.after_hours_orders) == (4, 2)
        assert stats.heatmap[0][22] == 1  # Monday, 22:00-23:00 local
