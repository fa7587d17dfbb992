"""Quick order: pasted lists and spreadsheet files fill the cart with a per-line report."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import CartLine
from tests.bot.conftest import BotHarness, Shop, last_message


async def cart(db: async_sessionmaker[AsyncSession]) -> dict[int, int]:
    async with db() as s:
        return {
            pid: int(q)
            for pid, q in await s.execute(select(CartLine.product_id, CartLine.quantity))
        }


async def test_pasted_list_fills_the_cart_and_reports_bad_lines(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    report = last_message(await tg.send_text(me, "OC 90 - 5\nW712/75; 4\nNOPE-1 3\nLX 1006 -2"))
    assert "Добавлено в корзину: 2 из 4" in report.text
    assert "NOPE-1 — артикул не найден" in report.text
    assert "LX 1006 — неверное количество" in report.text
    assert "W712/75: 4 — больше, чем на складе" in report.text
    assert [t for t, _ in report.buttons] == ["🛒 Корзина", "✅ Оформить"]
    assert await cart(db) == {shop.products["OC 90"]: 5, shop.products["W712/75"]: 4}


async def test_csv_and_xlsx_files_and_the_template(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    csv = "Артикул;Количество\nOC 90;2\nLX 1006;3\n".encode("cp1251")
    report = last_message(await tg.send_document(me, csv, "order.csv", mime="text/csv"))
    assert "Добавлено в корзину: 2 из 2" in report.text
    assert [c.method for c in tg.fake.calls].count("getFile") == 1

    template = last_message(await tg.send_text(me, "/template"))
    assert template.method == "sendDocument" and template.files
    sheet = load_workbook(io.BytesIO(next(iter(template.files.values())))).active
    assert sheet is not None and sheet["A1"].value == "Артикул"

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["Article", "Qty"])
    ws.append(["OC 90", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    report = last_message(await tg.send_document(me, buffer.getvalue(), "заказ.xlsx"))
    assert "1 из 1" in report.text
    assert await cart(db) == {shop.products["OC 90"]: 5, shop.products["LX 1006"]: 3}


async def test_big_files_and_non_spreadsheets_are_refused(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    big = last_message(await tg.send_document(me, b"a;1\n", "big.csv", size=10 * 1024 * 1024))
    assert "слишком большой" in big.text
    pdf = last_message(
        await tg.send_document(me, b"%PDF-1.4 ...", "price.pdf", mime="application/pdf")
    )
    assert "Это не таблица" in pdf.text
    fake_xlsx = last_message(await tg.send_document(me, b"not a zip at all", "order.xlsx"))
    assert "Не удалось прочитать файл" in fake_xlsx.text
    assert "getFile" not in [c.method for c in tg.fake.calls][:2]
    assert await cart(db) == {}
