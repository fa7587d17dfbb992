"""Orders export from the admin list: the XLSX read back with openpyxl, the list's filters
applied, a manager's export holding only their dealers' orders."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.orders_export import COLUMNS
from core.models import LegalEntity, Order, OrderLine, OrderStatus, SyncState
from tests.admin.conftest import Browser, World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def export(browser: Browser, query: str = "") -> list[tuple[object, ...]]:
    """Download the export and read it back: the header row, then one row per order."""
    response = await browser.client.get(f"/admin/orders/export.xlsx{query}")
    assert response.status == 200
    assert response.content_type == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await response.read()))
    sheet = book["Заказы"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(title for title, _width in COLUMNS)
    return rows[1:]


async def late_order(db: async_sessionmaker[AsyncSession], world: World) -> str:
    """A new order of dealer A placed at 00:30 Moscow time on 6 November (21:30 UTC on the 5th)."""
    async with db() as s:
        dealer = world.dealer_a
        # built here, not with order_for: its number counter lives in pytest's copy of conftest
        order = Order(
            number="EXP-00001",
            dealer_id=dealer.id,
            total=Decimal("12345.67"),
            placed_at=datetime(2026, 11, 5, 21, 30, tzinfo=UTC),
        )
        s.add(order)
        await s.flush()
        s.add(
            OrderLine(
                order_id=order.id,
                line_no=1,
                article="OC 90",
                name="Фильтр масляный",
                price=Decimal("12345.67"),
                quantity=Decimal(1),
                amount=Decimal("12345.67"),
            )
        )
        entity = await s.scalar(select(LegalEntity).where(LegalEntity.dealer_id == dealer.id))
        assert entity is not None
        order.legal_entity_id = entity.id
        order.dealer_po = "PO-77"
        order.is_after_hours = True
        order.sync_state = SyncState.EXPORTED
        await s.commit()
        return order.number


async def test_export_has_the_lists_filters_russian_columns_money_and_local_dates(
    world: World, admin: Browser, db: async_sessionmaker[AsyncSession]
) -> None:
    number = await late_order(db, world)
    status, page = await admin.get("/admin/orders?status=new")
    assert status == 200
    assert 'href="/admin/orders/export.xlsx?status=new' in page

    (row,) = await export(admin, "?status=new")  # the two confirmed orders are left out
    values = dict(zip((title for title, _w in COLUMNS), row, strict=True))
    assert values["Номер"] == number
    assert values["Дата"] == datetime(2026, 11, 6, 0, 30)  # Moscow wall-clock time
    assert values["Дилер"] == "ООО Альфа" and values["Юрлицо"] == "ООО Альфа ЮЛ1"
    assert values["ИНН"] and values["Статус"] == "новый"
    assert values["Состояние 1С"] == "выгружен" and values["Позиций"] == 1
    assert Decimal(str(values["Сумма"])) == Decimal("12345.67")  # a number, not text
    assert values["В нерабочее время"] == "да" and values["Номер заказа покупателя"] == "PO-77"

    response = await admin.client.get("/admin/orders/export.xlsx?status=new")
    sheet = load_workbook(io.BytesIO(await response.read()))["Заказы"]
    assert "₽" in sheet["J2"].number_format and sheet["J2"].data_type == "n"
    assert sheet["B2"].is_date and sheet["B2"].number_format == "DD.MM.YYYY HH:MM"

    # the period is in the configured zone: the order belongs to 6 November, not the 5th
    assert [r[0] for r in await export(admin, "?from=2026-11-06&to=2026-11-06")] == [number]
    assert await export(admin, "?from=2026-11-05&to=2026-11-05") == []
    everything = await export(admin)
    assert {r[0] for r in everything} == {number, world.order_a.number, world.order_b.number}
    confirmed = await export(admin, f"?status={OrderStatus.CONFIRMED}&dealer={world.dealer_b.id}")
    assert [r[0] for r in confirmed] == [world.order_b.number]
    assert await export(admin, f"?q={number}") == [row]


async def test_a_manager_exports_only_their_dealers(
    world: World, browser: Browser, db: async_sessionmaker[AsyncSession]
) -> None:
    number = await late_order(db, world)
    await browser.login("anna")  # the manager of dealer A
    rows = await export(browser)
    assert sorted(r[0] for r in rows) == sorted([number, world.order_a.number])
    assert {r[2] for r in rows} == {"ООО Альфа"}
    assert await export(browser, f"?dealer={world.dealer_b.id}") == []  # not theirs: nothing

    await browser.login("boris")
    assert [r[0] for r in await export(browser)] == [world.order_b.number]


async def test_export_needs_a_login(browser: Browser) -> None:
    response = await browser.client.get("/admin/orders/export.xlsx", allow_redirects=False)
    assert response.status in (302, 303) and "/admin/login" in response.headers["Location"]
