"""The broadcast pages through the aiohttp test client: compose -> preview -> test send ->
send -> progress -> report -> CSV, the sender delivering on the fake Bot API in between."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import AuditEntry, Broadcast, StaffAccount
from tests.admin.conftest import (  # noqa: F401
    Browser,
    admin,
    admin_settings,
    browser,
    server,
)
from tests.broadcasts.conftest import Telegram
from tests.broadcasts.data import crowd, png

FORM = {
    "title": "Весенняя акция",
    "text": "*Скидка 10%* на фильтры [подробнее](https://example.com/a)",
    "button_text": "Каталог",
    "button_url": "https://example.com/catalog",
    "kind": "all",
    "days": "30",
}


async def test_compose_preview_send_progress_report_csv(
    admin: Browser,  # noqa: F811
    telegram: Telegram,
    db: async_sessionmaker[AsyncSession],
) -> None:
    people = await crowd(db, 5)
    telegram.fake.blocked_chats.add(people[2])

    status, page = await admin.get("/admin/broadcasts/new")
    assert status == 200 and 'name="text"' in page
    status, _, location = await admin.post("/admin/broadcasts", FORM)
    assert status == 303
    broadcast_id = int(location.rsplit("/", 1)[1])

    status, page = await admin.get(location)
    assert status == 200
    assert "<b>Скидка 10%</b>" in page  # the preview shows the formatting
    assert re.search(r"получателей: <strong>5</strong>", page)

    status, _, _ = await admin.post(f"{location}/test", {"telegram_id": "777"})
    assert status == 303
    await telegram.drain()
    assert [c.chat_id for c in telegram.fake.delivered()] == [777]
    async with db() as s:
        assert (
            await s.scalar(select(StaffAccount.telegram_id).where(StaffAccount.login == "boss"))
            == 777
        )

    status, _, _ = await admin.post(f"{location}/send")
    assert status == 303
    response = await admin.client.get(f"{location}/progress")
    before = await response.json()
    assert (before["state"], before["total"], before["queued"]) == ("sending", 5, 5)

    await telegram.drain()
    response = await admin.client.get(f"{location}/progress")
    after = await response.json()
    assert (after["state"], after["sent"], after["blocked"], after["queued"]) == ("done", 4, 1, 0)
    assert len(telegram.fake.delivered()) == 5  # the test and four recipients

    status, page = await admin.get(f"{location}/report?status=blocked")
    assert status == 200 and str(people[2]) in page
    assert page.count('data-status="blocked"') == 1 and 'data-status="sent"' not in page
    response = await admin.client.get(f"{location}/report.csv")
    assert response.status == 200
    rows = list(csv.DictReader(io.StringIO((await response.text()).lstrip("\ufeff"))))
    assert {int(r["Telegram id"]): r["Статус"] for r in rows} == {
        chat: ("заблокировал бота" if chat == people[2] else "доставлено") for chat in people
    }
    async with db() as s:
        actions = list(
            await s.scalars(
                select(AuditEntry.action)
                .where(
                    AuditEntry.object_type == "broadcast", AuditEntry.object_id == str(broadcast_id)
                )
                .order_by(AuditEntry.id)
            )
        )
    assert actions == [
        "broadcast.create",
        "broadcast.test_send",
        "broadcast.send",
        "broadcast.export",
    ]


async def test_bad_link_is_refused_and_a_scheduled_one_can_be_cancelled(
    admin: Browser,  # noqa: F811
    db: async_sessionmaker[AsyncSession],
) -> None:
    await crowd(db, 2)
    status, _, _ = await admin.post(
        "/admin/broadcasts", {**FORM, "text": "[жми](javascript:alert(1))"}
    )
    assert status == 303
    _, page = await admin.get("/admin/broadcasts")
    assert "должна начинаться с https://" in page
    async with db() as s:
        assert await s.scalar(select(Broadcast.id)) is None

    _, _, location = await admin.post(
        "/admin/broadcasts", {**FORM, "kind": "regions", "values": "Тула"}
    )
    status, _, _ = await admin.post(f"{location}/schedule", {"at": "2099-01-01T10:00"})
    assert status == 303
    status, _, _ = await admin.post(f"{location}/cancel")
    assert status == 303
    async with db() as s:
        item = await s.scalar(select(Broadcast))
        assert item is not None
        assert (item.state, item.audience["values"]) == ("cancelled", ["Тула"])
        assert item.scheduled_at is not None and item.scheduled_at.year == 2099


async def test_managers_cannot_open_broadcasts(
    browser: Browser,  # noqa: F811
    db: async_sessionmaker[AsyncSession],
) -> None:
    from core.models import Role
    from tests.admin.conftest import staff

    await staff(db, "olga", Role.MANAGER)
    await browser.login("olga")
    status, _ = await browser.get("/admin/broadcasts")
    assert status == 403


def _file(content: bytes, name: str) -> io.BytesIO:
    """A file field for the form (the client posts the form as multipart)."""
    data = io.BytesIO(content)
    data.name = name
    return data


async def test_a_photo_is_uploaded_previewed_refused_when_wrong_and_removed(
    admin: Browser,  # noqa: F811
    db: async_sessionmaker[AsyncSession],
) -> None:
    await crowd(db, 2)
    picture = png(120, 80)

    # Not a photo, or too big for the admin: a clear message, nothing saved.
    status, _, _ = await admin.post(
        "/admin/broadcasts", {**FORM, "photo_file": _file(b"%PDF-1.7", "price.pdf")}
    )
    assert status == 303
    _, page = await admin.get("/admin/broadcasts")
    assert "Это не фото: нужен файл JPEG или PNG." in page
    huge = picture + b"\0" * (6 * 1024 * 1024)
    status, _, location = await admin.post(
        "/admin/broadcasts",
        {**FORM, "photo_file": _file(huge, "big.png")},
        headers={"Referer": str(admin.client.make_url("/admin/broadcasts/new"))},
    )
    assert (status, location) == (303, "/admin/broadcasts/new")
    _, page = await admin.get(location)
    assert "Файл слишком большой: админка принимает до 5 МБ за раз." in page
    async with db() as s:
        assert await s.scalar(select(func.count()).select_from(Broadcast)) == 0

    # A photo: saved with the draft and shown in the preview.
    status, _, location = await admin.post(
        "/admin/broadcasts", {**FORM, "photo_file": _file(picture, "весна.png")}
    )
    assert status == 303
    _, page = await admin.get(location)
    assert 'id="preview-photo"' in page and 'alt="весна.png"' in page
    response = await admin.client.get(f"{location}/photo")
    assert response.status == 200 and response.content_type == "image/png"
    assert await response.read() == picture

    # The edit form shows it; saving without a file keeps it; "remove" removes it.
    _, page = await admin.get(f"{location}/edit")
    assert 'id="current-photo"' in page and 'enctype="multipart/form-data"' in page
    assert "файл JPEG или PNG до 5 МБ" in page  # the admin's request limit, under Telegram's 10
    await admin.post(location, FORM)
    response = await admin.client.get(f"{location}/photo")
    assert response.status == 200
    # A name with an encoded control character (as a crafted request can send): kept without it.
    parts = [
        f'--B\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in {**FORM, "csrf_token": admin.csrf}.items()
    ]
    parts.append(
        b'--B\r\nContent-Disposition: form-data; name="photo_file"; filename="spring%002.png"'
        b"\r\nContent-Type: image/png\r\n\r\n" + picture + b"\r\n--B--\r\n"
    )
    response = await admin.client.post(
        location,
        data=b"".join(parts),
        headers={"Content-Type": "multipart/form-data; boundary=B"},
        allow_redirects=False,
    )
    assert response.status == 303
    async with db() as s:
        item = await s.scalar(select(Broadcast))
        assert item is not None and item.photo_file_name == "spring2.png"
    await admin.post(location, {**FORM, "photo_remove": "1"})
    response = await admin.client.get(f"{location}/photo")
    assert response.status == 404
    async with db() as s:
        item = await s.scalar(select(Broadcast))
        assert item is not None and item.photo_file_name is None


async def test_typed_html_is_text_and_the_markup_is_formatting(
    admin: Browser,  # noqa: F811
    db: async_sessionmaker[AsyncSession],
) -> None:
    """What a person types is never HTML: tags show as typed, the markup becomes formatting;
    editing a draft gives the markup back."""
    await crowd(db, 2)
    text = "<script>alert(1)</script> *жирно* _курсив_ & [сайт](https://example.com/?a=1&b=2)"
    _, _, location = await admin.post("/admin/broadcasts", {**FORM, "text": text})
    async with db() as s:
        stored = await s.scalar(select(Broadcast.text))
    assert stored == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <b>жирно</b> <i>курсив</i> &amp; "
        '<a href="https://example.com/?a=1&amp;b=2">сайт</a>'
    )
    _, page = await admin.get(location)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>жирно</b>" in page
    _, page = await admin.get(f"{location}/edit")
    assert "*жирно* _курсив_" in page and "[сайт](https://example.com/?a=1&amp;b=2)" in page

    # The live preview answers with the same HTML, or with what is wrong.
    headers = {"X-CSRF-Token": admin.csrf}
    response = await admin.client.post(
        "/admin/broadcasts/preview", data={"text": "*да*"}, headers=headers
    )
    assert await response.json() == {"html": "<b>да</b>", "error": ""}
    response = await admin.client.post(
        "/admin/broadcasts/preview", data={"text": "[x](ftp://a)"}, headers=headers
    )
    assert "https://" in (await response.json())["error"]


async def test_no_recipients_disables_send_and_the_bot_off_is_said(
    admin: Browser,  # noqa: F811
    db: async_sessionmaker[AsyncSession],
) -> None:
    _, _, location = await admin.post(
        "/admin/broadcasts", {**FORM, "kind": "regions", "values": "Нигде"}
    )
    _, page = await admin.get(location)
    assert re.search(r'<button class="primary" disabled>Отправить сейчас', page)
    assert 'id="no-recipients"' in page
    assert 'id="bot-off"' in page and "BOT_TOKEN" in page  # the tests' admin runs without a bot
    status, _, _ = await admin.post(f"{location}/send")
    assert status == 303
    _, page = await admin.get(location)
    assert "Получателей нет" in page
    async with db() as s:
        assert await s.scalar(select(Broadcast.state)) == "draft"
