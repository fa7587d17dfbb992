"""The main admin pages on demo data at 1366×768 and 1920×1080, in headless Chromium: the menu
stays on one line and nothing sticks out to the right. Screenshots go to ADMIN_SCREENSHOTS (if
set) or tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Broadcast, Claim, Dealer, Order, utcnow
from dealerbot.demo import load_demo
from tests.admin.conftest import staff
from tests.admin.test_admin_browser import CHROMIUM, HAVE_CHROMIUM, LAUNCH_ARGS, log_in, shots

SIZES = ((1366, 768), (1920, 1080))

# Everything that ends to the right of the window, except inside a box that scrolls itself;
# and the tops of the menu's links (one line: one top).
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === 'auto' || x === 'scroll' || x === 'hidden') return true;
    }
    return false;
  };
  const over = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1 && !scrolls(el)) {
      over.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                (el.className && typeof el.className === 'string' ? '.' + el.className : '') +
                ' right=' + Math.round(r.right));
    }
  }
  const links = [...document.querySelectorAll('header.top nav a')];
  const header = document.querySelector('header.top');
  return {
    page: document.documentElement.scrollWidth, width: width, over: over.slice(0, 8),
    tops: [...new Set(links.map((a) => Math.round(a.getBoundingClientRect().top)))],
    links: links.length, header: header ? Math.round(header.getBoundingClientRect().height) : 0,
  };
}"""


async def _paths(db: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    async with db() as session:
        order = await session.scalar(select(Order.id).order_by(Order.id.desc()).limit(1))
        claim = await session.scalar(select(Claim.id).order_by(Claim.id.desc()).limit(1))
        dealer = await session.scalar(
            select(Dealer.id).where(Dealer.onboarded_at.is_not(None)).limit(1)
        )
        broadcast = await session.scalar(
            select(Broadcast.id).where(Broadcast.state == "done").limit(1)
        )
    return [
        ("home", "/admin/"),
        ("dealers", "/admin/dealers"),
        ("dealer", f"/admin/dealers/{dealer}"),
        ("dealer-import", "/admin/dealers/import"),
        ("orders", "/admin/orders"),
        ("orders-page-2", "/admin/orders?page=1"),
        ("order", f"/admin/orders/{order}"),
        ("claims", "/admin/claims"),
        ("claim", f"/admin/claims/{claim}"),
        ("waves", "/admin/pilot/waves"),
        ("invitations", "/admin/pilot/invitations"),
        ("applications", "/admin/pilot/applications"),
        ("funnel", "/admin/pilot/funnel"),
        ("metrics", "/admin/metrics"),
        ("broadcasts", "/admin/broadcasts"),
        ("broadcast", f"/admin/broadcasts/{broadcast}"),
        ("broadcast-new", "/admin/broadcasts/new"),
        ("exchange", "/admin/exchange"),
        ("settings", "/admin/settings"),
        ("staff", "/admin/staff"),
        ("audit", "/admin/audit"),
    ]


async def test_main_pages_fit_at_both_sizes(
    db: async_sessionmaker[AsyncSession], server: TestServer, tmp_path: Path
) -> None:
    if not HAVE_CHROMIUM:
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium): browser tests skipped")
    playwright_api = pytest.importorskip(
        "playwright.async_api", reason="the playwright package is not installed"
    )
    await load_demo(db, items=300, now=utcnow())
    await staff(db, "boss")
    paths = await _paths(db)
    base = str(server.make_url("")).rstrip("/")
    folder = shots(tmp_path)
    problems: list[str] = []
    async with playwright_api.async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        try:
            for width, height in SIZES:
                context = await browser.new_context(
                    viewport={"width": width, "height": height}, locale="ru-RU"
                )
                context.set_default_timeout(30_000)
                page: Any = await context.new_page()
                await page.goto(f"{base}/admin/login")
                await log_in(page, base)
                for name, path in paths:
                    response = await page.goto(f"{base}{path}")
                    assert response is not None and response.status == 200, (path, width)
                    found = await page.evaluate(MEASURE)
                    await page.screenshot(path=str(folder / f"{width}-{name}.png"), full_page=True)
                    where = f"{width}×{height} {path}"
                    if found["links"] < 8 or len(found["tops"]) != 1:
                        problems.append(f"{where}: the menu wraps ({found['tops']})")
                    if found["page"] > found["width"] or found["over"]:
                        problems.append(f"{where}: wider than the window {found}")
                await context.close()
        finally:
            await browser.close()
    assert not problems, "\n".join(problems)
