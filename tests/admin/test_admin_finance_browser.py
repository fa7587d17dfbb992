"""The finance tab in headless Chromium: from the dealer card to page 2 of the documents, and
the credit policy chosen from its Russian labels, stored and audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import AuditEntry, Dealer
from tests.admin.conftest import World, staff
from tests.admin.test_admin_browser import log_in, page, shots  # noqa: F401 - the fixture
from tests.admin.test_admin_finance import seed


async def test_finance_tab_in_the_browser(
    db: async_sessionmaker[AsyncSession],
    world: World,
    server: TestServer,
    page: Any,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    base = str(server.make_url("")).rstrip("/")
    await seed(db, world.dealer_a, documents=25)
    await staff(db, "boss")
    await page.goto(f"{base}/admin/")
    await log_in(page, base)
    await page.goto(f"{base}/admin/dealers/{world.dealer_a.id}")
    await page.click("text=Взаиморасчёты")
    await page.wait_for_selector("text=Договоры и лимиты")
    body = await page.text_content("main") or ""
    assert "Д-1" in body and "страница 1 из 2" in body and "СЧ-024" in body
    await page.click("text=вперёд →")
    await page.wait_for_selector("text=страница 2 из 2")
    assert "СЧ-000" in (await page.text_content("main") or "")

    await page.select_option("select[name=credit_policy]", label="не принимать заказ")
    await page.click("form[action$='/finance/policy'] button.primary")
    await page.wait_for_selector("text=Кредитная политика сохранена.")
    async with db() as session:
        dealer = await session.get(Dealer, world.dealer_a.id)
        assert dealer is not None and dealer.credit_policy == "block"
        entries = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "dealer.credit_policy")
            )
        )
    assert len(entries) == 1
