"""The metrics pages in headless Chromium on the demo data: every figure the rollout dashboard
and the after-hours page show is the one the JSON API returns for the same filters and days.

The days are fixed (the 30 local days up to yesterday) so that the page and the API, asked a
few seconds apart, compute over the same window.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.accounts import create_api_token
from core.models import utcnow
from core.settings import Settings
from dealerbot.demo import load_demo
from tests.admin.conftest import staff
from tests.admin.test_admin_browser import log_in, page, shots  # noqa: F401 - the page fixture


async def _api(server: TestServer, token: str, path: str) -> dict[str, Any]:
    from aiohttp import ClientSession

    async with (
        ClientSession() as client,
        client.get(
            str(server.make_url(path)), headers={"Authorization": f"Bearer {token}"}
        ) as response,
    ):
        assert response.status == 200, await response.text()
        return dict(await response.json())


async def test_dashboard_and_after_hours_pages_show_the_api_figures(
    db: async_sessionmaker[AsyncSession],
    server: TestServer,
    admin_settings: Settings,
    page: Any,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    summary = await load_demo(db, items=50, now=utcnow() - timedelta(hours=1))
    assert summary.orders > 100 and summary.after_hours_orders > 0
    async with db() as session:
        _, token = await create_api_token(session, "browser test")
        await session.commit()
    await staff(db, "boss")
    today = utcnow().astimezone(admin_settings.zone).date()
    days = f"from={today - timedelta(days=30)}&to={today - timedelta(days=1)}"
    base = str(server.make_url("")).rstrip("/")
    folder = shots(tmp_path)

    await page.goto(f"{base}/admin/login")
    await log_in(page, base)

    # The rollout dashboard.
    await page.click("nav >> text=Метрики")
    await page.wait_for_selector("#rollout")
    await page.goto(f"{base}/admin/metrics?{days}")
    await page.wait_for_selector("#progress-chart svg")
    await page.screenshot(path=str(folder / "metrics-dashboard.png"), full_page=True)
    api = await _api(server, token, f"/api/v1/metrics/rollout?{days}")
    shown = await page.eval_on_selector_all(
        "#rollout tbody tr",
        """rows => rows.map(r => ({
            key: r.dataset.metric,
            baseline: r.querySelector('td.baseline').dataset.value,
            target: r.querySelector('td.target').dataset.value,
            current: r.querySelector('td.current').dataset.value,
            status: r.querySelector('td.status').dataset.status,
        }))""",
    )
    expected = [
        {
            "key": m["key"],
            "baseline": m["baseline"] or "",
            "target": m["target"] or "",
            "current": m["current"] or "",
            "status": m["status"],
        }
        for m in api["metrics"]
    ]
    assert shown == expected
    # The demo has orders in the window: the order figures are there, not dashes.
    by_key = {row["key"]: row for row in shown}
    assert by_key["bot_share"]["current"] != ""
    assert by_key["after_hours_share"]["current"] != ""
    # The demo's contact log: the managers' metrics have a baseline, a target and a value.
    for key in ("contacts_outside", "client_time"):
        assert "" not in (by_key[key]["baseline"], by_key[key]["target"], by_key[key]["current"])
    outside_text = str(await page.text_content('#rollout tr[data-metric="contacts_outside"]'))
    assert "обращений/мес." in outside_text and "узнать цены или остатки" in outside_text
    time_text = str(await page.text_content('#rollout tr[data-metric="client_time"]'))
    assert " мин" in time_text
    # ... and read in Russian business format: a percentage with a comma, "нет цели" without one.
    shown_text = await page.text_content("#rollout")
    assert "," in str(shown_text) and "%" in str(shown_text)

    # The after-hours page.
    await page.click(".tabs >> text=Нерабочее время")
    await page.wait_for_selector("#heatmap-chart svg")
    await page.goto(f"{base}/admin/metrics/after-hours?{days}")
    await page.wait_for_selector("#heatmap-chart svg")
    await page.screenshot(path=str(folder / "metrics-after-hours.png"), full_page=True)
    data = await _api(server, token, f"/api/v1/metrics/after-hours?{days}")
    assert data["after_hours_orders"] > 0

    async def figure(selector: str) -> str:
        return str(await page.get_attribute(selector, "data-value")).strip()

    assert await figure('#figures [data-figure="orders"]') == str(data["orders"])
    assert await figure('#figures [data-figure="after_hours_orders"]') == str(
        data["after_hours_orders"]
    )
    assert await figure('#figures [data-figure="share"]') == data["share"]
    assert "%" in str(await page.text_content('#figures [data-figure="share"]'))
    for group in ("after_hours", "in_hours"):
        for name in ("orders", "confirmed", "median_min", "p90_min"):
            value = data[group][name]
            shown_value = await figure(
                f'#confirm-times tr[data-group="{group}"] [data-figure="{name}"]'
            )
            assert shown_value == ("" if value is None else str(value)), (group, name)
    for name in ("mornings", "waiting_total", "waiting_max", "waiting_avg"):
        value = data["backlog"][name]
        assert await figure(f'#backlog [data-figure="{name}"]') == (
            "" if value is None else str(value)
        )
    heat = await page.eval_on_selector_all(
        "#heatmap tbody tr",
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(c => Number(c.textContent)))",
    )
    assert heat == data["heatmap"]
    backlog_rows = await page.eval_on_selector_all(
        "#backlog-days tbody tr",
        "rows => rows.filter(r => !r.querySelector('.empty')).map(r =>"
        " [...r.querySelectorAll('td')].slice(1).map(c => Number(c.textContent)))",
    )
    assert backlog_rows == [
        [d["after_hours_orders"], d["waiting"]] for d in data["backlog"]["days"]
    ]
