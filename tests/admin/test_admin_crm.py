"""The admin's CRM pages: the pause and last errors (paged), the badges, "Отправить ещё раз",
and the health check's report of a paused sync."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from core import crm_sync
from core.models import CrmError, OutboxEvent
from core.settings import get_settings
from dealerbot.app import build_services, build_web_app
from tests import factories as f
from tests.admin.conftest import Browser, build_app, staff


async def crm_browser(admin_settings, db):
    settings = admin_settings.model_copy(
        update={
            "bitrix24_webhook_url": get_settings(
                bitrix24_webhook_url="http://x/rest/1/c/"
            ).bitrix24_webhook_url
        }
    )
    server = TestServer(build_app(settings, db), host="127.0.0.1")
    client = TestClient(server)
    await client.start_server()
    await staff(db, "boss")
    browser = Browser(client)
    await browser.login("boss")
    return browser, client


async def test_errors_page_pause_and_resume(admin_settings, db) -> None:
    async with db() as s:
        for n in range(60):
            crm_sync.record_error(s, "order", n + 1, "server", f"QUERY_LIMIT_EXCEEDED {n}")
        await crm_sync.set_paused(s, "INVALID_CREDENTIALS: вебхук отклонён")
        await s.commit()
    browser, client = await crm_browser(admin_settings, db)
    try:
        status, body = await browser.get("/admin/crm")
        assert status == 200
        assert "на паузе" in body and "INVALID_CREDENTIALS" in body
        assert "QUERY_LIMIT_EXCEEDED 59" in body and "QUERY_LIMIT_EXCEEDED 9<" not in body
        assert "сбой портала" in body and "заказ" in body  # labels, not stored words
        status, body = await browser.get("/admin/crm?page=1")
        assert status == 200
        assert "QUERY_LIMIT_EXCEEDED 9<" in body and "QUERY_LIMIT_EXCEEDED 59" not in body
        status, _, _ = await browser.post("/admin/crm/resume")
        assert status == 303
        async with db() as s:
            assert await crm_sync.pause(s) is None
        _, body = await browser.get("/admin/crm")
        assert "работает" in body
    finally:
        await client.close()


async def test_badges_and_send_again(admin_settings, db) -> None:
    async with db() as s:
        dealer = await f.dealer(s, "ООО Альфа")
        await crm_sync.remember(s, "dealer", dealer.id, crm_id="4242", state="synced")
        await s.commit()
    browser, client = await crm_browser(admin_settings, db)
    try:
        status, body = await browser.get(f"/admin/dealers/{dealer.id}")
        assert status == 200
        assert 'id="crm-badge"' in body and "4242" in body and "в CRM" in body
        status, _, location = await browser.post(f"/admin/crm/resend/dealer/{dealer.id}")
        assert status == 303 and location.endswith(f"/dealers/{dealer.id}")
        async with db() as s:
            rows = await s.scalar(select(func.count()).where(OutboxEvent.kind == "crm.dealer"))
            assert rows == 1
        _, body = await browser.get(f"/admin/dealers/{dealer.id}")
        assert "ждёт отправки" in body
        status, _, _ = await browser.post("/admin/crm/resend/dealer/999999")
        assert status == 404
        async with db() as s:  # nothing queued for a dealer that does not exist
            assert await s.scalar(select(func.count()).where(OutboxEvent.kind == "crm.dealer")) == 1
            assert await s.scalar(select(func.count()).select_from(CrmError)) == 0
    finally:
        await client.close()


async def test_healthz_reports_a_paused_crm(admin_settings, db) -> None:
    services = build_services(admin_settings)
    client = TestClient(TestServer(build_web_app(services)))
    await client.start_server()
    try:
        answer = await (await client.get("/healthz")).json()
        assert answer == {"status": "ok"}
        async with db() as s:
            await crm_sync.set_paused(s, "NO_AUTH_FOUND")
            await s.commit()
        response = await client.get("/healthz")
        assert response.status == 200
        assert await response.json() == {
            "status": "ok",
            "crm": "paused",
            "crm_reason": "NO_AUTH_FOUND",
        }
    finally:
        await client.close()
