"""The pages people click, in headless Chromium (Debian's package, driven by Playwright).

Log in, create a wave, put a dealer in it, invite the dealer, redeem the invitation as the dealer
through the fake Bot API and the real dispatcher, see the dealer joined in the funnel, approve
an application. Screenshots of the main pages go to ADMIN_SCREENSHOTS (if set) or tmp_path.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Application, Dealer, OutboxEvent, User
from core.pilot import APPLICATION_APPROVED
from tests.admin.conftest import PASSWORD, World, staff
from tests.bot.conftest import BotHarness, fake, last_message, schema, tg  # noqa: F401 - fixtures

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[Any]:
    if not HAVE_CHROMIUM:
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium): browser tests skipped")
    playwright_api = pytest.importorskip(
        "playwright.async_api", reason="the playwright package is not installed"
    )
    async with playwright_api.async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        context.set_default_timeout(15_000)
        tab = await context.new_page()
        yield tab
        await context.close()
        await browser.close()


async def log_in(page: Any, base: str, login: str = "boss") -> None:
    """Fill the login form (the page must show it) and wait for the home page."""
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/admin/")


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ADMIN_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_pilot_from_login_to_funnel_and_application(
    db: async_sessionmaker[AsyncSession],
    world: World,
    server: TestServer,
    page: Any,
    tg: BotHarness,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    base = str(server.make_url("")).rstrip("/")
    folder = shots(tmp_path)
    await staff(db, "boss")

    # Log in.
    await page.goto(f"{base}/admin/")
    assert "/admin/login" in page.url
    await page.screenshot(path=str(folder / "01-login.png"))
    await log_in(page, base)
    assert await page.text_content("h1") == "Сводка"
    await page.screenshot(path=str(folder / "02-home.png"), full_page=True)

    # Create a wave.
    await page.click("text=Пилот")
    await page.fill("#wave-form input[name=name]", "Волна Б")
    await page.fill("#wave-form textarea[name=criteria]", "Дилеры Северо-Запада")
    await page.click("#wave-form button")
    await page.wait_for_selector("text=Волна «Волна Б» создана.")
    await page.screenshot(path=str(folder / "03-waves.png"), full_page=True)

    # Put dealer B in it.
    await page.goto(f"{base}/admin/dealers/{world.dealer_b.id}/edit")
    await page.select_option("select[name=wave_id]", label="Волна Б")
    await page.click("button.primary")
    await page.wait_for_selector("text=Изменения сохранены.")

    # Invite the dealer from its card: the link and its QR code.
    await page.click("text=Создать приглашение")
    await page.wait_for_selector("text=Приглашение создано.")
    link = await page.input_value("#invite-link")
    assert re.fullmatch(r"https://t\.me/dealer_test_bot\?start=[\w-]+", link), link
    qr_ok = await page.evaluate(
        "() => { const i = document.querySelector('.qr img');"
        " return i.complete && i.naturalWidth > 100; }"
    )
    assert qr_ok
    await page.screenshot(path=str(folder / "04-invitation.png"), full_page=True)

    # The dealer's person redeems it in Telegram (fake Bot API, real dispatcher).
    person = tg.person(first_name="Ольга")
    token = link.split("start=", 1)[1]
    welcome = last_message(await tg.send_text(person, f"/start {token}"))
    assert "ООО Бета" in welcome.text
    async with db() as session:
        user = await session.scalar(select(User).where(User.telegram_id == person.id))
        assert user is not None and user.dealer_id == world.dealer_b.id

    # The funnel shows the dealer joined.
    await page.goto(f"{base}/admin/pilot/funnel")
    row = page.locator("tr[data-wave='Волна Б']")
    assert await row.locator("td.invited").text_content() == "1"
    assert await row.locator("td.joined").text_content() == "1"
    assert await row.locator("td.first").text_content() == "1"  # the world gave it one order
    await page.screenshot(path=str(folder / "05-funnel.png"), full_page=True)
    await page.goto(f"{base}/admin/dealers/{world.dealer_b.id}")
    assert await page.locator("text=Ольга").count() >= 1
    await page.screenshot(path=str(folder / "06-dealer-card.png"), full_page=True)

    # Approve an application: a dealer is made and the link is queued for the applicant.
    await page.goto(f"{base}/admin/pilot/applications")
    card = page.locator(f"#application-{world.application.id}")
    await card.locator("select[name=wave_id]").select_option(label="Волна Б")
    await page.screenshot(path=str(folder / "07-applications.png"), full_page=True)
    await card.locator("text=Одобрить и отправить приглашение").click()
    await page.wait_for_selector("text=Заявка одобрена")
    async with db() as session:
        application = await session.get(Application, world.application.id)
        assert application is not None and application.status == "approved"
        dealer = await session.get(Dealer, application.dealer_id)
        assert dealer is not None and dealer.name == "ООО Гамма"
        event = await session.scalar(
            select(OutboxEvent).where(OutboxEvent.kind == APPLICATION_APPROVED)
        )
        assert event is not None and event.payload["telegram_id"] == 7_000_001

    # The other main pages, for the screenshots.
    for name, path in [
        ("08-dealers", "/admin/dealers"),
        ("09-orders", "/admin/orders"),
        ("10-order", f"/admin/orders/{world.order_a.id}"),
        ("11-claim", f"/admin/claims/{world.claim_a.id}"),
        ("12-settings", "/admin/settings"),
        ("13-exchange", "/admin/exchange"),
        ("14-import", "/admin/dealers/import"),
    ]:
        await page.goto(f"{base}{path}")
        assert await page.locator("main h1").count() >= 1
        await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
