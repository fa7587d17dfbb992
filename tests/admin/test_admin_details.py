"""Admin details: the claims list (links, reasons, filters, pages), the readable exchange log,
and refused admin and 1C logins written to the audit and exchange logs."""

from __future__ import annotations

import base64
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import AuditEntry, Claim, ClaimLine, ExchangeSession, utcnow
from core.settings import Settings
from dealerbot.app import build_services, build_web_app
from tests.admin.conftest import Browser, World


async def test_claims_list_links_reasons_and_filters(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    async with db() as session:
        line = await session.scalar(select(ClaimLine).where(ClaimLine.claim_id == world.claim_b.id))
        assert line is not None
        line.reason = "wrong_item"
        await session.commit()
    status, body = await admin.get("/admin/claims")
    assert status == 200
    assert f'href="/admin/claims/{world.claim_a.id}"' in body
    assert f'href="/admin/orders/{world.order_a.id}"' in body
    assert f'href="/admin/dealers/{world.dealer_a.id}"' in body
    assert "брак" in body and "пересорт" in body and "Анна Менеджер" in body

    _, body = await admin.get("/admin/claims?reason=wrong_item")
    assert world.claim_b.number in body and world.claim_a.number not in body
    manager_a = world.dealer_a.manager_id
    _, body = await admin.get(f"/admin/claims?manager={manager_a}")
    assert world.claim_a.number in body and world.claim_b.number not in body
    _, body = await admin.get(f"/admin/claims?dealer={world.dealer_b.id}&status=new")
    assert world.claim_b.number in body and world.claim_a.number not in body
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    _, body = await admin.get(f"/admin/claims?from={tomorrow}")
    assert world.claim_a.number not in body and "Рекламаций не найдено" in body

    # 50 a page: the 51st claim is on page two.
    async with db() as session:
        session.add_all(
            Claim(number=f"PAGE-{n}", dealer_id=world.dealer_a.id, order_id=world.order_a.id)
            for n in range(50)
        )
        await session.commit()
    _, first = await admin.get("/admin/claims")
    assert "страница 1 из 2" in first
    status, second = await admin.get("/admin/claims?page=1")
    assert status == 200 and "страница 2 из 2" in second


async def test_exchange_log_reads_in_russian(
    db: async_sessionmaker[AsyncSession], admin: Browser
) -> None:
    now = utcnow()
    async with db() as session:
        session.add(
            ExchangeSession(
                exchange_type="catalog",
                status="done",
                started_at=now - timedelta(seconds=95),
                finished_at=now,
                files={"import0_1.xml": {"size": 3_500_000, "job": "done"}},
                counts={
                    "import0_1.xml": {"products": 5000, "groups": 64},
                    "package": "catalog:full",
                },
            )
        )
        session.add(
            ExchangeSession(
                exchange_type="sale",
                status="done",
                started_at=now - timedelta(seconds=3),
                finished_at=now,
                counts={"offered": [1, 2, 3], "orders": ["A-1", "A-2", "A-3"], "exported": 3},
            )
        )
        await session.commit()
    status, body = await admin.get("/admin/exchange")
    assert status == 200
    for text in (
        "каталог, цены, остатки",
        "заказы",
        "завершён",
        "3,3 МБ",
        "2 минуты",
        "3 секунды",
        "товаров 5\xa0000",
        "каталог полный",
        "передано заказов: 3",
        "подтверждено 1С заказов: 3",
    ):
        assert text in body, text
    assert "catalog:full" not in body and "done" not in body


async def test_refused_logins_are_recorded(
    db: async_sessionmaker[AsyncSession], admin_settings: Settings, browser: Browser, tmp_path
) -> None:
    status, _, _ = await browser.login("intruder", "wrong password")
    assert status == 401
    async with db() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "auth.login_failed")
        )
        assert entry is not None and entry.staff_login == "intruder"
        assert "wrong password" not in str(entry.details)

    settings = admin_settings.model_copy(update={"onec_storage_dir": str(tmp_path / "onec")})
    services = build_services(settings)
    server = TestServer(build_web_app(services), host="127.0.0.1")
    async with TestClient(server) as client:
        basic = base64.b64encode(b"1c:not-the-password").decode()
        response = await client.get(
            "/1c/exchange?type=catalog&mode=checkauth", headers={"Authorization": f"Basic {basic}"}
        )
        assert (await response.text()).startswith("failure")
    async with db() as session:
        refused = await session.scalar(
            select(ExchangeSession).where(ExchangeSession.status == "refused")
        )
        assert refused is not None and "«1c»" in (refused.error or "")
        assert "not-the-password" not in (refused.error or "")
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "onec.login_failed")
        )
        assert audit is not None and audit.staff_login == "1c"
    _, body = await (await _admin(browser, db)).get("/admin/exchange?errors=1")
    assert "вход отклонён" in body


async def _admin(browser: Browser, db: async_sessionmaker[AsyncSession]) -> Browser:
    from tests.admin.conftest import staff

    await staff(db, "chief")
    await browser.login("chief")
    return browser


async def test_calendar_is_grouped_by_month_with_the_decree(
    db: async_sessionmaker[AsyncSession], admin: Browser
) -> None:
    from core.holidays import load_russian_holidays

    async with db() as session:
        await load_russian_holidays(session, 2026)
        await session.commit()
    status, body = await admin.get("/admin/settings")
    assert status == 200
    assert body.index("Январь 2026") < body.index("09.01.2026") < body.index("Февраль 2026")
    assert "Выходной перенесён с 03.01" in body
    assert body.count('class="month"') >= 8


async def test_dealer_import_template_round_trip_in_russian(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    import io

    import aiohttp
    import openpyxl

    from core.dealers.importing import TEMPLATE_HEADERS
    from core.models import Dealer

    _, page = await admin.get("/admin/dealers/import")
    assert 'href="/admin/dealers/import/template.xlsx"' in page
    assert "prospect" not in page and "price_type" not in page  # Russian only
    response = await admin.client.get("/admin/dealers/import/template.xlsx")
    assert response.status == 200
    assert "dealers-template.xlsx" in response.headers["Content-Disposition"]
    template = await response.read()
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book["Дилеры"]
    assert [c.value for c in sheet[1]] == list(TEMPLATE_HEADERS)
    assert "кандидат" in [c.value for c in book["Справочник"]["A"]]
    assert "Пилот-1" in [c.value for c in book["Справочник"]["C"]]

    # The template as downloaded imports: the example dealer with its two legal entities.
    body = aiohttp.FormData()
    body.add_field("csrf_token", admin.csrf)
    body.add_field("file", template, filename="dealers-template.xlsx")
    response = await admin.client.post("/admin/dealers/import", data=body)
    page = await response.text()
    assert response.status == 200 and "дилер создан" in page and "дилер обновлён" in page
    async with db() as session:
        dealer = await session.scalar(select(Dealer).where(Dealer.inn == "6901000007"))
        assert dealer is not None and dealer.status == "prospect"
        assert dealer.wave_id == world.wave.id
