"""The admin's cross-number upload: Russian per-line report, all or nothing, admins only."""

from __future__ import annotations

import io

from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import AuditEntry, CrossNumber, Role
from tests.admin.conftest import Browser, new_browser, staff

PAGE = "/admin/catalog/crosses"


def _file(data: bytes, name: str = "crosses.csv") -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


async def _upload(admin: Browser, data: bytes) -> tuple[int, str]:
    await admin.get(PAGE)
    response = await admin.client.post(PAGE, data={"csrf_token": admin.csrf, "file": _file(data)})
    return response.status, await response.text()


async def _numbers(db: async_sessionmaker[AsyncSession]) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(CrossNumber)) or 0)


async def test_a_file_with_bad_lines_imports_nothing_and_lists_them(
    db: async_sessionmaker[AsyncSession], admin: Browser
) -> None:
    status, body = await admin.get(PAGE)
    assert status == 200 and "Кросс-номера (аналоги)" in body
    assert "article,brand,cross_article,cross_brand" in body
    data = (
        "article;brand;cross_article;cross_brand\n"
        "OC 90;Кнехт;1109.AH;Пежо\n"
        "W712/75;MANN;;\n"
        "LX 1006;;LX-1006;\n"
    ).encode("cp1251")
    status, body = await _upload(admin, data)
    assert status == 400
    assert "Ничего не загружено: строк с ошибками — 2 из 3" in body
    assert "<td>3</td><td>не указан кросс-номер</td>" in body
    assert "<td>4</td><td>артикул и кросс-номер — один и тот же номер</td>" in body
    assert "Windows-1251" in body
    assert await _numbers(db) == 0


async def test_a_good_file_is_imported_and_audited(
    db: async_sessionmaker[AsyncSession], admin: Browser
) -> None:
    data = b"article,brand,cross_article,cross_brand\nOC 90,,1109AH,\nW712/75,,1109 AH,\n"
    status, body = await _upload(admin, data)
    assert status == 200, body[:300]
    assert "Загружено пар: 2; новых номеров: 3" in body
    assert "Известно номеров: <b>3</b>, групп аналогов: <b>1</b>" in body
    assert await _numbers(db) == 3
    async with db() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "crosses.import")
        )
    assert entry is not None and entry.details["pairs"] == 2


async def test_a_broken_file_says_why(db: async_sessionmaker[AsyncSession], admin: Browser) -> None:
    status, body = await _upload(admin, "артикул;кросс\nOC 90;X1\n".encode())
    assert status == 400 and "Первая строка должна быть заголовком" in body
    assert await _numbers(db) == 0


async def test_managers_may_not_upload(
    db: async_sessionmaker[AsyncSession], server: TestServer
) -> None:
    await staff(db, "mgr", Role.MANAGER)
    manager = await new_browser(server)
    try:
        assert (await manager.login("mgr"))[0] == 303
        status, _ = await manager.get(PAGE)
        assert status == 403
        status, _ = await _upload(manager, b"article,brand,cross_article,cross_brand\nA1,,B1,\n")
        assert status == 403
    finally:
        await manager.client.close()
    assert await _numbers(db) == 0
