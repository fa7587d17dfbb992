"""/admin/sandbox over HTTP: the real bot played from the admin, scope, CSRF, reset."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.app import setup_admin
from core.models import AuditEntry, Order, Role, User
from core.settings import Settings
from dealerbot.telegram import make_sandbox
from tests import factories
from tests.admin.conftest import Browser, staff


@pytest.fixture
async def sandbox_browser(
    admin_settings: Settings, db: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Browser]:
    assert admin_settings.bot_token is None
    box = make_sandbox(admin_settings, db)
    app = web.Application()
    setup_admin(app, settings=admin_settings, sessionmaker=db, sandbox=box)
    server = TestServer(app, host="127.0.0.1")
    client = TestClient(server)
    await client.start_server()
    yield Browser(client)
    await client.close()
    await box.close()


async def people(db: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    async with db() as s:
        pt = await factories.price_type(s)
        main = await factories.warehouse(s)
        await factories.product(s, "OC 90", "Фильтр", prices={pt: "350.00"}, stock={main: "5"})
        dealer = await factories.dealer(s, price_type=pt)
        person = await factories.user(s, dealer=dealer)
        person.telegram_id = None
        other = await factories.user(s, dealer=await factories.dealer(s, "ООО Чужой"))
        await s.commit()
        return person.id, other.id


async def test_play_search_tap_and_reset(
    sandbox_browser: Browser, db: async_sessionmaker[AsyncSession]
) -> None:
    person_id, _ = await people(db)
    await staff(db, "boss", Role.ADMIN)
    b = sandbox_browser
    assert (await b.login("boss"))[0] == 303
    status, page = await b.get(f"/admin/sandbox?as={person_id}")
    assert status == 200 and "sandbox.js" in page and "Сбросить песочницу" in page
    # no CSRF token: refused, nothing made
    assert (await b.post("/admin/sandbox/open", {"user_id": person_id}, csrf=False))[0] == 403
    status, body, _ = await b.post("/admin/sandbox/open", {"user_id": person_id})
    chat_id = json.loads(body)["chat_id"]
    assert status == 200
    assert (await b.post(f"/admin/sandbox/chat/say?c={chat_id}", {"text": "OC 90"}))[0] == 200
    messages = json.loads((await b.get(f"/admin/sandbox/chat?c={chat_id}"))[1])["messages"]
    found = messages[-1]
    assert "350,00" in found["text"]
    add = found["markup"]["inline_keyboard"][0][0]
    status, body, _ = await b.post(
        f"/admin/sandbox/chat/press?c={chat_id}",
        {"message_id": found["message_id"], "data": add["callback_data"]},
    )
    assert status == 200 and "в корзине 1" in json.loads(body)["toasts"][0]
    # a real chat id is not a sandbox chat
    assert (await b.post("/admin/sandbox/chat/say?c=12345", {"text": "hi"}))[0] == 404
    status, _, _ = await b.post("/admin/sandbox/reset")
    assert status == 303
    async with db() as s:
        assert await s.scalar(select(User).where(User.telegram_id == chat_id)) is None
        assert await s.get(User, person_id) is not None
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.action == "sandbox.reset"))
        assert entry is not None and entry.details["people"] == 1
        assert not list(await s.scalars(select(Order)))


async def test_manager_plays_only_their_dealers_people(
    sandbox_browser: Browser, db: async_sessionmaker[AsyncSession]
) -> None:
    person_id, other_id = await people(db)
    account = await staff(db, "mgr", Role.MANAGER)
    async with db() as s:
        person = await s.get(User, person_id)
        assert person is not None and person.dealer_id is not None
        from core.models import Dealer

        dealer = await s.get(Dealer, person.dealer_id)
        assert dealer is not None
        dealer.manager_id = account.user_id
        other = await s.get(User, other_id)
        assert other is not None and other.dealer_id is not None
        foreign = await s.get(Dealer, other.dealer_id)
        assert foreign is not None
        foreign.manager_id = (await factories.user(s, role=Role.MANAGER)).id
        await s.commit()
    b = sandbox_browser
    assert (await b.login("mgr"))[0] == 303
    page = (await b.get("/admin/sandbox"))[1]
    assert f'value="{person_id}"' in page and f'value="{other_id}"' not in page
    assert (await b.post("/admin/sandbox/open", {"user_id": other_id}))[0] == 404
    assert (await b.post("/admin/sandbox/open", {"user_id": person_id}))[0] == 200
    assert (await b.post("/admin/sandbox/reset"))[0] == 403  # admins only
