"""The JSON API reads in its token's scope: a manager's token is an attack surface on the other
manager's dealers, so every route is tried with another dealer's ids."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.accounts import create_api_token
from core.access.lifecycle import Actor, revoke_person
from core.dealers.invitations import create_invitation
from core.errors import InvalidInput
from core.models import ApiToken, User
from tests.admin.conftest import Browser, World


async def _token(db: async_sessionmaker[AsyncSession], manager_id: int | None) -> str:
    async with db() as session:
        _, plain = await create_api_token(session, "CRM", manager_id=manager_id)
        await session.commit()
    return plain


async def _get(browser: Browser, token: str, path: str) -> tuple[int, dict]:
    response = await browser.client.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status, await response.json()


async def test_a_managers_token_sees_only_that_managers_dealers(
    db: async_sessionmaker[AsyncSession], world: World, browser: Browser
) -> None:
    async with db() as session:
        await create_invitation(session, dealer_id=world.dealer_a.id)
        await create_invitation(session, dealer_id=world.dealer_b.id)
        await session.commit()
    anna = await _token(db, world.manager_a.user_id)
    b = world.dealer_b.id

    status, data = await _get(browser, anna, "/api/v1/dealers")
    assert status == 200 and [d["name"] for d in data["items"]] == ["ООО Альфа"]
    assert data["total"] == 1
    for path in (
        f"/api/v1/dealers/{b}",
        f"/api/v1/orders/{world.order_b.id}",
        f"/api/v1/claims/{world.claim_b.id}",
    ):
        status, data = await _get(browser, anna, path)
        assert status == 404, path  # exactly like an id that does not exist
    status, missing = await _get(browser, anna, "/api/v1/orders/999999")
    assert status == 404 and missing["error"] == "order.not_found"
    for path in (
        f"/api/v1/orders?dealer_id={b}",
        f"/api/v1/claims?dealer_id={b}",
        f"/api/v1/legal-entities?dealer_id={b}",
        f"/api/v1/invitations?dealer_id={b}",
    ):
        status, data = await _get(browser, anna, path)
        assert (status, data["items"], data["total"]) == (200, [], 0), path
    status, data = await _get(browser, anna, "/api/v1/orders")
    assert [o["id"] for o in data["items"]] == [world.order_a.id]
    status, data = await _get(browser, anna, "/api/v1/claims")
    assert [c["id"] for c in data["items"]] == [world.claim_a.id]
    status, data = await _get(browser, anna, "/api/v1/invitations")
    assert {i["dealer_id"] for i in data["items"]} == {world.dealer_a.id}
    status, data = await _get(browser, anna, f"/api/v1/orders/{world.order_a.id}")
    assert status == 200 and data["dealer_id"] == world.dealer_a.id
    for path in ("/api/v1/metrics/rollout", "/api/v1/metrics/after-hours"):
        status, data = await _get(browser, anna, path)
        assert (status, data["error"]) == (403, "api.forbidden"), path

    admin = await _token(db, None)
    status, data = await _get(browser, admin, "/api/v1/dealers")
    assert data["total"] == 2
    status, _ = await _get(browser, admin, f"/api/v1/orders/{world.order_b.id}")
    assert status == 200


async def test_a_revoked_managers_token_reads_nothing(
    db: async_sessionmaker[AsyncSession], world: World, browser: Browser
) -> None:
    anna = await _token(db, world.manager_a.user_id)
    async with db() as session:
        person = await session.get(User, world.manager_a.user_id)
        assert person is not None
        await revoke_person(session, person, Actor(login="test"), reason="уволена")
        await session.commit()
    status, data = await _get(browser, anna, "/api/v1/dealers")
    assert (status, data["total"]) == (200, 0)
    status, _ = await _get(browser, anna, f"/api/v1/orders/{world.order_a.id}")
    assert status == 404


async def test_the_tokens_page_makes_a_managers_token_and_refuses_a_non_manager(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    status, body = await admin.get("/admin/api-tokens")
    assert "менеджер Анна Менеджер: только его дилеры" in body
    status, body, _ = await admin.post(
        "/admin/api-tokens", {"name": "CRM Анны", "manager_id": str(world.manager_a.user_id)}
    )
    assert status == 200 and 'id="new-token"' in body
    assert "менеджер Анна Менеджер" in body
    token = body.split('id="new-token"')[0].rsplit('value="', 1)[1].split('"')[0]
    status, data = await _get(admin, token, "/api/v1/dealers")
    assert [d["name"] for d in data["items"]] == ["ООО Альфа"]

    async with db() as session:
        buyer = await session.scalar(select(User).where(User.role == "buyer").limit(1))
        before = len(list(await session.scalars(select(ApiToken))))
    for bad in ("abc", "999999", str(buyer.id) if buyer else "0"):
        status, _, location = await admin.post(
            "/admin/api-tokens",
            {"name": "X", "manager_id": bad},
            headers={"Referer": "/admin/api-tokens"},
        )
        _, body = await admin.follow(location)
        assert status == 303 and "Владелец токена — действующий менеджер" in body, bad
    async with db() as session:
        assert len(list(await session.scalars(select(ApiToken)))) == before  # nothing made
        try:
            await create_api_token(session, "X", manager_id=999999)
        except InvalidInput as error:
            assert error.key == "api_token.owner_invalid"
        else:
            raise AssertionError("a token for nobody was made")
