"""Access: login, cookies, lockout, CSRF, roles and a manager's own dealers."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.accounts import LOCKOUT, MAX_FAILED_LOGINS
from core.models import AuditEntry, PilotWave, Role, StaffAccount, ThrottleHit, utcnow
from tests.admin.conftest import Browser, World, new_browser, staff

ADMIN_ONLY_PAGES = [
    "/admin/dealers/new",
    "/admin/dealers/import",
    "/admin/pilot/waves",
    "/admin/pilot/invitations",
    "/admin/pilot/applications",
    "/admin/pilot/funnel",
    "/admin/exchange",
    "/admin/settings",
    "/admin/staff",
    "/admin/api-tokens",
    "/admin/audit",
]


async def test_pages_need_login(browser: Browser) -> None:
    response = await browser.client.get("/admin/dealers", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].startswith("/admin/login?next=/admin/dealers")
    status, body = await browser.get("/admin/login")
    assert status == 200 and "Войти" in body
    status, _, _ = await browser.post("/admin/pilot/waves", {"name": "X"})
    assert status == 403


async def test_login_sets_a_strict_session_cookie(
    db: async_sessionmaker[AsyncSession], browser: Browser
) -> None:
    await staff(db, "boss")
    await browser.get("/admin/login")
    response = await browser.client.post(
        "/admin/login",
        data={"login": "Boss", "password": "correct horse battery", "csrf_token": browser.csrf},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/admin/"
    cookie = response.headers["Set-Cookie"]
    assert "dealerbot_admin=" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    status, body = await browser.get("/admin/")
    assert status == 200 and "Сводка" in body and "boss" in body
    async with db() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert actions == ["auth.login"]


async def test_cookie_is_secure_behind_tls(
    db: async_sessionmaker[AsyncSession], browser: Browser
) -> None:
    await staff(db, "boss")
    response = await browser.client.get("/admin/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["Set-Cookie"]


async def test_wrong_password_is_refused(
    db: async_sessionmaker[AsyncSession], browser: Browser
) -> None:
    await staff(db, "boss")
    status, body, _ = await browser.login("boss", "wrong password!")
    assert status == 401 and "Неверный логин или пароль" in body
    status, body, _ = await browser.login("nobody", "wrong password!")
    assert status == 401 and "Неверный логин или пароль" in body
    response = await browser.client.get("/admin/dealers", allow_redirects=False)
    assert response.status == 302


async def test_lockout_after_repeated_failures(
    db: async_sessionmaker[AsyncSession], browser: Browser
) -> None:
    await staff(db, "boss")
    for _ in range(MAX_FAILED_LOGINS - 1):
        status, _, _ = await browser.login("boss", "wrong password!")
        assert status == 401
    status, body, _ = await browser.login("boss", "wrong password!")
    assert status == 401 and "заблокирован" in body
    # Even the right password is refused while locked.
    status, body, _ = await browser.login("boss")
    assert status == 401 and "заблокирован" in body
    async with db() as session:
        account = await session.scalar(select(StaffAccount).where(StaffAccount.login == "boss"))
        assert account is not None and account.locked_until is None  # never locked for everyone
        # Time passes: the failures leave the window, the lock is over.
        await session.execute(update(ThrottleHit).values(at=utcnow() - LOCKOUT))
        await session.commit()
    status, _, location = await browser.login("boss")
    assert status == 303 and location == "/admin/"


async def test_admin_unlocks_a_locked_login(
    db: async_sessionmaker[AsyncSession], admin: Browser, server
) -> None:
    locked = await staff(db, "clerk", Role.MANAGER)
    other = await new_browser(server)
    for _ in range(MAX_FAILED_LOGINS):
        await other.login("clerk", "wrong password!")
    status, body = await admin.get("/admin/staff")
    assert "заблокирован до" in body
    status, _, _ = await admin.post(f"/admin/staff/{locked.id}/unlock")
    assert status == 303
    status, _, _ = await other.login("clerk")
    assert status == 303
    await other.client.close()


async def test_form_without_csrf_is_refused(
    db: async_sessionmaker[AsyncSession], admin: Browser
) -> None:
    status, body, _ = await admin.post("/admin/pilot/waves", {"name": "Волна X"}, csrf=False)
    assert status == 403 and "CSRF" in body
    status, body, _ = await admin.post(
        "/admin/pilot/waves", {"name": "Волна X", "csrf_token": "forged"}
    )
    assert status == 403
    async with db() as session:
        assert await session.scalar(select(func.count(PilotWave.id))) == 0
    # The login form is protected too.
    fresh = Browser(admin.client)
    response = await fresh.client.post(
        "/admin/login", data={"login": "boss", "password": "x"}, allow_redirects=False
    )
    assert response.status == 403
    # With the token it works.
    status, _, _ = await admin.post("/admin/pilot/waves", {"name": "Волна X"})
    assert status == 303


async def test_logout_ends_the_session(admin: Browser) -> None:
    status, _, location = await admin.post("/admin/logout")
    assert status == 303 and location == "/admin/login"
    response = await admin.client.get("/admin/", allow_redirects=False)
    assert response.status == 302


async def test_disabled_login_loses_its_session(
    db: async_sessionmaker[AsyncSession], admin: Browser, server
) -> None:
    clerk = await staff(db, "clerk", Role.MANAGER)
    other = await new_browser(server)
    await other.login("clerk")
    assert (await other.get("/admin/dealers"))[0] == 200
    status, _, _ = await admin.post(f"/admin/staff/{clerk.id}/toggle")
    assert status == 303
    response = await other.client.get("/admin/dealers", allow_redirects=False)
    assert response.status == 302
    await other.client.close()


async def test_manager_cannot_reach_admin_pages(world: World, browser: Browser) -> None:
    await browser.login("anna")
    for path in ADMIN_ONLY_PAGES:
        status, body = await browser.get(path)
        assert status == 403, path
        assert "только администраторам" in body
    status, _, _ = await browser.post("/admin/pilot/waves", {"name": "Моя волна"})
    assert status == 403
    status, _, _ = await browser.post(f"/admin/dealers/{world.dealer_a.id}/edit", {"name": "X"})
    assert status == 403


async def test_manager_sees_only_own_dealers(world: World, browser: Browser) -> None:
    await browser.login("anna")
    status, body = await browser.get("/admin/dealers")
    assert status == 200
    assert "ООО Альфа" in body and "ООО Бета" not in body
    assert (await browser.get(f"/admin/dealers/{world.dealer_a.id}"))[0] == 200
    assert (await browser.get(f"/admin/dealers/{world.dealer_b.id}"))[0] == 404
    status, body = await browser.get("/admin/orders")
    assert world.order_a.number in body and world.order_b.number not in body
    assert (await browser.get(f"/admin/orders/{world.order_a.id}"))[0] == 200
    assert (await browser.get(f"/admin/orders/{world.order_b.id}"))[0] == 404
    status, _, _ = await browser.post(f"/admin/orders/{world.order_b.id}/resend")
    assert status == 404
    status, body = await browser.get("/admin/claims")
    assert world.claim_a.number in body and world.claim_b.number not in body
    assert (await browser.get(f"/admin/claims/{world.claim_b.id}"))[0] == 404
    # Invitations: for their own dealer yes, for another's no.
    status, _, location = await browser.post(
        "/admin/pilot/invitations", {"dealer_id": world.dealer_a.id, "max_uses": 1}
    )
    assert status == 303 and location.startswith("/admin/pilot/invitations/")
    assert (await browser.get(location))[0] == 200
    status, _, _ = await browser.post(
        "/admin/pilot/invitations", {"dealer_id": world.dealer_b.id, "max_uses": 1}
    )
    assert status == 404
