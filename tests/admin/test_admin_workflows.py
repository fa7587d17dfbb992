"""Pilot, orders and claims through the pages: what staff see and what is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.dealers.invitations import redeem_invitation
from core.models import (
    Application,
    Claim,
    ClaimAttachment,
    Dealer,
    Invitation,
    LegalEntity,
    ManagerAction,
    Order,
    OrderStatus,
    OutboxEvent,
    SyncState,
    utcnow,
)
from core.outbox import EventKind
from core.pilot import APPLICATION_APPROVED, APPLICATION_REJECTED, wave_funnels
from tests.admin.conftest import Browser, World, build_app, order_for, staff


async def _events(db: async_sessionmaker[AsyncSession], kind: str) -> list[OutboxEvent]:
    async with db() as session:
        return list(
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.kind == kind).order_by(OutboxEvent.id)
            )
        )


async def test_invitation_link_qr_and_revoke(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    status, _, location = await admin.post(
        "/admin/pilot/invitations", {"dealer_id": world.dealer_b.id, "max_uses": 3, "days": 7}
    )
    assert status == 303
    _, body = await admin.get(location)
    async with db() as session:
        invitation = await session.scalar(select(Invitation))
        assert invitation is not None
        assert (invitation.dealer_id, invitation.max_uses) == (world.dealer_b.id, 3)
        assert invitation.expires_at is not None
    link = f"https://t.me/dealer_test_bot?start={invitation.token}"
    assert link in body and "действует" in body
    response = await admin.client.get(f"{location}/qr.png")
    png = await response.read()
    assert response.status == 200 and response.content_type == "image/png"
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 200
    status, _, _ = await admin.post(
        "/admin/pilot/invitations",
        {"dealer_id": world.dealer_b.id, "max_uses": 0},
        headers={"Referer": "/admin/pilot/invitations"},
    )
    _, body = await admin.get("/admin/pilot/invitations")
    assert "Число использований должно быть от 1 до 1000" in body
    await admin.post(f"{location}/revoke")
    _, body = await admin.get(location)
    assert "отозвано" in body
    async with db() as session:
        assert await session.scalar(select(func.count(Invitation.id))) == 1
        with pytest.raises(Exception, match="invitation.revoked"):
            await redeem_invitation(session, invitation.token, telegram_id=1)


async def test_funnel_counts_invited_joined_and_orders(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    _, _, location = await admin.post(
        "/admin/pilot/invitations", {"dealer_id": world.dealer_a.id, "max_uses": 2}
    )
    async with db() as session:
        token = await session.scalar(select(Invitation.token))
        assert token is not None
        joined_at = utcnow() - timedelta(days=3)
        person = await redeem_invitation(
            session, token, telegram_id=8_000_001, full_name="Иван Дилеров", now=joined_at
        )
        dealer = await session.get(Dealer, world.dealer_a.id)
        assert dealer is not None
        await order_for(session, dealer, placed_at=joined_at + timedelta(days=1), author=person)
        await session.commit()
    _, body = await admin.get("/admin/pilot/funnel")
    row = body.split('data-wave="Пилот-1"')[1].split("</tr>")[0]
    # One dealer in the wave: invited, joined; the world's order plus one more = repeat.
    assert '<td class="num invited">1</td>' in row
    assert '<td class="num joined">1</td>' in row
    assert '<td class="num first">1</td>' in row
    assert '<td class="num repeat">1</td>' in row
    async with db() as session:
        (funnel,) = [f for f in await wave_funnels(session) if f.name == "Пилот-1"]
    # The world's order predates joining, so time to first order uses the first bot order.
    assert funnel.joined == 1 and funnel.first_order == 1
    _, body = await admin.get(location)
    assert "Иван Дилеров" in body


async def test_approve_application_creates_dealer_and_queues_the_link(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    status, _, location = await admin.post(
        f"/admin/pilot/applications/{world.application.id}/approve",
        {"wave_id": str(world.wave.id)},
    )
    assert status == 303
    _, body = await admin.follow(location)
    assert "Заявка одобрена" in body and "ООО Гамма" in body and "создан" in body
    async with db() as session:
        application = await session.get(Application, world.application.id)
        assert application is not None and application.status == "approved"
        dealer = await session.get(Dealer, application.dealer_id)
        assert dealer is not None
        assert (dealer.name, dealer.inn, dealer.city, dealer.wave_id, dealer.status) == (
            "ООО Гамма",
            "7712345678",
            "Тверь",
            world.wave.id,
            "invited",
        )
        invitation = await session.scalar(
            select(Invitation).where(Invitation.dealer_id == dealer.id)
        )
        assert invitation is not None
    (event,) = await _events(db, APPLICATION_APPROVED)
    assert event.payload["telegram_id"] == 7_000_001
    assert event.payload["link"] == f"https://t.me/dealer_test_bot?start={invitation.token}"
    assert event.payload["thanks"] == "Спасибо!"
    # A second decision is refused and changes nothing.
    status, _, location = await admin.post(
        f"/admin/pilot/applications/{world.application.id}/reject",
        {"message": "нет"},
        headers={"Referer": "/admin/pilot/applications"},
    )
    _, body = await admin.follow(location)
    assert "уже принято решение" in body
    assert await _events(db, APPLICATION_REJECTED) == []


async def test_approve_matches_dealer_by_inn(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    async with db() as session:
        entity_inn = await session.scalar(
            select(LegalEntity.inn).where(LegalEntity.dealer_id == world.dealer_b.id)
        )
        application = Application(
            telegram_id=7_000_002, company="Бета (филиал)", inn=entity_inn, city="Омск"
        )
        session.add(application)
        await session.commit()
    await admin.post(f"/admin/pilot/applications/{application.id}/approve", {})
    async with db() as session:
        stored = await session.get(Application, application.id)
        assert stored is not None and stored.dealer_id == world.dealer_b.id
        assert await session.scalar(select(func.count(Dealer.id))) == 2


async def test_reject_application_with_a_message(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    path = f"/admin/pilot/applications/{world.application.id}/reject"
    await admin.get("/admin/pilot/applications")
    await admin.post(path, {"message": "  "}, headers={"Referer": "/admin/pilot/applications"})
    _, body = await admin.get("/admin/pilot/applications")
    assert "Напишите сообщение" in body
    await admin.post(path, {"message": "Пилот пока только для Москвы"})
    (event,) = await _events(db, APPLICATION_REJECTED)
    assert event.payload == {
        "application_id": world.application.id,
        "telegram_id": 7_000_001,
        "language": "ru",
        "message": "Пилот пока только для Москвы",
    }
    _, body = await admin.get("/admin/pilot/applications?status=rejected")
    assert "Пилот пока только для Москвы" in body


async def test_order_decisions_go_through_core(
    db: async_sessionmaker[AsyncSession], world: World, browser: Browser
) -> None:
    async with db() as session:
        dealer = await session.get(Dealer, world.dealer_a.id)
        assert dealer is not None
        first = await order_for(session, dealer)
        second = await order_for(session, dealer)
        await session.commit()
    await browser.login("anna")  # the dealer's manager
    _, body = await browser.get(f"/admin/orders/{first.id}")
    assert "Подтвердить" in body
    status, _, _ = await browser.post(f"/admin/orders/{first.id}/confirm")
    assert status == 303
    _, body = await browser.get(f"/admin/orders/{first.id}")
    assert "подтверждён" in body and "Анна Менеджер" in body
    await browser.post(
        f"/admin/orders/{second.id}/reject",
        {"reason": ""},
        headers={"Referer": f"/admin/orders/{second.id}"},
    )
    _, body = await browser.get(f"/admin/orders/{second.id}")
    assert "Укажите причину" in body
    await browser.post(f"/admin/orders/{second.id}/reject", {"reason": "Нет на складе"})
    await browser.post(f"/admin/orders/{first.id}/status", {"status": "shipped", "note": "ТК"})
    # Confirming a rejected order is refused with the rule's message.
    await browser.post(
        f"/admin/orders/{second.id}/confirm", headers={"Referer": f"/admin/orders/{second.id}"}
    )
    _, body = await browser.get(f"/admin/orders/{second.id}")
    assert "такой переход невозможен" in body
    async with db() as session:
        stored_first = await session.get(Order, first.id)
        stored_second = await session.get(Order, second.id)
        assert stored_first is not None and stored_first.status == OrderStatus.SHIPPED
        assert stored_second is not None and stored_second.status == OrderStatus.REJECTED
        assert stored_second.rejected_reason == "Нет на складе"
        channels = set(await session.scalars(select(ManagerAction.channel)))
        assert channels == {"admin"}
    notices = [
        (e.payload["order_id"], e.payload["to"]) for e in await _events(db, EventKind.ORDER_STATUS)
    ]
    assert notices == [(first.id, "confirmed"), (second.id, "rejected"), (first.id, "shipped")]


async def test_resend_to_1c(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    async with db() as session:
        order = await session.get(Order, world.order_a.id)
        assert order is not None
        order.sync_state = SyncState.ACKNOWLEDGED
        order.exported_at = utcnow()
        await session.commit()
    _, body = await admin.get(f"/admin/orders/{world.order_a.id}")
    assert "принят 1С" in body and "Выгрузить в 1С повторно" in body
    await admin.post(f"/admin/orders/{world.order_a.id}/resend")
    async with db() as session:
        order = await session.get(Order, world.order_a.id)
        assert order is not None and order.sync_state == SyncState.PENDING
        assert order.exported_at is None
    _, body = await admin.get("/admin/orders?sync=pending")
    assert world.order_a.number in body
    _, body = await admin.get("/admin/audit?action=order.resend")
    assert "order.resend_1c" in body


async def test_claim_decision_notifies_the_dealer(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    path = f"/admin/claims/{world.claim_a.id}"
    await admin.get(path)
    await admin.post(f"{path}/status", {"status": "accepted", "note": "Заменим"})
    async with db() as session:
        claim = await session.get(Claim, world.claim_a.id)
        assert claim is not None and claim.status == "accepted"
        assert claim.decision_note == "Заменим"
    (event,) = await _events(db, EventKind.CLAIM_STATUS)
    assert event.payload["to"] == "accepted" and event.payload["note"] == "Заменим"
    await admin.post(f"{path}/status", {"status": "new"}, headers={"Referer": path})
    _, body = await admin.get(path)
    assert "такой переход невозможен" in body and "принята" in body


@pytest.fixture
async def fake_bot_api() -> AsyncIterator[str]:
    """A Bot API stand-in that knows one photo."""

    async def get_file(request: web.Request) -> web.Response:
        if request.query.get("file_id") != "PHOTO1":
            return web.json_response({"ok": False, "description": "file not found"}, status=400)
        return web.json_response(
            {"ok": True, "result": {"file_id": "PHOTO1", "file_path": "photos/p1.jpg"}}
        )

    async def download(request: web.Request) -> web.Response:
        return web.Response(body=b"\xff\xd8\xff photo bytes", content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/bot{token}/getFile", get_file)
    app.router.add_get("/file/bot{token}/photos/p1.jpg", download)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


async def test_claim_photo_is_fetched_through_the_bot_api(
    db: async_sessionmaker[AsyncSession], world: World, fake_bot_api: str, admin_settings
) -> None:
    from aiohttp.test_utils import TestClient

    from tests.admin.conftest import Browser as B

    settings = admin_settings.model_copy(
        update={
            "bot_token": __import__("pydantic").SecretStr("1:T"),
            "telegram_api_url": fake_bot_api,
        }
    )
    async with db() as session:
        good = ClaimAttachment(claim_id=world.claim_a.id, telegram_file_id="PHOTO1")
        bad = ClaimAttachment(claim_id=world.claim_a.id, telegram_file_id="GONE")
        session.add_all([good, bad])
        await session.commit()
    await staff(db, "boss")
    server = TestServer(build_app(settings, db), host="127.0.0.1")
    client = TestClient(server)
    await client.start_server()
    try:
        browser = B(client)
        await browser.login("boss")
        _, body = await browser.get(f"/admin/claims/{world.claim_a.id}")
        assert f"/attachments/{good.id}" in body
        response = await client.get(f"/admin/claims/{world.claim_a.id}/attachments/{good.id}")
        assert response.status == 200 and response.content_type == "image/jpeg"
        assert await response.read() == b"\xff\xd8\xff photo bytes"
        response = await client.get(f"/admin/claims/{world.claim_a.id}/attachments/{bad.id}")
        assert response.status == 404 and "Фото недоступно" in await response.text()
        # Another claim's id with this attachment: not found.
        response = await client.get(f"/admin/claims/{world.claim_b.id}/attachments/{good.id}")
        assert response.status == 404
    finally:
        await client.close()
