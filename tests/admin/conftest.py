"""The admin under test: the real web application on 127.0.0.1, a logged-in test client."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.app import setup_admin
from core.dealers.staff import create_staff_account
from core.models import (
    Application,
    Claim,
    ClaimLine,
    Dealer,
    Order,
    OrderLine,
    OrderStatus,
    PilotWave,
    Role,
    StaffAccount,
    User,
    utcnow,
)
from core.settings import Settings, get_settings
from tests import factories

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_numbers = itertools.count(1)


@pytest.fixture
def admin_settings(database_url: str) -> Settings:
    return get_settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret-key-for-admin-sessions",
        bot_username="dealer_test_bot",
        _env_file=None,
    )


def build_app(settings: Settings, db: async_sessionmaker[AsyncSession]) -> web.Application:
    app = web.Application()
    setup_admin(app, settings=settings, sessionmaker=db)
    return app


class Browser:
    """A test client that remembers the page's CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    async def get(self, path: str, **kwargs: object) -> tuple[int, str]:
        response = await self.client.get(path, **kwargs)  # type: ignore[arg-type]
        body = await response.text()
        found = CSRF.search(body)
        if found:
            self.csrf = found.group(1)
        return response.status, body

    async def post(
        self, path: str, data: dict[str, object] | None = None, *, csrf: bool = True, **kw: object
    ) -> tuple[int, str, str]:
        """POST a form (with the CSRF token unless told not to); follows no redirects.

        Returns (status, body, location)."""
        if not self.csrf:
            await self.get("/admin/login")
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        response = await self.client.post(path, data=form, allow_redirects=False, **kw)  # type: ignore[arg-type]
        return response.status, await response.text(), response.headers.get("Location", "")

    async def follow(self, location: str) -> tuple[int, str]:
        return await self.get(location)

    async def login(self, login: str, password: str = PASSWORD) -> tuple[int, str, str]:
        await self.get("/admin/login")
        result = await self.post("/admin/login", {"login": login, "password": password})
        if result[0] == 303:
            await self.get(result[2])  # the new session's CSRF token
        return result


@pytest.fixture
async def server(
    admin_settings: Settings, db: async_sessionmaker[AsyncSession]
) -> AsyncIterator[TestServer]:
    test_server = TestServer(build_app(admin_settings, db), host="127.0.0.1")
    await test_server.start_server()
    yield test_server
    await test_server.close()


@pytest.fixture
async def browser(server: TestServer) -> AsyncIterator[Browser]:
    client = TestClient(server)
    await client.start_server()
    yield Browser(client)
    await client.close()


async def new_browser(server: TestServer) -> Browser:
    client = TestClient(server)
    await client.start_server()
    return Browser(client)


async def staff(
    db: async_sessionmaker[AsyncSession],
    login: str,
    role: str = Role.ADMIN,
    *,
    full_name: str = "",
) -> StaffAccount:
    """A staff login; a manager is bound to a manager User."""
    async with db() as session:
        account = await create_staff_account(session, login=login, password=PASSWORD, role=role)
        if role == Role.MANAGER:
            user = User(telegram_id=None, role=Role.MANAGER, full_name=full_name or login)
            session.add(user)
            await session.flush()
            account.user_id = user.id
        await session.commit()
        return account


@pytest.fixture
async def admin(db: async_sessionmaker[AsyncSession], browser: Browser) -> Browser:
    """The browser logged in as an admin."""
    await staff(db, "boss", Role.ADMIN)
    status, _, _ = await browser.login("boss")
    assert status == 303
    return browser


async def order_for(
    session: AsyncSession,
    dealer: Dealer,
    *,
    status: str = OrderStatus.NEW,
    total: str = "1500.00",
    placed_at: object = None,
    author: User | None = None,
) -> Order:
    """An order with one line, stored directly (placement is tested in tests/core)."""
    n = next(_numbers)
    order = Order(
        number=f"T-{n:05d}",
        dealer_id=dealer.id,
        status=status,
        total=Decimal(total),
        placed_at=placed_at or utcnow(),
        author_id=author.id if author else None,
    )
    session.add(order)
    await session.flush()
    session.add(
        OrderLine(
            order_id=order.id,
            line_no=1,
            article=f"ART-{n}",
            name="Фильтр масляный",
            price=Decimal(total),
            quantity=Decimal("1"),
            amount=Decimal(total),
        )
    )
    await session.flush()
    return order


async def claim_for(session: AsyncSession, order: Order) -> Claim:
    """A new claim on the order's first line."""
    line = await session.scalar(select(OrderLine.id).where(OrderLine.order_id == order.id))
    n = next(_numbers)
    claim = Claim(number=f"R-{n:05d}", dealer_id=order.dealer_id, order_id=order.id)
    session.add(claim)
    await session.flush()
    session.add(ClaimLine(claim_id=claim.id, order_line_id=line or 0, reason="defect", quantity=1))
    await session.flush()
    return claim


@dataclass
class World:
    """A small world: two managers with a dealer each, a wave, orders, a claim, an application."""

    manager_a: StaffAccount
    manager_b: StaffAccount
    dealer_a: Dealer
    dealer_b: Dealer
    order_a: Order
    order_b: Order
    claim_a: Claim
    claim_b: Claim
    wave: PilotWave
    application: Application


@pytest.fixture
async def world(db: async_sessionmaker[AsyncSession]) -> World:
    manager_a = await staff(db, "anna", Role.MANAGER, full_name="Анна Менеджер")
    manager_b = await staff(db, "boris", Role.MANAGER, full_name="Борис Менеджер")
    async with db() as session:
        wave = PilotWave(name="Пилот-1", criteria="крупные дилеры", thanks_text="Спасибо!")
        session.add(wave)
        pt = await factories.price_type(session)
        user_a = await session.get(User, manager_a.user_id)
        user_b = await session.get(User, manager_b.user_id)
        dealer_a = await factories.dealer(session, "ООО Альфа", price_type=pt, manager=user_a)
        dealer_b = await factories.dealer(session, "ООО Бета", price_type=pt, manager=user_b)
        dealer_a.region = "Московская область"
        dealer_a.city = "Москва"
        await session.flush()
        dealer_a.wave_id = wave.id
        order_a = await order_for(session, dealer_a, status=OrderStatus.CONFIRMED)
        order_b = await order_for(session, dealer_b, status=OrderStatus.CONFIRMED)
        claim_a = await claim_for(session, order_a)
        claim_b = await claim_for(session, order_b)
        application = Application(
            telegram_id=7_000_001,
            company="ООО Гамма",
            inn="7712345678",
            city="Тверь",
            contact_name="Пётр",
            phone="+79001234567",
        )
        session.add(application)
        await session.commit()
    return World(
        manager_a,
        manager_b,
        dealer_a,
        dealer_b,
        order_a,
        order_b,
        claim_a,
        claim_b,
        wave,
        application,
    )
