"""The broadcast pages in headless Chromium: compose with an uploaded photo and an audience of
one wave, preview, test send to yourself, send, the progress updating on the open page as the
sender delivers (no reload), the report's status tabs and the CSV download."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Broadcast, Dealer, PilotWave
from tests.admin.conftest import admin_settings, server, staff  # noqa: F401 - fixtures
from tests.admin.test_admin_browser import log_in, page, shots  # noqa: F401 - the page fixture
from tests.broadcasts.conftest import Telegram
from tests.broadcasts.data import crowd, png


async def test_compose_send_and_watch_the_progress_in_the_browser(
    db: async_sessionmaker[AsyncSession],
    server: TestServer,  # noqa: F811
    telegram: Telegram,
    page: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    people = await crowd(db, 5)
    async with db() as s:
        wave = PilotWave(name="Пилот Тула")
        s.add(wave)
        await s.flush()
        names = ["Дилер 0", "Дилер 1", "Дилер 2", "Дилер 3"]  # "Дилер 4" stays out
        await s.execute(update(Dealer).where(Dealer.name.in_(names)).values(wave_id=wave.id))
        await s.commit()
    in_wave, outside = people[:4], people[4]
    telegram.fake.blocked_chats.add(people[1])
    await staff(db, "boss")
    base = str(server.make_url("")).rstrip("/")
    folder = shots(tmp_path)

    await page.goto(f"{base}/admin/login")
    await log_in(page, base)

    # Compose: text with formatting, a button, the audience of one wave.
    await page.goto(f"{base}/admin/broadcasts")
    await page.click("text=Новая рассылка")
    await page.fill("input[name=title]", "Весна в Туле")
    await page.fill("textarea[name=text]", "*Скидка 10%* на фильтры до конца месяца")
    await page.wait_for_function(
        "() => document.querySelector('#compose-preview .text b')?.textContent === 'Скидка 10%'"
    )
    await page.fill("input[name=button_text]", "Каталог")
    await page.fill("input[name=button_url]", "https://example.com/catalog")
    picture = png(120, 80)
    await page.set_input_files(
        "input[name=photo_file]",
        files=[{"name": "весна.png", "mimeType": "image/png", "buffer": picture}],
    )
    await page.select_option("select[name=kind]", "waves")
    await page.select_option("select[name=waves_ids]", label="Пилот Тула")
    await page.screenshot(path=str(folder / "b1-compose.png"), full_page=True)
    await page.click("#broadcast-form button.primary")
    await page.wait_for_selector("#preview")

    # The preview shows the photo and renders the formatting; the audience is the wave's four.
    shown = await page.evaluate(
        "() => { const i = document.getElementById('preview-photo');"
        " return [i.complete, i.naturalWidth, i.naturalHeight, i.alt]; }"
    )
    assert shown == [True, 120, 80, "весна.png"]
    assert await page.locator("#preview .text b").text_content() == "Скидка 10%"
    assert await page.locator("#preview .tg-button a").text_content() == "Каталог"
    size = await page.locator("#audience-size").text_content()
    assert size is not None and "получателей: 4" in " ".join(size.split())
    await page.screenshot(path=str(folder / "b2-preview.png"), full_page=True)

    # A test to yourself: only that chat gets it.
    await page.fill("#test-form input[name=telegram_id]", "777")
    await page.click("#test-form button")
    await page.wait_for_selector("#send-form")
    await telegram.drain()
    assert [c.chat_id for c in telegram.fake.delivered()] == [777]
    [test] = telegram.fake.delivered()
    assert test.method == "sendPhoto" and list(test.files.values()) == [picture]

    # Send: the open page follows the sender without being reloaded.
    await page.click("#send-form button")
    await page.wait_for_selector("#progress[data-state=sending]")
    assert await page.text_content("#state") == "отправляется"
    await page.evaluate("() => { window.notReloaded = true; }")
    await telegram.drain()
    await page.wait_for_function(
        "() => document.getElementById('state').textContent === 'завершена'", timeout=10_000
    )
    assert await page.evaluate("() => window.notReloaded === true")
    assert await page.locator("#cancel-form").count() == 0  # a finished one cannot be cancelled
    counts = {
        key: await page.text_content(f"#progress [data-k={key}]")
        for key in ("total", "queued", "sent", "blocked")
    }
    assert counts == {"total": "4", "queued": "0", "sent": "3", "blocked": "1"}
    delivered = [c.chat_id for c in telegram.fake.delivered()]  # blocked chats get nothing
    assert delivered[0] == 777 and sorted(delivered[1:]) == [p for p in in_wave if p != people[1]]
    assert outside not in delivered
    file_id = test.result["photo"][-1]["file_id"]  # the upload is not repeated
    assert all(c.params["photo"] == file_id and not c.files for c in telegram.fake.delivered()[1:])
    await page.screenshot(path=str(folder / "b3-progress.png"), full_page=True)

    # The report: its tabs filter by status.
    await page.click("text=Отчёт по получателям")
    assert await page.locator("#report tbody tr").count() == 4
    await page.click("nav.tabs >> text=/заблок/i")
    await page.wait_for_url("**status=blocked")
    cells = page.locator("#report td[data-status]")
    assert await cells.count() == 1
    assert await cells.get_attribute("data-status") == "blocked"
    assert str(people[1]) in (await page.text_content("#report tbody") or "")
    await page.screenshot(path=str(folder / "b4-report.png"), full_page=True)

    # The CSV link downloads every recipient with their status.
    async with page.expect_download() as download_info:
        await page.click("text=CSV")
    download = await download_info.value
    saved = tmp_path / "report.csv"
    await download.save_as(str(saved))
    rows = list(csv.DictReader(saved.read_text(encoding="utf-8-sig").splitlines()))
    assert {int(r["Telegram id"]): r["Статус"] for r in rows} == {
        chat: ("заблокировал бота" if chat == people[1] else "доставлено") for chat in in_wave
    }
    async with db() as s:
        item = await s.scalar(select(Broadcast))
        assert item is not None and (item.state, item.title) == ("done", "Весна в Туле")
