"""Ids past the integer range name nothing: 404 on pages and API (SQLite and PostgreSQL), and
every paged list answers its second page."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.accounts import create_api_token
from core.models import AuditEntry, Order, utcnow
from tests.admin.conftest import Browser, World

HUGE = "99999999999999999999"
PAGES = [
    f"/admin/orders/{HUGE}",
    f"/admin/dealers/{HUGE}",
    f"/admin/dealers/{HUGE}/edit",
    f"/admin/claims/{HUGE}",
    f"/admin/claims/1/attachments/{HUGE}",
    f"/admin/pilot/waves/{HUGE}",
    f"/admin/pilot/invitations/{HUGE}",
    f"/admin/pilot/invitations/{HUGE}/qr.png",
    f"/admin/broadcasts/{HUGE}",
    f"/admin/broadcasts/{HUGE}/report",
    f"/admin/orders/{2**31}",
]


@pytest.mark.parametrize("path", PAGES)
async def test_a_page_for_an_id_past_the_range_is_not_found(
    admin: Browser, world: World, path: str
) -> None:
    status, body = await admin.get(path)
    assert status == 404, body[:300]
    assert "не найден" in body


async def test_an_api_id_past_the_range_is_not_found(
    db: async_sessionmaker[AsyncSession], world: World, browser: Browser
) -> None:
    async with db() as session:
        _, plain = await create_api_token(session, "BI")
        await session.commit()
    for kind in ("orders", "dealers", "claims"):
        response = await browser.client.get(
            f"/api/v1/{kind}/{HUGE}", headers={"Authorization": f"Bearer {plain}"}
        )
        assert response.status == 404, kind


async def test_a_query_id_past_the_range_is_ignored(admin: Browser, world: World) -> None:
    for path in (f"/admin/orders?dealer={HUGE}", f"/admin/orders?page={HUGE}"):
        status, _ = await admin.get(path)
        assert status == 200, path


async def test_second_pages_of_orders_dealers_audit_answer(
    db: async_sessionmaker[AsyncSession], admin: Browser, world: World
) -> None:
    async with db() as session:
        for n in range(55):
            session.add(
                Order(number=f"P-{n}", dealer_id=world.dealer_a.id, total=1, placed_at=utcnow())
            )
        session.add_all(
            AuditEntry(at=utcnow(), staff_login="boss", action="test", details={})
            for _ in range(105)
        )
        await session.commit()
    for path in ("/admin/orders", f"/admin/orders?dealer={world.dealer_a.id}", "/admin/audit"):
        status, body = await admin.get(path)
        assert status == 200, (path, body[:500])
        assert "страница 1 из 2" in body, path
        second = path + ("&" if "?" in path else "?") + "page=1"
        status, body = await admin.get(second)
        assert status == 200, (second, body[:500])
        assert "страница 2 из 2" in body, second


async def test_home_tiles_agree_with_their_counts(admin: Browser, world: World) -> None:
    status, body = await admin.get("/admin/")
    assert status == 200
    # Two dealers, two new claims, one application (CLDR plural rules, not "2 дилеров").
    assert "<b>2</b><span>дилера</span>" in body
    assert "<b>2</b><span>новые рекламации</span>" in body
    assert "<b>1</b><span>заявка на подключение</span>" in body
